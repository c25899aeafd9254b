// HAProxy in front of cluster replicas, set up like deploy/compose/haproxy.cfg
// where it matters for WebSockets and drains (leastconn, tunnel timeout,
// /readyz health checks, retries of refused requests on the other replica),
// on 127.0.0.1 and a free port, with its configuration and stats socket in a
// temporary directory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freeTcpPort } from './ports.mjs';
import { startProcess } from './processes.mjs';
import { waitUntil } from './wait.mjs';

const HAPROXY = process.env.SWITCHBOARD_HAPROXY || '/usr/sbin/haproxy';

function config({ port, socket, servers, checkMs }) {
  return `global
    stats socket ${socket} mode 600 level user

defaults
    mode http
    # The server side closes after each response: leastconn then counts only
    # requests in flight and open WebSockets, not idle keep-alive connections.
    option http-server-close
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    # After the upgrade; Switchboard pings well within it.
    timeout tunnel 1h
    timeout client-fin 5s
    timeout server-fin 5s

frontend signaling
    bind 127.0.0.1:${port}
    default_backend replicas

backend replicas
    balance leastconn
    # A draining replica answers upgrades 503 until the checks take it out;
    # a stopped one refuses the connection: try the other one.
    retries 2
    option redispatch 1
    retry-on conn-failure empty-response 503
    option httpchk
    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host signaling
    http-check expect status 200
    default-server check inter ${checkMs} fall 2 rise 2
${servers.map((s) => `    server ${s.name} 127.0.0.1:${s.port}`).join('\n')}
`;
}

// servers: [{name, port}]. Returns {url, status(name), waitStatus(name, s), stop}.
export async function startHaproxy(servers, { checkMs = 300 } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-e2e-haproxy-'));
  const socket = path.join(dir, 'stats.sock');
  const port = await freeTcpPort();
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, config({ port, socket, servers, checkMs }));
  const proc = startProcess(HAPROXY, ['-f', file, '-db']);
  // SIGUSR1: a soft stop, which exits 0 once no connection is left.
  const stop = async () => {
    const exit = await proc.stop('SIGUSR1', 5000);
    rmSync(dir, { recursive: true, force: true });
    return exit;
  };
  const status = async (name) => {
    const rows = await showStat(socket);
    const row = rows.find((r) => r.pxname === 'replicas' && r.svname === name);
    return row ? row.status : null;
  };
  const proxy = {
    url: `http://127.0.0.1:${port}`,
    log: proc.log,
    status,
    // HAProxy's view of a server: UP, DOWN, or on the way ("UP 1/2").
    waitStatus: (name, wanted, timeoutMs = 10_000) => waitUntil(async () => {
      if (proc.exit) throw new Error(`haproxy exited:\n${proc.log.join('\n')}`);
      return (await status(name)) === wanted;
    }, { timeoutMs, what: `haproxy to see ${name} ${wanted}` }),
    stop,
  };
  try {
    await waitUntil(async () => {
      if (proc.exit) throw new Error(`haproxy exited:\n${proc.log.join('\n')}`);
      return (await showStat(socket)).length > 0;
    }, { timeoutMs: 10_000, what: 'haproxy to start' });
  } catch (err) {
    await stop();
    throw err;
  }
  return proxy;
}

// `show stat` on the stats socket: one object per proxy and server, keyed by
// the CSV header's column names.
function showStat(socket) {
  return new Promise((resolve, reject) => {
    const conn = net.connect(socket, () => conn.end('show stat\n'));
    let text = '';
    conn.setEncoding('utf8');
    conn.on('data', (d) => { text += d; });
    conn.on('error', reject);
    conn.on('end', () => {
      const lines = text.split('\n').filter(Boolean);
      if (!lines.length || !lines[0].startsWith('# ')) return resolve([]);
      const columns = lines[0].slice(2).split(',');
      resolve(lines.slice(1).map((line) => {
        const cells = line.split(',');
        return Object.fromEntries(columns.map((c, i) => [c, cells[i]]));
      }));
    });
  });
}
