// deploy/compose's single-host services (`switchboard`, `turn`) under
// docker-compose against podman (support/compose.mjs: what is the user's
// file and what the test changes). The page is opened as
// https://PUBLIC_HOSTNAME/ (Switchboard's own TLS), the tokens come from the
// image's CLI, and the call goes through the `turn` service.
// `docker-compose stop` must drain, and every container exit 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { metric } from '../e2e/support/switchboard.mjs';
import { launchBrowser, closeBrowser, openUser } from '../e2e/support/browser.mjs';
import { startClient, callRelayed } from '../e2e/support/client.mjs';
import { waitUntil } from '../e2e/support/wait.mjs';
import { waitHealthy } from './support/podman.mjs';
import { HOST, hostResolverArgs, startCompose } from './support/compose.mjs';

describe('deploy/compose under docker-compose and podman', () => {
  let c;
  let browser;

  before(async () => {
    c = await startCompose(`sbtest${process.pid}`);
  });

  after(async () => {
    try {
      if (browser) await closeBrowser(browser);
      if (c) await c.down();
    } finally {
      if (c) await c.stop();
    }
  });

  test('docker-compose up: the switchboard and turn services start healthy', async () => {
    const up = await c.compose(['up', '-d', '--no-build', 'switchboard', 'turn']);
    console.log(up.stderr.trim());
    await waitHealthy(c.container('switchboard'), { what: 'switchboard (healthcheck: switchboard-healthcheck live)' });
    await waitHealthy(c.container('turn'), { what: 'turn (healthcheck: switchboard-healthcheck turn-live)' });
    // turn-live only says the role runs; wait for coturn and its probe too.
    await waitUntil(async () => (await metric(c.turnMetrics, 'switchboard_turn_probe_success')) === 1,
      { timeoutMs: 30_000, what: 'the turn service\'s TURN probe to pass' });
    assert.equal(await metric(c.sigMetrics, 'switchboard_connections'), 0);
  });

  test('prometheus and grafana', { skip: 'not started: prom/prometheus and grafana/grafana cannot be pulled (no registry is reachable from these machines); tests/deploy checks their configuration' }, () => {});

  test(`a relay-only call on https://${HOST}/ through the compose services`, async () => {
    browser = await launchBrowser({ args: hostResolverArgs(c.ports.https) });
    const [a, b] = [await openUser(browser), await openUser(browser)];
    const idA = await startClient(a, `https://${HOST}/#token=${await c.mint('alice')}`, { relayOnly: true });
    const idB = await startClient(b, `https://${HOST}/#token=${await c.mint('bob')}`, { relayOnly: true });
    await callRelayed(a, b, idA, idB);
    assert.equal(await metric(c.sigMetrics, 'switchboard_connections'), 2);
  });

  test('docker-compose stop drains signaling and stops TURN; every container exits 0', async () => {
    const stop = await c.compose(['stop']);
    console.log(stop.stderr.trim());
    for (const name of ['switchboard', 'turn']) {
      const state = await c.container(name).state();
      assert.equal(state.Status, 'exited', name);
      assert.equal(state.ExitCode, 0, `${name} exit code (log:\n${await c.container(name).logs()})`);
    }
    assert.match(await c.container('switchboard').logs(), /drain/i, 'the signaling drain is logged');
  });
});
