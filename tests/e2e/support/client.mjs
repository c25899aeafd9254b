// Driving signaling/web (the Switchboard call page) the way a person does:
// through its buttons and what it shows.
import assert from 'node:assert/strict';
import { peerStats } from './browser.mjs';
import { waitUntil } from './wait.mjs';

export const REMOTE_VIDEO = '#remote-video';

// Opens the page, optionally ticks "Relay only", presses Start; returns the ID.
export async function startClient(page, url, { relayOnly = false } = {}) {
  await page.goto(url);
  if (relayOnly) await page.check('#relay-only');
  await page.click('#start');
  await page.waitForFunction(() => document.querySelector('#my-id').textContent.length > 0);
  await page.waitForSelector('#signaling-badge[data-state="ready"]');
  return (await page.textContent('#my-id')).trim();
}

export async function placeCall(page, remoteId) {
  await page.fill('#callee', remoteId);
  await page.click('#call');
}

export async function answerCall(page, callerId) {
  await page.waitForSelector('#incoming', { state: 'visible' });
  assert.equal((await page.textContent('#caller-id')).trim(), callerId);
  await page.click('#answer');
}

export function waitPhase(page, phase, timeout = 20_000) {
  return page.waitForSelector(`#st-call[data-phase="${phase}"]`, { timeout });
}

// Remote video decoded (videoWidth > 0, frames) and inbound-rtp video bytes
// still growing afterwards. Returns the last stats.
export async function expectVideoFlowing(page, what, { selector = REMOTE_VIDEO, timeoutMs = 20_000 } = {}) {
  const first = await waitUntil(async () => {
    const s = await peerStats(page, selector);
    return s && s.videoWidth > 0 && s.framesDecoded > 0 && s.videoBytes > 0 && s;
  }, { timeoutMs, what: `${what}: remote video decoded` });
  return waitUntil(async () => {
    const s = await peerStats(page, selector);
    return s.videoBytes >= first.videoBytes + 20_000 && s.framesDecoded > first.framesDecoded + 10 && s;
  }, { timeoutMs, what: `${what}: inbound-rtp video bytes growing` });
}

// A calls B (by `idB`), B answers; both pages connected, decoding each
// other's video over a relay ↔ relay pair with iceTransportPolicy relay.
export async function callRelayed(a, b, idA, idB) {
  await placeCall(a, idB);
  await answerCall(b, idA);
  await Promise.all([waitPhase(a, 'connected'), waitPhase(b, 'connected')]);
  for (const [page, who] of [[a, 'A'], [b, 'B']]) {
    const s = await expectVideoFlowing(page, who);
    assert.equal(s.policy, 'relay', `${who} used iceTransportPolicy relay`);
    await expectRelayed(page, who);
  }
}

// The selected candidate pair of the page's connection is relay on both ends.
export async function expectRelayed(page, what) {
  return waitUntil(async () => {
    const s = await peerStats(page);
    return s && s.localType === 'relay' && s.remoteType === 'relay' && s;
  }, { timeoutMs: 10_000, what: `${what}: selected candidate pair relay ↔ relay` });
}
