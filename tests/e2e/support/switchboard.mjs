// Starts the real build/switchboard with its managed coturn on free ports,
// waits until /readyz says 200 (coturn up and the TURN probe passed), and
// stops both again.
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pickTurnPorts } from './ports.mjs';
import { waitUntil } from './wait.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = process.env.SWITCHBOARD_SOURCE_DIR || path.resolve(here, '../../..');
export const binary = process.env.SWITCHBOARD_BINARY || path.join(sourceDir, 'build/switchboard');

// `args`: more command-line options (e.g. `--set auth.mode=jwt`).
export async function startSwitchboard({ args: extraArgs = [] } = {}) {
  if (!existsSync(binary)) throw new Error(`no switchboard binary at ${binary} (set SWITCHBOARD_BINARY)`);
  const turn = await pickTurnPorts();
  const secret = randomBytes(18).toString('base64url');
  const args = [
    'serve', '--config', 'config/switchboard.yaml',
    '--set', 'server.listen=127.0.0.1:0',
    '--set', 'metrics.listen=127.0.0.1:0',
    '--set', `turn.managed.listen=127.0.0.1:${turn.listen}`,
    '--set', `turn.managed.relay_ports=${turn.relayMin}-${turn.relayMax}`,
    '--set', 'server.drain_period=1s',
    ...extraArgs,
  ];
  // cwd = the source tree: config/switchboard.yaml serves signaling/web.
  const child = spawn(binary, args, {
    cwd: sourceDir,
    env: { ...process.env, SWITCHBOARD_TURN_SECRET: secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // If this test process ends without stop() (a crash, a failed hook), the
  // server must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const log = [];
  let exited = null;
  const exitedPromise = new Promise((resolve) => child.once('exit', (code, signal) => {
    exited = { code, signal };
    process.removeListener('exit', killOnExit);
    resolve(exited);
  }));
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    let partial = '';
    stream.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      log.push(...lines);
    });
  }
  const server = {
    pid: child.pid, turn, secret, log,
    url: null, metricsUrl: null,
    stop: () => stop(child, exitedPromise, server),
    // Switchboard logs "turnserver: started, pid N" for every (re)start.
    lastTurnserverPid: () => {
      const starts = log.map((l) => /turnserver: started, pid (\d+)/.exec(l)).filter(Boolean);
      return starts.length ? Number(starts.at(-1)[1]) : null;
    },
  };
  try {
    const port = (re) => {
      for (const line of log) { const m = re.exec(line); if (m) return m[1]; }
      if (exited) throw new Error(`switchboard exited (${JSON.stringify(exited)}):\n${log.join('\n')}`);
      return null;
    };
    const httpPort = await waitUntil(() => port(/signaling listening on http:\/\/127\.0\.0\.1:(\d+)/),
      { timeoutMs: 15_000, what: 'switchboard to listen' });
    const metricsPort = await waitUntil(() => port(/metrics listening on 127\.0\.0\.1:(\d+)/),
      { timeoutMs: 5_000, what: 'the metrics listener' });
    server.url = `http://127.0.0.1:${httpPort}`;
    server.metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    await waitUntil(async () => {
      if (exited) throw new Error(`switchboard exited:\n${log.join('\n')}`);
      return (await fetch(`${server.url}/readyz`)).status === 200;
    }, { timeoutMs: 20_000, what: '/readyz = 200 (coturn ready, TURN probe passed)' });
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

// SIGTERM (it drains and exits, taking coturn with it), SIGKILL if it hangs;
// then make sure the turnserver it started is gone too. Returns the exit
// {code, signal}: {0, null} after a clean drain.
async function stop(child, exitedPromise, server) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exitedPromise;
    clearTimeout(timer);
  }
  const exit = await exitedPromise;
  // coturn dies with Switchboard (SIGTERM, PDEATHSIG); prove it. A coturn
  // restarted by the supervisor has a new pid, so look at the one running last.
  const turnPid = server.lastTurnserverPid();
  if (turnPid) {
    await waitUntil(() => !isTurnserver(turnPid), { timeoutMs: 5000, what: `turnserver ${turnPid} to exit` });
  }
  return exit;
}

function isTurnserver(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'turnserver' &&
      !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

// The turnserver that switchboard (pid) started: one of its children.
export function findTurnserver(pid) {
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let children = '';
    try { children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8'); } catch { continue; }
    for (const c of children.trim().split(/\s+/).filter(Boolean)) {
      if (isTurnserver(Number(c))) return Number(c);
    }
  }
  return null;
}

// Prometheus text → value of one series (the sum if several lines match).
export async function metric(server, name, labels = '') {
  const text = await (await fetch(server.metricsUrl)).text();
  let sum = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (labels ? !rest.startsWith(`{${labels}}`) : !/^[ {]/.test(rest)) continue;
    sum = (sum || 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

// A TURN REST API credential, as an operator would configure by hand for a
// client that does not read the start reply's iceServers (the tutorial one).
export function turnCredential(server, user, ttlSeconds = 600) {
  const username = `${Math.floor(Date.now() / 1000) + ttlSeconds}:${user}`;
  const credential = createHmac('sha1', server.secret).update(username).digest('base64');
  return { urls: [`turn:127.0.0.1:${server.turn.listen}?transport=udp`], username, credential };
}
