// podman for the container suite, with the suite's own configuration and
// image storage (tests/container/env.sh, which run.sh sources): containers of
// the image under test, started hardened as docs/deploy-compose.md runs them.
import { execFile } from 'node:child_process';
import { waitUntil } from '../../e2e/support/wait.mjs';

export const image = process.env.SWITCHBOARD_IMAGE || 'localhost/switchboard:test';

// Runs podman; resolves {code, stdout, stderr}. Rejects on a non-zero exit
// unless `allowFail`.
export function podman(args, { allowFail = false, timeoutMs = 120_000, env } = {}) {
  return new Promise((resolve, reject) => {
    execFile('podman', args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20, env: env || process.env },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        if (code !== 0 && !allowFail) {
          reject(new Error(`podman ${args.join(' ')}: exit ${code}\n${stderr}${stdout}`));
        } else {
          resolve({ code, stdout, stderr });
        }
      });
  });
}

// What every Switchboard container of the suite gets, as in deploy/compose:
// read-only root, /tmp the only writable place, no capabilities, no new
// privileges, the image's own non-root user; host network, on loopback ports
// the test picked.
export const HARDENED = [
  '--read-only', '--tmpfs', '/tmp:rw,size=16m,mode=1777',
  '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
  '--network', 'host',
];

const started = new Set();

// `podman run -d` of the image: `{name, exec, logs, healthcheck, stop}`.
export async function runContainer(name, { options = [], env = {}, command = [] }) {
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  await podman(['rm', '-f', '--ignore', name]);
  started.add(name);
  await podman(['run', '-d', '--name', name, ...HARDENED, ...envArgs, ...options, image, ...command]);
  return containerHandle(name);
}

export function containerHandle(name) {
  const state = async () => JSON.parse((await podman(['inspect', '--format', '{{json .State}}', name])).stdout);
  return {
    name,
    exec: (args, opts) => podman(['exec', name, ...args], { allowFail: true, ...opts }),
    logs: async () => {
      const { stdout, stderr } = await podman(['logs', name], { allowFail: true });
      return stdout + stderr;
    },
    state,
    // The image's HEALTHCHECK (or the --health-cmd it was started with): exit 0 = healthy.
    healthcheck: async () => (await podman(['healthcheck', 'run', name], { allowFail: true })).code,
    // `podman stop` (the image's STOPSIGNAL, SIGTERM; SIGKILL after
    // `graceSeconds`); `{code, seconds}`: its exit code and how long it took.
    stop: async (graceSeconds) => {
      const t0 = Date.now();
      await podman(['stop', '-t', String(graceSeconds), name], { timeoutMs: (graceSeconds + 30) * 1000 });
      const seconds = (Date.now() - t0) / 1000;
      const { ExitCode: code, Status: status } = await state();
      return { code, seconds, status };
    },
  };
}

// Waits until the container's health check passes; the last output on failure.
export async function waitHealthy(container, { timeoutMs = 30_000, what } = {}) {
  return waitUntil(async () => (await container.healthcheck()) === 0,
    { timeoutMs, intervalMs: 500, what: what || `${container.name}'s health check to pass` })
    .catch(async (err) => {
      throw new Error(`${err.message}\n--- ${container.name} log:\n${await container.logs()}`);
    });
}

// Removes every container this process started (what a failed test left).
export async function removeStarted() {
  for (const name of started) await podman(['rm', '-f', '--ignore', '-t', '0', name], { allowFail: true });
  started.clear();
}

// The effective capabilities and uid of a container's process 1, and whether
// its root filesystem and /tmp are writable.
export async function confinement(container) {
  const { stdout } = await container.exec(['sh', '-c',
    'id -u; awk \'/^CapEff/ {print $2}\' /proc/1/status; ' +
    '(touch /usr/local/bin/x 2>/dev/null && echo rw) || echo ro; ' +
    '(touch /tmp/x && rm /tmp/x && echo rw) || echo ro']);
  const [uid, capEff, root, tmp] = stdout.trim().split('\n');
  return { uid: Number(uid), capEff, root, tmp };
}

// `switchboard auth ...` run from the image, in `dir` (mounted at /k): how
// docs/deploy-compose.md makes the key pair and a backend mints tokens.
export async function imageCli(dir, args) {
  const { stdout } = await podman(['run', '--rm', '--network', 'none', '--user', '0', '-v', `${dir}:/k`, '-w', '/k',
    image, 'auth', ...args]);
  return stdout.trim();
}
