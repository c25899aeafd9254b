// Records what headless Chromium sends to Switchboard during a real call and
// writes it out as fuzz seeds (docs/testing.md, "Fuzzing"):
//   corpus/http_request/chromium-*   the page and WebSocket upgrade requests
//   corpus/ws_frame/chromium-*       the masked frames of each WebSocket
//   corpus/protocol/chromium-*       the JSON messages inside them
// A tutorial-shaped page (tests/e2e/tutorial) calls the Switchboard page
// through a TCP proxy that copies every client byte; then the call is hung
// up, the tutorial page closes its socket with a code and a reason, and the
// other page idles until the server pings it (half of server.idle_timeout).
//
// Needs a built switchboard and the e2e suite's npm packages:
//   (cd tests/e2e && npm ci)
//   SWITCHBOARD_BINARY=build/switchboard node tests/fuzz/capture/capture_browser.mjs
import net from 'node:net';
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startSwitchboard, turnCredential } from '../../e2e/support/switchboard.mjs';
import { launchBrowser, closeBrowser, openUser } from '../../e2e/support/browser.mjs';
import { serveDirectory } from '../../e2e/support/static.mjs';
import { startClient, answerCall, waitPhase } from '../../e2e/support/client.mjs';
import { waitUntil } from '../../e2e/support/wait.mjs';
import { seedsFromConnection } from './split_capture.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = path.join(here, '..', 'corpus');

// Every client-to-server byte of each connection, in order.
async function recordingProxy(targetPort) {
  const connections = [];
  const server = net.createServer((client) => {
    const record = [];
    connections.push(record);
    const upstream = net.connect(targetPort, '127.0.0.1');
    client.on('data', (chunk) => { record.push(Buffer.from(chunk)); upstream.write(chunk); });
    upstream.pipe(client);
    for (const s of [client, upstream]) s.on('error', () => { client.destroy(); upstream.destroy(); });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    streams: () => connections.map((chunks) => Buffer.concat(chunks)),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function main() {
  const server = await startSwitchboard();
  const proxy = await recordingProxy(Number(new URL(server.url).port));
  const site = await serveDirectory(path.join(here, '..', '..', 'e2e', 'tutorial'));
  const browser = await launchBrowser();
  try {
    const client = await openUser(browser);
    const clientId = await startClient(client, proxy.url, { relayOnly: true });
    const tutorial = await openUser(browser, {
      init: (c) => { window.TUTORIAL_SIGNALING_URL = c.ws; window.TUTORIAL_RTC_CONFIG = c.rtc; },
      initArg: {
        ws: `${proxy.url.replace('http:', 'ws:')}/ws`,
        rtc: { iceServers: [turnCredential(server, 'tutorial')], iceTransportPolicy: 'relay' },
      },
    });
    await tutorial.goto(`${site.url}/index.html`);
    await tutorial.waitForFunction(() => document.querySelector('#my-id').textContent.length > 0);
    await tutorial.waitForFunction(() => document.querySelector('#local').videoWidth > 0);
    const tutorialId = (await tutorial.textContent('#my-id')).trim();
    await tutorial.fill('#remote-id', clientId);
    await tutorial.click('#call');
    await answerCall(client, tutorialId);
    await waitPhase(client, 'connected');
    await client.click('#hangup');
    await waitPhase(client, 'ended', 5000);
    await tutorial.evaluate(() => new Promise((resolve) => {
      socket.onclose = resolve;  // eslint-disable-line no-undef
      socket.close(4000, 'tutorial page done');  // eslint-disable-line no-undef
    }));
    // Silence until the server's keepalive ping; Chromium answers with a pong.
    const before = proxy.streams().map((s) => s.length);
    await waitUntil(() => proxy.streams().some((s, i) => s.length > (before[i] || 0)),
      { timeoutMs: 70_000, what: 'a pong after the server ping' });
    await client.context().close();  // Chromium closes the socket as the page goes
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    await closeBrowser(browser);
    await site.close();
    await proxy.close();
    await server.stop();
  }
  let n = 0;
  for (const stream of proxy.streams()) {
    for (const [target, name, bytes] of seedsFromConnection(stream, n++)) {
      mkdirSync(path.join(corpus, target), { recursive: true });
      writeFileSync(path.join(corpus, target, name), bytes);
      console.log(`${target}/${name} (${bytes.length} bytes)`);
    }
  }
}

await main();
