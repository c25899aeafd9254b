// A call that survives its signaling connection dropping. A reaches
// Switchboard through a TCP proxy the test can cut like a network; B
// connects directly. Both are relay-only, so media goes through the managed
// coturn, which the second test kills to take the media path away as well.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSwitchboard, metric, findTurnserver } from './support/switchboard.mjs';
import { startProxy } from './support/proxy.mjs';
import { launchBrowser, closeBrowser, openUser, peerStats } from './support/browser.mjs';
import {
  startClient, placeCall, answerCall, waitPhase, expectVideoFlowing, expectRelayed,
} from './support/client.mjs';
import { waitUntil } from './support/wait.mjs';

const callOf = (page) => page.evaluate(() => {
  const { signaling, call } = window.switchboard;
  return { id: signaling.id, state: signaling.state, attempt: signaling.attempt,
    phase: call.phase, restarts: call.iceRestartCount, ice: call.pc.iceConnectionState };
});

describe('signaling drops mid-call', () => {
  let server;
  let proxy;
  let browser;
  let a;
  let b;
  let idA;
  let idB;

  before(async () => {
    server = await startSwitchboard();
    proxy = await startProxy(Number(new URL(server.url).port));
    browser = await launchBrowser();
    a = await openUser(browser);
    b = await openUser(browser);
    idA = await startClient(a, proxy.url, { relayOnly: true });
    idB = await startClient(b, server.url, { relayOnly: true });
    await placeCall(a, idB);
    await answerCall(b, idA);
    await Promise.all([waitPhase(a, 'connected'), waitPhase(b, 'connected')]);
    await expectVideoFlowing(a, 'A before the drop');
    await expectVideoFlowing(b, 'B before the drop');
  });

  after(async () => {
    try {
      if (browser) await closeBrowser(browser);
      if (proxy) await proxy.close();
    } finally {
      if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null }, 'switchboard drained and exited 0');
    }
  });

  test("A's WebSocket drops: A reconnects with backoff, resumes its ID, media never stops", async () => {
    const pcsBefore = (await peerStats(a)).count;
    const bBefore = await peerStats(b);
    proxy.refuse(true);
    proxy.cut();
    await a.waitForSelector('#signaling-badge[data-state="reconnecting"]');
    assert.match(await a.textContent('#st-signaling'), /connection lost: reconnecting/);

    // While A is away B restarts ICE: its offer waits at the server, queued
    // for A's ID, and must be answered after the resume.
    await b.evaluate(() => window.switchboard.call.restartIce('test'));
    // Keep the network down until A has failed to reconnect twice (backoff).
    await waitUntil(() => proxy.refused >= 2, { timeoutMs: 15_000, what: 'two refused reconnects' });
    await expectVideoFlowing(a, 'A while its signaling is down');
    proxy.refuse(false);

    await a.waitForSelector('#signaling-badge[data-state="ready"]', { timeout: 20_000 });
    assert.equal((await a.textContent('#my-id')).trim(), idA, 'A kept its ID');
    await a.waitForFunction(() => /Reconnected to the server with the same ID/.test(document.querySelector('#notice').textContent));
    await waitUntil(async () => {
      const s = await peerStats(b);
      return s.signaling === 'stable' && s.localUfrag !== bBefore.localUfrag &&
        s.remoteUfrag !== bBefore.remoteUfrag && s.ice === 'connected' && s;
    }, { timeoutMs: 20_000, what: "B's ICE restart answered by A after the resume" });

    for (const [page, who] of [[a, 'A'], [b, 'B']]) {
      await expectVideoFlowing(page, `${who} after the resume`);
      await expectRelayed(page, who);
      assert.equal((await callOf(page)).phase, 'connected');
    }
    assert.equal((await peerStats(a)).count, pcsBefore, 'the same RTCPeerConnection carried on');
  });

  test('the signaling and the relay drop together: A resumes and the call recovers by ICE restart', async () => {
    const aBefore = await peerStats(a);
    const restartsBefore = (await callOf(a)).restarts + (await callOf(b)).restarts;
    const coturnRestarts = await metric(server, 'switchboard_turn_process_restarts_total');
    const turnPid = findTurnserver(server.pid);
    assert.ok(turnPid, 'found the managed turnserver');

    // The network goes away: A's page is offline, its socket reset, and
    // every relay allocation is lost (coturn dies; Switchboard restarts it).
    await a.context().setOffline(true);
    proxy.cut();
    process.kill(turnPid, 'SIGKILL');
    await a.waitForSelector('#signaling-badge[data-state="reconnecting"]');
    await waitUntil(async () => ['disconnected', 'failed'].includes((await peerStats(a)).ice),
      { timeoutMs: 20_000, what: "A's ICE to notice the lost relay" });
    await waitUntil(async () => (await metric(server, 'switchboard_turn_process_restarts_total')) > coturnRestarts,
      { timeoutMs: 10_000, what: 'Switchboard to restart coturn' });

    await a.context().setOffline(false);  // the browser fires 'online'
    await a.waitForSelector('#signaling-badge[data-state="ready"]', { timeout: 20_000 });
    assert.equal((await a.textContent('#my-id')).trim(), idA, 'A kept its ID');

    await Promise.all([waitPhase(a, 'connected', 45_000), waitPhase(b, 'connected', 45_000)]);
    const restarts = (await callOf(a)).restarts + (await callOf(b)).restarts;
    assert.ok(restarts > restartsBefore, `an ICE restart happened (${restartsBefore} → ${restarts})`);
    const after = await expectVideoFlowing(a, 'A after the ICE restart', { timeoutMs: 30_000 });
    await expectVideoFlowing(b, 'B after the ICE restart', { timeoutMs: 30_000 });
    assert.notEqual(after.localUfrag, aBefore.localUfrag, 'new ICE credentials');
    assert.notEqual(after.pairId, aBefore.pairId, 'a new candidate pair');
    await expectRelayed(a, 'A after the ICE restart');
    assert.equal(after.count, aBefore.count, 'the same RTCPeerConnection carried on');
    assert.equal((await callOf(b)).phase, 'connected', 'B never lost the call');
    assert.deepEqual([...a.errors, ...b.errors], [], 'no uncaught page errors');
  });
});
