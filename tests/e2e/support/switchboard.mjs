// Starts the real build/switchboard with its managed coturn on free ports,
// waits until /readyz says 200 (coturn up and the TURN probe passed), and
// stops both again; or the TURN role alone (`switchboard turn`), or a
// `serve` with the caller's options (launch).
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pickTurnPorts } from './ports.mjs';
import { startProcess } from './processes.mjs';
import { waitUntil } from './wait.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = process.env.SWITCHBOARD_SOURCE_DIR || path.resolve(here, '../../..');
export const binary = process.env.SWITCHBOARD_BINARY || path.join(sourceDir, 'build/switchboard');

// `args`: more command-line options (e.g. `--set auth.mode=jwt`).
export async function startSwitchboard({ args: extraArgs = [] } = {}) {
  const turn = await pickTurnPorts();
  const secret = randomBytes(18).toString('base64url');
  const server = await launch([
    'serve', '--config', 'config/switchboard.yaml',
    '--set', 'server.listen=127.0.0.1:0',
    '--set', 'metrics.listen=127.0.0.1:0',
    '--set', `turn.managed.listen=127.0.0.1:${turn.listen}`,
    '--set', `turn.managed.relay_ports=${turn.relayMin}-${turn.relayMax}`,
    '--set', 'server.drain_period=1s',
    ...extraArgs,
  ], { secret, readyWhat: '/readyz = 200 (coturn ready, TURN probe passed)' });
  return Object.assign(server, { turn, secret });
}

// Runs `switchboard ARGS` (a `serve`) with SWITCHBOARD_TURN_SECRET = `secret`,
// waits until it listens and /readyz says 200; `{pid, log, url, metricsUrl,
// stop, lastTurnserverPid}`. A test picks the ports with --set (0 = any).
export async function launch(args, { secret, readyWhat = '/readyz = 200' } = {}) {
  if (!existsSync(binary)) throw new Error(`no switchboard binary at ${binary} (set SWITCHBOARD_BINARY)`);
  // cwd = the source tree: config/switchboard.yaml serves signaling/web.
  const proc = startProcess(binary, args, {
    cwd: sourceDir,
    env: { ...process.env, SWITCHBOARD_TURN_SECRET: secret },
  });
  const server = processHandle(proc, { url: null, metricsUrl: null });
  try {
    const httpPort = await waitUntil(() => proc.match(/signaling listening on http:\/\/127\.0\.0\.1:(\d+)/),
      { timeoutMs: 15_000, what: 'switchboard to listen' });
    server.metricsUrl = await metricsUrlOf(proc);
    server.url = `http://127.0.0.1:${httpPort}`;
    await waitUntil(async () => {
      if (proc.exit) throw new Error(`switchboard exited:\n${proc.log.join('\n')}`);
      return (await fetch(`${server.url}/readyz`)).status === 200;
    }, { timeoutMs: 20_000, what: readyWhat });
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

// `switchboard turn` (the TURN role alone: coturn, its metrics, the probe)
// on free ports, ready once its probe passed. `iceServer` is the TURN URI
// for signaling replicas' turn.uris.
export async function startTurn({ secret }) {
  if (!existsSync(binary)) throw new Error(`no switchboard binary at ${binary} (set SWITCHBOARD_BINARY)`);
  const turn = await pickTurnPorts();
  const proc = startProcess(binary, [
    'turn', '--config', 'config/switchboard.yaml',
    '--set', 'metrics.listen=127.0.0.1:0',
    '--set', `turn.managed.listen=127.0.0.1:${turn.listen}`,
    '--set', `turn.managed.relay_ports=${turn.relayMin}-${turn.relayMax}`,
  ], { cwd: sourceDir, env: { ...process.env, SWITCHBOARD_TURN_SECRET: secret } });
  const server = processHandle(proc, {
    turn, secret, metricsUrl: null, uri: `turn:127.0.0.1:${turn.listen}?transport=udp`,
  });
  try {
    server.metricsUrl = await metricsUrlOf(proc);
    await waitUntil(async () => {
      if (proc.exit) throw new Error(`switchboard turn exited:\n${proc.log.join('\n')}`);
      return (await metric(server, 'switchboard_turn_probe_success')) === 1;
    }, { timeoutMs: 20_000, what: 'the TURN role\'s probe to pass' });
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

async function metricsUrlOf(proc) {
  const port = await waitUntil(() => proc.match(/metrics listening on 127\.0\.0\.1:(\d+)/),
    { timeoutMs: 15_000, what: 'the metrics listener' });
  return `http://127.0.0.1:${port}/metrics`;
}

// Adds to `fields` what every switchboard process has: pid, log, exited,
// lastTurnserverPid() and stop().
function processHandle(proc, fields) {
  const server = {
    ...fields,
    pid: proc.pid,
    log: proc.log,
    exited: proc.exited,
    // Switchboard logs "turnserver: started, pid N" for every (re)start.
    lastTurnserverPid: () => {
      const starts = proc.log.map((l) => /turnserver: started, pid (\d+)/.exec(l)).filter(Boolean);
      return starts.length ? Number(starts.at(-1)[1]) : null;
    },
    stop: () => stop(proc, server),
  };
  return server;
}

// SIGTERM (it drains and exits, taking coturn with it), SIGKILL if it hangs;
// then make sure the turnserver it started is gone too. Returns the exit
// {code, signal}: {0, null} after a clean drain.
async function stop(proc, server) {
  const exit = await proc.stop('SIGTERM', 10_000);
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
