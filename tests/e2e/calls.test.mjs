// Two real browsers call each other through Switchboard's signaling and its
// managed coturn. The steps share one server, one browser and one call, in
// order: the call set up in the first test is the one hung up in the third.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startSwitchboard, metric, sourceDir } from './support/switchboard.mjs';
import { launchBrowser, closeBrowser, openUser, peerStats } from './support/browser.mjs';
import {
  startClient, placeCall, answerCall, callRelayed, waitPhase, expectVideoFlowing,
} from './support/client.mjs';
import { waitUntil } from './support/wait.mjs';

const screenshotDir = process.env.SWITCHBOARD_E2E_SCREENSHOTS
  ? path.resolve(sourceDir, process.env.SWITCHBOARD_E2E_SCREENSHOTS) : null;

async function screenshot(page, name) {
  if (!screenshotDir) return;
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, name) });
}

describe('calls between two browsers', () => {
  let server;
  let browser;
  let a;
  let b;
  let idA;
  let idB;

  before(async () => {
    server = await startSwitchboard();
    browser = await launchBrowser();
    a = await openUser(browser);
    b = await openUser(browser);
  });

  after(async () => {
    try {
      if (browser) await closeBrowser(browser);
    } finally {
      if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null }, 'switchboard drained and exited 0');
    }
  });

  test('relay-only: A calls B by ID, both decode remote video over a relay ↔ relay pair', async () => {
    idA = await startClient(a, server.url, { relayOnly: true });
    idB = await startClient(b, server.url, { relayOnly: true });
    assert.match(idA, /^[A-Za-z0-9_-]{21}$/);
    assert.notEqual(idA, idB);
    const link = await a.getAttribute('#share-link', 'href');
    assert.equal(link, `${server.url}/#call=${idA}`);
    await a.waitForFunction(() => document.querySelector('#local-video').videoWidth > 0);
    await screenshot(a, 'idle.png');

    await callRelayed(a, b, idA, idB);
    for (const page of [a, b]) {
      // The page says so in words too.
      await page.waitForFunction(() => document.querySelector('#st-path').textContent === 'relayed through TURN');
      assert.match(await page.textContent('#st-pair'), /^relay ↔ relay/);
    }
    await screenshot(a, 'call.png');

    // A credential refresh (normally at 80% of ttl) reaches the running call.
    const usernamesNow = () => a.evaluate(() =>
      window.switchboard.call.pc.getConfiguration().iceServers.map((s) => s.username || '').join());
    const initial = await usernamesNow();  // minted at Start, seconds ago
    const updates = await a.evaluate(() => window.switchboard.iceServerUpdates);
    await a.evaluate(() => window.switchboard.signaling.requestIceServers());
    await a.waitForFunction((n) => window.switchboard.iceServerUpdates > n, updates);
    const applied = await a.evaluate(() => {
      const { signaling, call } = window.switchboard;
      const usernames = (list) => list.map((s) => s.username || '').join();
      return [usernames(signaling.iceServers), usernames(call.pc.getConfiguration().iceServers)];
    });
    assert.match(applied[0], /\d+:/, 'TURN credentials in the iceServers reply');
    assert.equal(applied[1], applied[0], 'the call uses the refreshed credentials');
    assert.notEqual(applied[1], initial, 'new credentials (a later expiry)');
    assert.deepEqual([...a.errors, ...b.errors], [], 'no uncaught page errors');
  });

  test('hang up on A ends the call on B, and the relayed bytes show in /metrics', async () => {
    await a.click('#hangup');
    await waitPhase(b, 'ended', 10_000);
    assert.match(await b.textContent('#notice'), new RegExp(`${idA}.*hung up`));
    assert.equal((await peerStats(b)).signaling, 'closed', "B's RTCPeerConnection is closed");
    assert.equal(await b.isEnabled('#call'), true, 'B can place a new call');
    await waitPhase(a, 'ended', 1000);

    // coturn reports a session's usage when it closes: the closed call's
    // relayed media must appear (the TURN probe relays nothing to peers).
    const peerBytes = await waitUntil(async () => {
      const v = await metric(server, 'switchboard_turn_traffic_received_bytes_total', 'side="peer"');
      return v > 100_000 && v;
    }, { timeoutMs: 20_000, what: 'relay bytes from peers in /metrics' });
    assert.ok(peerBytes > 100_000);
    assert.ok(await metric(server, 'switchboard_turn_traffic_sent_bytes_total', 'side="client"') > 100_000);
  });

  test('B declines: A is told, and neither side keeps a call', async () => {
    await placeCall(a, idB);
    await b.waitForSelector('#incoming', { state: 'visible' });
    await b.click('#decline');
    await waitPhase(a, 'ended', 10_000);
    assert.match(await a.textContent('#notice'), new RegExp(`${idB}.*declined the call`));
    await waitPhase(b, 'ended', 1000);
    assert.equal(await b.isVisible('#incoming'), false);
  });

  test('calling an ID that does not exist tells the user', async () => {
    await placeCall(a, 'nobody-has-this-id-01');
    await a.waitForSelector('#error[data-code="peer-not-found"]', { state: 'visible' });
    assert.match(await a.textContent('#error'), /No one with ID “nobody-has-this-id-01” is online/);
    await waitPhase(a, 'ended', 5000);
    assert.equal(await a.isEnabled('#call'), true);
  });

  test('calling someone whose page was closed tells the user', async () => {
    const c = await openUser(browser);
    const idC = await startClient(c, server.url);
    await c.context().close();  // closing the page leaves at once (pagehide → close 1000)
    await placeCall(a, idC);
    await a.waitForSelector('#error[data-code="peer-not-found"]', { state: 'visible' });
    assert.match(await a.textContent('#error'), new RegExp(`“${idC}” is online.*closed their page`));
  });

  test('without camera or microphone the caller still receives the callee\'s video', async () => {
    const denied = await openUser(browser, {
      init: () => {
        navigator.mediaDevices.getUserMedia = () =>
          Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
      },
    });
    const idD = await startClient(denied, server.url, { relayOnly: true });
    await denied.waitForFunction(() => document.querySelector('#st-media').textContent === 'receive-only');
    assert.match(await denied.textContent('#notice'), /denied.*You can still call/);
    await placeCall(denied, idB);
    await answerCall(b, idD);
    await Promise.all([waitPhase(denied, 'connected'), waitPhase(b, 'connected')]);
    await expectVideoFlowing(denied, 'receive-only D');
    await denied.click('#hangup');
    await waitPhase(b, 'ended', 10_000);
    await denied.context().close();
  });
});
