// Starting the programs a test needs (switchboard, redis-server, haproxy),
// and the processes a test started, from /proc: so a suite can prove it left
// none behind (a zombie counts as gone: its parent or init reaps it).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// Runs `command` with its output kept as lines in `log`. If this test
// process ends first (a crash, a failed hook), the child is killed with it.
export function startProcess(command, args, { cwd, env } = {}) {
  const child = spawn(command, args, { cwd, env: env || process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const log = [];
  let exit = null;
  const exited = new Promise((resolve) => {
    const done = (result) => {
      if (exit) return;
      exit = result;
      process.removeListener('exit', killOnExit);
      resolve(exit);
    };
    child.once('exit', (code, signal) => done({ code, signal }));
    child.once('error', (err) => done({ code: null, signal: null, error: err.message }));
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    let partial = '';
    stream.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      log.push(...lines);
    });
  }
  return {
    pid: child.pid,
    log,
    exited,
    get exit() { return exit; },
    // The first capture of `re` in the output so far, or null; throws (with
    // the output) once the process has exited, so a wait that times out on
    // it says why.
    match(re) {
      for (const line of log) {
        const m = re.exec(line);
        if (m) return m[1];
      }
      if (exit) throw new Error(`${command} exited (${JSON.stringify(exit)}):\n${log.join('\n')}`);
      return null;
    },
    // `signal`, then SIGKILL if it is still running after `killAfterMs`.
    // Resolves to the exit {code, signal}.
    async stop(signal = 'SIGTERM', killAfterMs = 10_000) {
      if (!exit) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    return { pid: Number(pid), comm: text.slice(text.indexOf('(') + 1, close), state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

export function alive(pid) {
  const s = stat(pid);
  return Boolean(s && s.state !== 'Z');
}

// Every live descendant of `root`.
export function descendants(root = process.pid) {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(stat).filter(Boolean);
  const found = [];
  let frontier = [root];
  while (frontier.length) {
    const next = all.filter((p) => frontier.includes(p.ppid) && p.state !== 'Z');
    found.push(...next);
    frontier = next.map((p) => p.pid);
  }
  return found;
}
