// deploy/compose's `cluster` profile under docker-compose against podman:
// `redis`, `signaling-a`, `signaling-b` and `haproxy` on the `cluster`
// network (names resolved by podman's DNS), plus `turn`. redis:7-alpine and
// haproxy:2.6 cannot be pulled here: standins.sh builds Debian's Redis 7.0
// and HAProxy 2.6 under those names (said in the output). HAProxy speaks
// plain HTTP, so the test puts a TLS proxy in front, as
// docs/deploy-compose.md does. Two pages land on different replicas (leastconn)
// and call each other through `turn`, their signaling crossing Redis; then
// `docker-compose stop` drains and every container exits 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { metric } from '../e2e/support/switchboard.mjs';
import { launchBrowser, closeBrowser, openUser } from '../e2e/support/browser.mjs';
import { startClient, callRelayed } from '../e2e/support/client.mjs';
import { waitUntil } from '../e2e/support/wait.mjs';
import { podman, waitHealthy } from './support/podman.mjs';
import { HOST, hostResolverArgs, startCompose, startTlsProxy } from './support/compose.mjs';

const SERVICES = ['redis', 'signaling-a', 'signaling-b', 'haproxy', 'turn'];

describe('deploy/compose profile cluster under docker-compose and podman', () => {
  let c;
  let proxy;
  let browser;

  before(async () => {
    for (const tag of ['redis:7-alpine', 'haproxy:2.6']) {
      const { stdout } = await podman(['image', 'inspect', '--format', '{{.Id}}', `docker.io/library/${tag}`]);
      console.log(`stand-in: ${tag} is Debian 12's build (tests/container/standins), image ${stdout.trim().slice(0, 12)}`);
    }
    c = await startCompose(`sbtestc${process.pid}`);
  });

  after(async () => {
    try {
      if (browser) await closeBrowser(browser);
      if (proxy) await proxy.close();
      if (c) await c.down();
    } finally {
      if (c) await c.stop();
    }
  });

  test('docker-compose --profile cluster up: Redis, both replicas and HAProxy start; the replicas join Redis', async () => {
    const up = await c.compose(['--profile', 'cluster', 'up', '-d', '--no-build', ...SERVICES]);
    console.log(up.stderr.trim());
    for (const name of ['signaling-a', 'signaling-b', 'redis']) {
      await waitHealthy(c.container(name), { what: `${name}'s health check` });
    }
    for (const m of [c.sigMetrics, c.sigMetricsB]) {
      await waitUntil(async () => (await metric(m, 'switchboard_cluster_degraded')) === 0,
        { timeoutMs: 30_000, what: `replica ${m.metricsUrl} connected to Redis` });
    }
    // HAProxy checks /readyz on both replicas by their service names.
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${c.ports.cluster}/readyz`)).status === 200,
      { timeoutMs: 30_000, what: 'HAProxy to reach a ready replica' });
    await waitUntil(async () => (await metric(c.turnMetrics, 'switchboard_turn_probe_success')) === 1,
      { timeoutMs: 30_000, what: 'the turn service\'s TURN probe to pass' });
  });

  test(`pages on both replicas call each other on https://${HOST}/ through turn`, async () => {
    proxy = await startTlsProxy(c.dir, c.ports.cluster);
    browser = await launchBrowser({ args: hostResolverArgs(proxy.port) });
    const [a, b] = [await openUser(browser), await openUser(browser)];
    const idA = await startClient(a, `https://${HOST}/#token=${await c.mint('alice')}`, { relayOnly: true });
    await waitUntil(async () => (await metric(c.sigMetrics, 'switchboard_connections')) +
      (await metric(c.sigMetricsB, 'switchboard_connections')) === 1, { timeoutMs: 5000, what: 'A on a replica' });
    const idB = await startClient(b, `https://${HOST}/#token=${await c.mint('bob')}`, { relayOnly: true });
    // leastconn: B's WebSocket goes to the replica without one.
    await waitUntil(async () => (await metric(c.sigMetrics, 'switchboard_connections')) === 1 &&
      (await metric(c.sigMetricsB, 'switchboard_connections')) === 1, { timeoutMs: 5000, what: 'one page on each replica' });
    await callRelayed(a, b, idA, idB);
    for (const m of [c.sigMetrics, c.sigMetricsB]) {
      assert.ok(await metric(m, 'switchboard_cluster_messages_published_total') > 0, `${m.metricsUrl} published through Redis`);
    }
  });

  test('docker-compose stop: the replicas drain; every container exits 0', async () => {
    await closeBrowser(browser);
    browser = null;
    const stop = await c.compose(['--profile', 'cluster', 'stop']);
    console.log(stop.stderr.trim());
    for (const name of SERVICES) {
      const state = await c.container(name).state();
      assert.equal(state.Status, 'exited', name);
      assert.equal(state.ExitCode, 0, `${name} exit code (log:\n${await c.container(name).logs()})`);
    }
    for (const name of ['signaling-a', 'signaling-b']) {
      assert.match(await c.container(name).logs(), /drain/i, `${name}'s drain is logged`);
    }
  });
});
