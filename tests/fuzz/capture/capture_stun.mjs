// Records what the real coturn (/usr/bin/turnserver, Debian 12's 4.6.1)
// answers to the requests of Switchboard's TURN probe, and writes the answers
// as fuzz seeds (docs/testing.md, "Fuzzing"): corpus/stun/coturn-<step>, one
// datagram each, and coturn-probe-run, all of them in order (the fuzz target
// reads a run of datagrams as one probe's answers).
// Steps: Binding; Allocate without credentials (401 + REALM + NONCE);
// Allocate with a TURN REST credential (MESSAGE-INTEGRITY, FINGERPRINT);
// the same with a wrong password (401); Refresh with LIFETIME 0.
//
//   node tests/fuzz/capture/capture_stun.mjs
import { spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'corpus', 'stun');
const SECRET = 'fuzz-capture-secret';
const REALM = 'fuzz.capture.test';

const attr = (type, value) => {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
};

// A request of `type` with `attrs`; signed with `key` and fingerprinted when given.
function request(type, attrs, key) {
  const head = Buffer.alloc(20);
  head.writeUInt16BE(type, 0);
  head.writeUInt32BE(0x2112a442, 4);
  randomBytes(12).copy(head, 8);
  let msg = Buffer.concat([head, ...attrs]);
  const setLength = (extra) => msg.writeUInt16BE(msg.length - 20 + extra, 2);
  if (key) {
    setLength(24);
    msg = Buffer.concat([msg, attr(0x0008, createHmac('sha1', key).update(msg).digest())]);
    setLength(8);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE((zlib.crc32(msg) ^ 0x5354554e) >>> 0);
    msg = Buffer.concat([msg, attr(0x8028, crc)]);
  }
  setLength(0);
  return msg;
}

function findAttr(msg, type) {
  for (let pos = 20; pos + 4 <= msg.length;) {
    const t = msg.readUInt16BE(pos);
    const len = msg.readUInt16BE(pos + 2);
    if (t === type) return msg.subarray(pos + 4, pos + 4 + len);
    pos += 4 + len + ((4 - (len % 4)) % 4);
  }
  return null;
}

async function freePort(type) {
  const s = dgram.createSocket(type);
  await new Promise((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capture-stun-'));
  const port = await freePort('udp4');
  writeFileSync(path.join(dir, 'turnserver.conf'), [
    `listening-ip=127.0.0.1`, `listening-port=${port}`, `relay-ip=127.0.0.1`,
    'min-port=40000', 'max-port=40100', 'use-auth-secret', `static-auth-secret=${SECRET}`,
    `realm=${REALM}`, 'fingerprint', 'no-cli', 'no-tls', 'no-dtls', 'no-tcp-relay',
    `pidfile=${path.join(dir, 'pid')}`, '',
  ].join('\n'));
  const coturn = spawn('/usr/bin/turnserver', ['-c', path.join(dir, 'turnserver.conf'), '--log-file=stdout'],
    { stdio: 'ignore' });
  const sock = dgram.createSocket('udp4');
  await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
  // Sends until an answer comes (coturn may still be starting).
  const ask = async (msg) => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const answer = new Promise((resolve) => {
        const timer = setTimeout(() => resolve(null), 200);
        sock.once('message', (m) => { clearTimeout(timer); resolve(m); });
      });
      sock.send(msg, port, '127.0.0.1');
      const m = await answer;
      if (m) return m;
    }
    throw new Error('coturn did not answer');
  };
  try {
    const seeds = [];
    seeds.push(['binding-success', await ask(request(0x0001, []))]);
    const transport = attr(0x0019, Buffer.from([17, 0, 0, 0]));
    const challenge = await ask(request(0x0003, [transport]));
    seeds.push(['allocate-401-challenge', challenge]);
    const nonce = findAttr(challenge, 0x0015);
    const user = `${Math.floor(Date.now() / 1000) + 3600}:fuzz`;
    const password = createHmac('sha1', SECRET).update(user).digest('base64');
    const key = (pass) => createHash('md5').update(`${user}:${REALM}:${pass}`).digest();
    const auth = [attr(0x0006, Buffer.from(user)), attr(0x0014, Buffer.from(REALM)), attr(0x0015, nonce)];
    seeds.push(['allocate-401-wrong-password', await ask(request(0x0003, [transport, ...auth], key('wrong')))]);
    seeds.push(['allocate-success', await ask(request(0x0003, [transport, ...auth], key(password)))]);
    const lifetime0 = attr(0x000d, Buffer.alloc(4));
    seeds.push(['refresh-success', await ask(request(0x0004, [lifetime0, ...auth], key(password)))]);
    mkdirSync(out, { recursive: true });
    for (const [name, bytes] of seeds) writeFileSync(path.join(out, `coturn-${name}`), bytes);
    const run = ['binding-success', 'allocate-401-challenge', 'allocate-success', 'refresh-success'];
    writeFileSync(path.join(out, 'coturn-probe-run'),
      Buffer.concat(run.map((n) => seeds.find(([name]) => name === n)[1])));
    for (const [name, bytes] of seeds) console.log(`stun/coturn-${name} (${bytes.length} bytes)`);
  } finally {
    sock.close();
    coturn.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
