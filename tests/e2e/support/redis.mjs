// A real redis-server for cluster-mode replicas: loopback, a free port, no
// persistence (nothing on disk but its empty working directory), stopped and
// removed at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freeTcpPort } from './ports.mjs';
import { startProcess } from './processes.mjs';
import { waitUntil } from './wait.mjs';

const REDIS = process.env.SWITCHBOARD_REDIS_SERVER || '/usr/bin/redis-server';

// {url, port, stop}. A port taken between the check and redis-server's bind
// makes redis-server exit: then another port is tried.
export async function startRedis() {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-e2e-redis-'));
  try {
    for (let tries = 0; tries < 5; tries += 1) {
      const port = await freeTcpPort();
      const proc = startProcess(REDIS, [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
        '--dir', dir, '--daemonize', 'no',
      ]);
      try {
        await waitUntil(() => proc.match(/(Ready to accept connections)/),
          { timeoutMs: 10_000, what: 'redis-server to accept connections' });
      } catch (err) {
        await proc.stop('SIGKILL');
        if (tries === 4) throw err;
        continue;
      }
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        log: proc.log,
        stop: async () => {
          const exit = await proc.stop('SIGTERM', 5000);
          rmSync(dir, { recursive: true, force: true });
          return exit;
        },
      };
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  throw new Error('redis-server did not start');
}
