// Free ports for the managed coturn, and TCP ports for servers that must get
// the same port back after a restart (cluster replicas) or cannot pick one
// themselves (redis-server, haproxy). They are picked below the kernel's
// ephemeral range (32768+ here), where nothing else grabs ports behind our
// back, and checked by binding them.
import net from 'node:net';
import dgram from 'node:dgram';

function tcpFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function udpFree(port) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => { s.close(); resolve(false); });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const LOW = 20000;
const HIGH = 30000;
const random = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo));

// {listen, relayMin, relayMax}: a TCP+UDP port for coturn and a UDP range of
// `relayCount` ports right after it (so the range never contains it).
export async function pickTurnPorts(relayCount = 64) {
  for (let tries = 0; tries < 200; tries += 1) {
    const listen = random(LOW, HIGH - relayCount - 2);
    if (!(await tcpFree(listen)) || !(await udpFree(listen))) continue;
    const relayMin = listen + 1;
    const relayMax = relayMin + relayCount - 1;
    let ok = true;
    for (let p = relayMin; p <= relayMax && ok; p += 1) ok = await udpFree(p);
    if (ok) return { listen, relayMin, relayMax };
  }
  throw new Error(`no free TURN port and relay range between ${LOW} and ${HIGH}`);
}

// A TCP port on 127.0.0.1 that nothing listens on now.
export async function freeTcpPort() {
  for (let tries = 0; tries < 200; tries += 1) {
    const port = random(LOW, HIGH);
    if (await tcpFree(port)) return port;
  }
  throw new Error(`no free TCP port between ${LOW} and ${HIGH}`);
}
