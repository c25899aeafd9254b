// deploy/compose as users run it: Debian's docker-compose (1.29) against
// podman's Docker API (`podman system service`), with the file, its .env
// variables and its mounted configs unchanged but for what a loopback test
// needs. The page is opened as https://PUBLIC_HOSTNAME/ (Switchboard's own
// TLS, a certificate made here; Chromium maps the name to the published
// loopback port), the token comes from the image's CLI, and the call goes
// through the `turn` service. The test's override file only mounts a
// turn.yaml with the development coturn profile (production denies loopback
// peers) and a free metrics port. `docker-compose stop` must drain, and every
// container exit 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { freeTcpPort, pickTurnPorts } from '../e2e/support/ports.mjs';
import { metric, sourceDir } from '../e2e/support/switchboard.mjs';
import { startProcess } from '../e2e/support/processes.mjs';
import { launchBrowser, closeBrowser, openUser } from '../e2e/support/browser.mjs';
import {
  startClient, placeCall, answerCall, waitPhase, expectVideoFlowing, expectRelayed,
} from '../e2e/support/client.mjs';
import { waitUntil } from '../e2e/support/wait.mjs';
import { containerHandle, imageCli, podman, image, waitHealthy } from './support/podman.mjs';

const composeDir = path.join(sourceDir, 'deploy/compose');
const HOST = 'switchboard.test';

// GET /_ping on podman's Docker API socket.
function ping(socketPath) {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping' }, (res) => { res.resume(); resolve(res.statusCode === 200); });
    req.on('error', () => resolve(false));
  });
}

describe('deploy/compose under docker-compose and podman', () => {
  const project = `sbtest${process.pid}`;
  let dir;
  let service;
  let env;
  let compose;
  let turnMetrics;
  let sigMetrics;
  let browser;
  let a;
  let b;
  let kid;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sb-compose-'));
    chmodSync(dir, 0o755);
    const socket = path.join(dir, 'podman.sock');
    service = startProcess('podman', ['system', 'service', '--time=0', `unix://${socket}`]);
    await waitUntil(() => existsSync(socket) && ping(socket), { timeoutMs: 20_000, what: 'podman system service' });
    env = { ...process.env, DOCKER_HOST: `unix://${socket}`, COMPOSE_INTERACTIVE_NO_CLI: '1' };
    // The compose file's image name, given to the image under test (the
    // file's `build:` is what tests/container/image.sh ran).
    await podman(['tag', image, 'docker.io/library/switchboard:local']);

    // The JWKS, made with the image as docs/deploy-compose.md shows;
    // readable by uid 10001 as the docs ask.
    mkdirSync(path.join(dir, 'keys'));
    mkdirSync(path.join(dir, 'auth'), { mode: 0o755 });
    kid = 'compose-1';
    await imageCli(path.join(dir, 'keys'), ['keygen', '--alg', 'EdDSA', '--kid', kid, '--out', 'signing-key.pem', '--jwks', 'jwks.json']);
    writeFileSync(path.join(dir, 'auth/jwks.json'), readFileSync(path.join(dir, 'keys/jwks.json')), { mode: 0o644 });

    // Switchboard's own TLS for https://switchboard.test/.
    mkdirSync(path.join(dir, 'tls'), { mode: 0o755 });
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`,
      '-keyout', path.join(dir, 'tls/privkey.pem'), '-out', path.join(dir, 'tls/fullchain.pem')], { stdio: 'ignore' });
    chmodSync(path.join(dir, 'tls/privkey.pem'), 0o644);

    const turnPorts = await pickTurnPorts();
    const ports = new Set();
    while (ports.size < 3) ports.add(await freeTcpPort());
    const [httpsPort, metricsPort, turnMetricsPort] = [...ports];
    sigMetrics = { metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
    turnMetrics = { metricsUrl: `http://127.0.0.1:${turnMetricsPort}/metrics` };
    writeFileSync(path.join(dir, '.env'), [
      `PUBLIC_HOSTNAME=${HOST}`,
      `SIGNALING_PUBLISH=127.0.0.1:${httpsPort}`,
      `TLS_DIR=${dir}/tls`,
      'TLS_CERT=/etc/switchboard/tls/fullchain.pem',
      'TLS_KEY=/etc/switchboard/tls/privkey.pem',
      `AUTH_DIR=${dir}/auth`,
      'TURN_PUBLIC_IP=127.0.0.1',
      'TURN_PRIVATE_IP=127.0.0.1',
      `TURN_PORT=${turnPorts.listen}`,
      `TURN_RELAY_PORTS=${turnPorts.relayMin}-${turnPorts.relayMax}`,
      `METRICS_PUBLISH=127.0.0.1:${metricsPort}`,
      `TURN_SECRET=${randomBytes(32).toString('hex')}`,
      `GRAFANA_ADMIN_PASSWORD=${randomBytes(16).toString('hex')}`,
      `REDIS_PASSWORD=${randomBytes(32).toString('hex')}`,
      '',
    ].join('\n'), { mode: 0o600 });

    // The only departures from deploy/compose, for loopback peers.
    const turnYaml = readFileSync(path.join(composeDir, 'turn.yaml'), 'utf8')
      .replace(/^  listen: 127\.0\.0\.1:9465$/m, `  listen: 127.0.0.1:${turnMetricsPort}`)
      .replace(/^(    profile:) production$/m, '$1 development');
    assert.match(turnYaml, /^    profile: development$/m);
    assert.match(turnYaml, new RegExp(`listen: 127.0.0.1:${turnMetricsPort}`));
    writeFileSync(path.join(dir, 'turn.yaml'), turnYaml, { mode: 0o644 });
    writeFileSync(path.join(dir, 'override.yml'), [
      'version: "3.9"',
      'services:',
      '  turn:',
      '    volumes:',
      `      - ${dir}/turn.yaml:/etc/switchboard/turn.yaml:ro`,
      '    environment:',
      `      SWITCHBOARD_METRICS_URL: ${turnMetrics.metricsUrl}`,
      '',
    ].join('\n'));

    compose = (args, { allowFail = false } = {}) => new Promise((resolve, reject) => {
      execFile('docker-compose', ['--ansi', 'never', '-p', project, '--project-directory', composeDir,
        '-f', path.join(composeDir, 'docker-compose.yml'), '-f', path.join(dir, 'override.yml'),
        '--env-file', path.join(dir, '.env'), ...args],
      { env, encoding: 'utf8', timeout: 180_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        if (code && !allowFail) reject(new Error(`docker-compose ${args.join(' ')}: exit ${code}\n${stderr}${stdout}`));
        else resolve({ code, stdout, stderr });
      });
    });
  });

  after(async () => {
    try {
      if (browser) await closeBrowser(browser);
      if (compose) {
        const down = await compose(['down', '--volumes', '--timeout', '20'], { allowFail: true });
        assert.equal(down.code, 0, `docker-compose down: ${down.stderr}`);
      }
      const { stdout } = await podman(['ps', '-a', '--filter', `name=${project}`, '--format', '{{.Names}}']);
      assert.equal(stdout.trim(), '', 'no container left behind');
    } finally {
      await podman(['rmi', 'docker.io/library/switchboard:local'], { allowFail: true });
      if (service) await service.stop('SIGTERM', 10_000);
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  const container = (name) => containerHandle(`${project}_${name}_1`);

  test('docker-compose up: the switchboard and turn services start healthy', async () => {
    const up = await compose(['up', '-d', '--no-build', 'switchboard', 'turn']);
    console.log(up.stderr.trim());
    await waitHealthy(container('switchboard'), { what: 'switchboard (healthcheck: switchboard-healthcheck live)' });
    await waitHealthy(container('turn'), { what: 'turn (healthcheck: switchboard-healthcheck turn-live)' });
    // turn-live only says the role runs; wait for coturn and its probe too.
    await waitUntil(async () => (await metric(turnMetrics, 'switchboard_turn_probe_success')) === 1,
      { timeoutMs: 30_000, what: 'the turn service\'s TURN probe to pass' });
    assert.equal(await metric(sigMetrics, 'switchboard_connections'), 0);
  });

  test('prometheus and grafana', { skip: 'not started: prom/prometheus and grafana/grafana cannot be pulled (no registry is reachable from these machines); tests/deploy checks their configuration' }, () => {});

  test(`a relay-only call on https://${HOST}/ through the compose services`, async () => {
    const httpsPort = readFileSync(path.join(dir, '.env'), 'utf8').match(/^SIGNALING_PUBLISH=127\.0\.0\.1:(\d+)$/m)[1];
    browser = await launchBrowser({
      args: [`--host-resolver-rules=MAP ${HOST}:443 127.0.0.1:${httpsPort}, MAP ${HOST} 127.0.0.1`, '--ignore-certificate-errors'],
    });
    a = await openUser(browser);
    b = await openUser(browser);
    const mint = (sub) => imageCli(path.join(dir, 'keys'), ['token', '--key', 'signing-key.pem', '--kid', kid, '--sub', sub, '--ttl', '5m']);
    const idA = await startClient(a, `https://${HOST}/#token=${await mint('alice')}`, { relayOnly: true });
    const idB = await startClient(b, `https://${HOST}/#token=${await mint('bob')}`, { relayOnly: true });
    await placeCall(a, idB);
    await answerCall(b, idA);
    await Promise.all([waitPhase(a, 'connected'), waitPhase(b, 'connected')]);
    for (const [page, who] of [[a, 'A'], [b, 'B']]) {
      await expectVideoFlowing(page, who);
      await expectRelayed(page, who);
    }
    assert.equal(await metric(sigMetrics, 'switchboard_connections'), 2);
  });

  test('docker-compose stop drains signaling and stops TURN; every container exits 0', async () => {
    const stop = await compose(['stop']);
    console.log(stop.stderr.trim());
    for (const name of ['switchboard', 'turn']) {
      const state = await container(name).state();
      assert.equal(state.Status, 'exited', name);
      assert.equal(state.ExitCode, 0, `${name} exit code (log:\n${await container(name).logs()})`);
    }
    assert.match(await container('switchboard').logs(), /drain/i, 'the signaling drain is logged');
  });
});
