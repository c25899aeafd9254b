// deploy/compose as users run it, for the container suite: Debian's
// docker-compose (1.29) against podman's Docker API (`podman system
// service`), the file and its mounted configs unchanged, a .env of free
// loopback ports, Switchboard's own TLS with a certificate made here, a JWKS
// made with the image's CLI. The only departure, in an override file: a
// turn.yaml with the development coturn profile (production denies loopback
// peers, and the test's browsers are loopback peers) and a free metrics port.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import tls from 'node:tls';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { freeTcpPort, pickTurnPorts } from '../../e2e/support/ports.mjs';
import { sourceDir } from '../../e2e/support/switchboard.mjs';
import { startProcess } from '../../e2e/support/processes.mjs';
import { waitUntil } from '../../e2e/support/wait.mjs';
import { containerHandle, imageCli, podman, image } from './podman.mjs';

export const composeDir = path.join(sourceDir, 'deploy/compose');
// PUBLIC_HOSTNAME: Chromium maps it to loopback (hostResolverRules).
export const HOST = 'switchboard.test';

function ping(socketPath) {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: 2000 }, (res) => { res.resume(); resolve(res.statusCode === 200); });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

// The project: `{project, dir, ports, sigMetrics, turnMetrics, compose(args),
// container(service), mint(sub), stop()}`. `ports` holds the picked host ports.
export async function startCompose(project) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-compose-'));
  chmodSync(dir, 0o755);
  const socket = path.join(dir, 'podman.sock');
  const service = startProcess('podman', ['system', 'service', '--time=0', `unix://${socket}`]);
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}`, COMPOSE_INTERACTIVE_NO_CLI: '1' };
  const stop = async () => {
    await podman(['rmi', 'docker.io/library/switchboard:local'], { allowFail: true });
    await service.stop('SIGTERM', 10_000);
    rmSync(dir, { recursive: true, force: true });
  };
  let ports;
  let turnMetricsUrl;
  try {
    await waitUntil(() => existsSync(socket) && ping(socket), { timeoutMs: 20_000, what: 'podman system service' });
    // The compose file's image name, given to the image under test (the
    // file's `build:` is what tests/container/image.sh ran).
    await podman(['tag', image, 'docker.io/library/switchboard:local']);

    // The JWKS, made with the image as docs/deploy-compose.md shows, readable
    // by uid 10001 as the docs ask; the signing key stays outside AUTH_DIR.
    mkdirSync(path.join(dir, 'keys'));
    mkdirSync(path.join(dir, 'auth'), { mode: 0o755 });
    const kid = 'compose-1';
    const keys = path.join(dir, 'keys');
    await imageCli(keys, ['keygen', '--alg', 'EdDSA', '--kid', kid, '--out', 'signing-key.pem', '--jwks', 'jwks.json']);
    writeFileSync(path.join(dir, 'auth/jwks.json'), readFileSync(path.join(keys, 'jwks.json')), { mode: 0o644 });

    // A certificate for https://switchboard.test/ (Switchboard's own TLS, or
    // the test's TLS proxy in front of the cluster profile's HAProxy).
    mkdirSync(path.join(dir, 'tls'), { mode: 0o755 });
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`,
      '-keyout', path.join(dir, 'tls/privkey.pem'), '-out', path.join(dir, 'tls/fullchain.pem')], { stdio: 'ignore' });
    chmodSync(path.join(dir, 'tls/privkey.pem'), 0o644);

    const turnPorts = await pickTurnPorts();
    const picked = new Set();
    while (picked.size < 5) picked.add(await freeTcpPort());
    const [https, metrics, metricsB, turnMetricsPort, cluster] = [...picked];
    ports = { https, metrics, metricsB, turnMetrics: turnMetricsPort, cluster, turn: turnPorts.listen };
    writeFileSync(path.join(dir, '.env'), [
      `PUBLIC_HOSTNAME=${HOST}`,
      `SIGNALING_PUBLISH=127.0.0.1:${https}`,
      `TLS_DIR=${dir}/tls`,
      'TLS_CERT=/etc/switchboard/tls/fullchain.pem',
      'TLS_KEY=/etc/switchboard/tls/privkey.pem',
      `AUTH_DIR=${dir}/auth`,
      'TURN_PUBLIC_IP=127.0.0.1',
      'TURN_PRIVATE_IP=127.0.0.1',
      `TURN_PORT=${turnPorts.listen}`,
      `TURN_RELAY_PORTS=${turnPorts.relayMin}-${turnPorts.relayMax}`,
      `METRICS_PUBLISH=127.0.0.1:${metrics}`,
      `REPLICA_B_METRICS_PUBLISH=127.0.0.1:${metricsB}`,
      `CLUSTER_PUBLISH=127.0.0.1:${cluster}`,
      `TURN_SECRET=${randomBytes(32).toString('hex')}`,
      `GRAFANA_ADMIN_PASSWORD=${randomBytes(16).toString('hex')}`,
      `REDIS_PASSWORD=${randomBytes(32).toString('hex')}`,
      '',
    ].join('\n'), { mode: 0o600 });

    const turnYaml = readFileSync(path.join(composeDir, 'turn.yaml'), 'utf8')
      .replace(/^  listen: 127\.0\.0\.1:9465$/m, `  listen: 127.0.0.1:${turnMetricsPort}`)
      .replace(/^(    profile:) production$/m, '$1 development');
    assert.match(turnYaml, /^    profile: development$/m, 'turn.yaml: turn.managed.profile replaced');
    assert.match(turnYaml, new RegExp(`^  listen: 127.0.0.1:${turnMetricsPort}$`, 'm'), 'turn.yaml: metrics.listen replaced');
    writeFileSync(path.join(dir, 'turn.yaml'), turnYaml, { mode: 0o644 });
    turnMetricsUrl = `http://127.0.0.1:${turnMetricsPort}/metrics`;
    writeFileSync(path.join(dir, 'override.yml'), [
      'version: "3.9"',
      'services:',
      '  turn:',
      '    volumes:',
      `      - ${dir}/turn.yaml:/etc/switchboard/turn.yaml:ro`,
      '    environment:',
      `      SWITCHBOARD_METRICS_URL: ${turnMetricsUrl}`,
      '',
    ].join('\n'));
  } catch (err) {
    await stop();
    throw err;
  }

  const compose = (args, { allowFail = false } = {}) => new Promise((resolve, reject) => {
    execFile('docker-compose', ['--ansi', 'never', '-p', project, '--project-directory', composeDir,
      '-f', path.join(composeDir, 'docker-compose.yml'), '-f', path.join(dir, 'override.yml'),
      '--env-file', path.join(dir, '.env'), ...args],
    { env, encoding: 'utf8', timeout: 180_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      if (code && !allowFail) reject(new Error(`docker-compose ${args.join(' ')}: exit ${code}\n${stderr}${stdout}`));
      else resolve({ code, stdout, stderr });
    });
  });

  return {
    project,
    dir,
    ports,
    sigMetrics: { metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics` },
    sigMetricsB: { metricsUrl: `http://127.0.0.1:${ports.metricsB}/metrics` },
    turnMetrics: { metricsUrl: turnMetricsUrl },
    compose,
    container: (name) => containerHandle(`${project}_${name}_1`),
    mint: (sub) => imageCli(path.join(dir, 'keys'), ['token', '--key', 'signing-key.pem', '--kid', 'compose-1', '--sub', sub, '--ttl', '5m']),
    // `docker-compose down`, then the checks that nothing is left.
    async down() {
      const down = await compose(['down', '--volumes', '--timeout', '20'], { allowFail: true });
      assert.equal(down.code, 0, `docker-compose down: ${down.stderr}`);
      const { stdout } = await podman(['ps', '-a', '--filter', `name=${project}`, '--format', '{{.Names}}']);
      assert.equal(stdout.trim(), '', 'no container left behind');
    },
    stop,
  };
}

// Chromium switches that open https://switchboard.test/ on `port` (a
// loopback port) and resolve switchboard.test (the TURN URIs' host) to
// 127.0.0.1; the certificate is the test's own.
export function hostResolverArgs(port) {
  return [`--host-resolver-rules=MAP ${HOST}:443 127.0.0.1:${port}, MAP ${HOST} 127.0.0.1`, '--ignore-certificate-errors'];
}

// A TLS-terminating proxy (the cluster profile's HAProxy speaks plain HTTP;
// docs/deploy-compose.md puts such a proxy in front) to 127.0.0.1:`port`.
export async function startTlsProxy(dir, port) {
  const sockets = new Set();
  const server = tls.createServer({
    key: readFileSync(path.join(dir, 'tls/privkey.pem')),
    cert: readFileSync(path.join(dir, 'tls/fullchain.pem')),
  }, (client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => { client.destroy(); upstream.destroy(); });
      s.on('close', () => { sockets.delete(s); client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
