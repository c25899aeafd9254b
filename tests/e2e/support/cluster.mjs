// Switchboard in cluster mode as a deployment runs it: signaling replicas on
// one redis-server behind HAProxy, and the TURN role (`switchboard turn`) as
// a process of its own, so replicas can restart without taking the relay
// with them. Each replica keeps its port across restarts (HAProxy's server
// line names it) and gets a new cluster.node_id at each start, as a new pod
// or container would.
import { randomBytes } from 'node:crypto';
import { freeTcpPort } from './ports.mjs';
import { startRedis } from './redis.mjs';
import { startHaproxy } from './haproxy.mjs';
import { launch, metric, startTurn } from './switchboard.mjs';
import { waitUntil } from './wait.mjs';

// names: the replicas (HAProxy server names); drainPeriod: server.drain_period.
export async function startCluster({ names = ['a', 'b'], drainPeriod = '5s' } = {}) {
  const cluster = { redis: null, turn: null, proxy: null, replicas: new Map(), url: null };
  const secret = randomBytes(18).toString('base64url');

  const startReplica = async (name, port, generation) => {
    const server = await launch([
      'serve', '--config', 'config/switchboard.yaml',
      '--set', `server.listen=127.0.0.1:${port}`,
      '--set', 'metrics.listen=127.0.0.1:0',
      '--set', `server.drain_period=${drainPeriod}`,
      '--set', 'turn.managed.enabled=false',
      '--set', `turn.uris=["${cluster.turn.uri}"]`,
      '--set', 'cluster.enabled=true',
      '--set', `cluster.redis.url=${cluster.redis.url}`,
      '--set', `cluster.node_id=${name}${generation}`,
    ], { secret });
    try {
      await waitUntil(async () => (await metric(server, 'switchboard_cluster_degraded')) === 0,
        { timeoutMs: 10_000, what: `replica ${name}${generation} to join the bus` });
    } catch (err) {
      await server.stop();
      throw err;
    }
    const replica = { name, port, generation, nodeId: `${name}${generation}`, server };
    cluster.replicas.set(name, replica);
    return replica;
  };

  // The current process of replica `name`.
  cluster.replica = (name) => cluster.replicas.get(name).server;

  // A rolling restart of one replica: SIGTERM (it drains: its clients are
  // closed with 1001 and resume elsewhere), then the same port with the next
  // node ID, ready and back in HAProxy's rotation. Returns the old process'
  // exit.
  cluster.restart = async (name) => {
    const old = cluster.replicas.get(name);
    const exit = await old.server.stop();
    await startReplica(name, old.port, old.generation + 1);
    await cluster.proxy.waitStatus(name, 'UP');
    return exit;
  };

  // Every process' exit, HAProxy's first (no new connections while the
  // replicas go), the TURN role and Redis last.
  cluster.stop = async () => {
    const exits = {};
    if (cluster.proxy) exits.haproxy = await cluster.proxy.stop();
    for (const [name, { server }] of cluster.replicas) exits[name] = await server.stop();
    if (cluster.turn) exits.turn = await cluster.turn.stop();
    if (cluster.redis) exits.redis = await cluster.redis.stop();
    return exits;
  };

  try {
    cluster.redis = await startRedis();
    cluster.turn = await startTurn({ secret });
    // One at a time: a port is only taken once its replica listens on it.
    for (const name of names) await startReplica(name, await freeTcpPort(), 0);
    cluster.proxy = await startHaproxy(names.map((name) => ({ name, port: cluster.replicas.get(name).port })));
    cluster.url = cluster.proxy.url;
    for (const name of names) await cluster.proxy.waitStatus(name, 'UP');
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
