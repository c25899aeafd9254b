// The image's two roles, run as users run them: `serve` (signaling) and
// `turn` (coturn supervised), each read-only, as uid 10001, with every
// capability dropped, on host networking and free loopback ports. The TURN
// role uses the development coturn profile so that loopback peers relay.
// Steps, in order, sharing the containers, one browser and one call:
// confinement, health and readiness (the image's HEALTHCHECK among them),
// metrics, a relay-only browser call with JWT tokens minted by the image's
// own CLI, and the SIGTERM drain of both roles (exit 0 in the documented
// time: stop_grace_period 15 s for signaling, 10 s for TURN).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { freeTcpPort, pickTurnPorts } from '../e2e/support/ports.mjs';
import { metric } from '../e2e/support/switchboard.mjs';
import { launchBrowser, closeBrowser, openUser } from '../e2e/support/browser.mjs';
import { startClient, callRelayed, waitPhase } from '../e2e/support/client.mjs';
import { waitUntil } from '../e2e/support/wait.mjs';
import {
  runContainer, waitHealthy, removeStarted, confinement, imageCli, podman, image,
} from './support/podman.mjs';

const CONFIG = ['--config', '/etc/switchboard/switchboard.yaml'];  // the image's own (production)

// Closes seen by the page's WebSockets.
function recordCloses() {
  window.__closes = [];
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...args) {
      super(...args);
      this.addEventListener('close', (ev) => window.__closes.push(ev.code));
    }
  };
}

describe(`the image's roles (${image})`, () => {
  const tag = `sbtest-${process.pid}`;
  const secret = randomBytes(24).toString('base64url');
  let dir;
  let kid;
  let turn;
  let signaling;
  let turnPorts;
  let turnMetrics;
  let sigUrl;
  let sigMetrics;
  let browser;
  let a;
  let b;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sb-container-'));
    kid = 'container-1';
    await imageCli(dir, ['keygen', '--alg', 'EdDSA', '--kid', kid, '--out', 'signing-key.pem', '--jwks', 'jwks.json']);

    turnPorts = await pickTurnPorts();
    const turnMetricsPort = await freeTcpPort();
    turnMetrics = { metricsUrl: `http://127.0.0.1:${turnMetricsPort}/metrics` };
    turn = await runContainer(`${tag}-turn`, {
      env: { SWITCHBOARD_TURN_SECRET: secret, SWITCHBOARD_METRICS_URL: turnMetrics.metricsUrl },
      options: ['--health-cmd', '["switchboard-healthcheck","turn-ready"]'],
      command: ['turn', ...CONFIG,
        '--set', 'server.allowed_origins=["*"]',
        '--set', 'turn.managed.enabled=true',
        '--set', 'turn.managed.profile=development',
        '--set', `turn.managed.listen=127.0.0.1:${turnPorts.listen}`,
        '--set', `turn.managed.relay_ports=${turnPorts.relayMin}-${turnPorts.relayMax}`,
        '--set', `metrics.listen=127.0.0.1:${turnMetricsPort}`],
    });

    const port = await freeTcpPort();
    let metricsPort;
    do metricsPort = await freeTcpPort(); while (metricsPort === port);
    sigUrl = `http://127.0.0.1:${port}`;
    sigMetrics = { metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
    signaling = await runContainer(`${tag}-signaling`, {
      env: {
        SWITCHBOARD_TURN_SECRET: secret,
        SWITCHBOARD_AUTH_JWKS: readFileSync(path.join(dir, 'jwks.json'), 'utf8'),
        SWITCHBOARD_HEALTH_PORT: String(port),
      },
      command: ['serve', ...CONFIG,
        '--set', `server.listen=127.0.0.1:${port}`,
        '--set', `metrics.listen=127.0.0.1:${metricsPort}`,
        '--set', `server.allowed_origins=["${sigUrl}"]`,
        '--set', `turn.uris=["turn:127.0.0.1:${turnPorts.listen}?transport=udp"]`],
    });
    browser = await launchBrowser();
    a = await openUser(browser, { init: recordCloses });
    b = await openUser(browser, { init: recordCloses });
  });

  after(async () => {
    try {
      if (browser) await closeBrowser(browser);
    } finally {
      await removeStarted();
      if (dir) rmSync(dir, { recursive: true, force: true });
      const { stdout } = await podman(['ps', '-a', '--filter', `name=${tag}`, '--format', '{{.Names}}']);
      assert.equal(stdout.trim(), '', 'no container left behind');
    }
  });

  test('both roles run as uid 10001, without capabilities, on a read-only root', async () => {
    for (const c of [turn, signaling]) {
      const conf = await waitUntil(async () => {
        const r = await confinement(c);
        return Number.isInteger(r.uid) && r.capEff && r;
      }, { timeoutMs: 15_000, what: `${c.name} to answer podman exec` });
      assert.deepEqual(conf, { uid: 10001, capEff: '0000000000000000', root: 'ro', tmp: 'rw' }, c.name);
    }
    // coturn, started by the TURN role, inherits all of it.
    const { stdout } = await turn.exec(['sh', '-c',
      'for p in /proc/[0-9]*; do [ "$(cat $p/comm)" = turnserver ] && awk \'/^(Uid|CapEff)/ {print $2}\' $p/status; done']);
    assert.deepEqual(stdout.trim().split('\n'), ['10001', '0000000000000000'], 'turnserver: uid 10001, no capabilities');
  });

  test('TURN role: ready (coturn up, probe passed) by its health check, and its metrics', async () => {
    await waitHealthy(turn, { what: 'the TURN role\'s turn-ready check (coturn up, TURN probe passed)' });
    assert.equal(await metric(turnMetrics, 'switchboard_turn_process_ready'), 1);
    assert.equal(await metric(turnMetrics, 'switchboard_turn_probe_success'), 1);
    assert.equal((await turn.exec(['switchboard-healthcheck', 'turn-live'])).code, 0);
  });

  test('signaling role: the image\'s HEALTHCHECK, readiness and metrics', async () => {
    await waitHealthy(signaling, { what: 'the image\'s HEALTHCHECK (switchboard-healthcheck live)' });
    const ready = await signaling.exec(['switchboard-healthcheck', 'ready']);
    assert.equal(ready.code, 0, `switchboard-healthcheck ready: ${ready.stderr}`);
    assert.equal((await fetch(`${sigUrl}/readyz`)).status, 200);
    assert.equal((await fetch(`${sigUrl}/healthz`)).status, 200);
    assert.equal(await metric(sigMetrics, 'switchboard_connections'), 0);
    const page = await (await fetch(`${sigUrl}/`)).text();
    assert.match(page, /<html/i, 'the page is served from the image');
  });

  test('a relay-only browser call through both containers, with tokens from the image\'s CLI', async () => {
    const mint = (sub) => imageCli(dir, ['token', '--key', 'signing-key.pem', '--kid', kid, '--sub', sub, '--ttl', '5m']);
    const [tokenA, tokenB] = [await mint('alice'), await mint('bob')];
    const idA = await startClient(a, `${sigUrl}/#token=${tokenA}`, { relayOnly: true });
    const idB = await startClient(b, `${sigUrl}/#token=${tokenB}`, { relayOnly: true });
    assert.notEqual(idA, idB);
    assert.equal(await metric(sigMetrics, 'switchboard_connections'), 2);
    await callRelayed(a, b, idA, idB);
    // coturn reports a session's bytes when it closes: hang up, then the
    // TURN role's metrics show the call's relayed media.
    await a.click('#hangup');
    await waitPhase(b, 'ended', 10_000);
    await waitUntil(async () => (await metric(turnMetrics, 'switchboard_turn_traffic_received_bytes_total', 'side="peer"')) > 100_000,
      { timeoutMs: 20_000, what: 'the call\'s relayed bytes in the TURN role\'s metrics' });
  });

  test('SIGTERM: signaling drains its clients (1001) and exits 0 within stop_grace_period (15 s)', async () => {
    assert.equal(await metric(sigMetrics, 'switchboard_connections'), 2);
    const stopped = await signaling.stop(15);
    assert.equal(stopped.code, 0, `exit code (log:\n${await signaling.logs()})`);
    assert.ok(stopped.seconds < 15, `stopped in ${stopped.seconds} s, before podman's SIGKILL`);
    for (const [page, who] of [[a, 'A'], [b, 'B']]) {
      const closes = await page.evaluate(() => window.__closes);
      assert.ok(closes.includes(1001), `${who}'s WebSocket was closed with 1001 (going away): ${closes}`);
    }
    assert.match(await signaling.logs(), /drain/i, 'the drain is logged');
  });

  test('SIGTERM: the TURN role stops coturn and exits 0 within stop_grace_period (10 s)', async () => {
    const stopped = await turn.stop(10);
    assert.equal(stopped.code, 0, `exit code (log:\n${await turn.logs()})`);
    assert.ok(stopped.seconds < 10, `stopped in ${stopped.seconds} s, before podman's SIGKILL`);
  });
});
