// Headless Debian Chromium through playwright-core (which never downloads a
// browser of its own), with fake camera and microphone, and helpers that look
// at a page's WebRTC state directly rather than through the page's own UI.
import { chromium } from 'playwright-core';
import { alive, descendants } from './processes.mjs';
import { waitUntil } from './wait.mjs';

const CHROMIUM_ARGS = [
  '--no-sandbox', '--headless=new', '--disable-gpu',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  // This machine's network is closed: without these Chromium keeps trying
  // to reach Google's services.
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic',
];

// Playwright gives every launch a fresh, temporary --user-data-dir and
// removes it on close. `args`: more Chromium switches (e.g. the container
// suite's --host-resolver-rules).
export async function launchBrowser({ args = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.SWITCHBOARD_CHROMIUM || '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...args],
    timeout: 30_000,
  });
}

// Closes the browser and waits until every Chromium process it ran is gone.
export async function closeBrowser(browser) {
  const chromiums = descendants().filter((p) => p.comm.startsWith('chrom'));
  await browser.close();
  await waitUntil(() => chromiums.every((p) => !alive(p.pid)),
    { timeoutMs: 10_000, what: `Chromium processes ${chromiums.map((p) => p.pid)} to exit` });
  return chromiums.length;
}

// Records every RTCPeerConnection and WebSocket the page creates, so the
// tests can read getStats() and the signaling socket whatever the page does.
function instrument() {
  const pcs = [];
  const sockets = [];
  window.__e2e = { pcs, sockets };
  const PC = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends PC {
    constructor(...args) { super(...args); pcs.push(this); }
  };
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...args) { super(...args); sockets.push(this); }
  };
}

let pageCount = 0;

// A new, isolated user (own storage) with one page. `init` runs before the
// page's scripts (e.g. to break getUserMedia).
export async function openUser(browser, { init, initArg } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
  await context.addInitScript(instrument);
  if (init) await context.addInitScript(init, initArg);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.errors = errors;
  if (process.env.SWITCHBOARD_E2E_DEBUG) {
    const name = `page${++pageCount}`;
    page.on('console', (m) => console.error(`${new Date().toISOString()} ${name}: ${m.text()}`));
  }
  return page;
}

// The last RTCPeerConnection of the page, as plain data from getStats().
export function peerStats(page, videoSelector) {
  return page.evaluate(async (selector) => {
    const pc = window.__e2e.pcs.at(-1);
    if (!pc) return null;
    const report = await pc.getStats();
    let pair = null;
    let videoBytes = 0;
    let framesDecoded = 0;
    report.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId);
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        videoBytes += s.bytesReceived || 0;
        framesDecoded += s.framesDecoded || 0;
      }
    });
    const local = pair && report.get(pair.localCandidateId);
    const remote = pair && report.get(pair.remoteCandidateId);
    const ufrag = (d) => (d && /a=ice-ufrag:(\S+)/.exec(d.sdp) || [])[1] || null;
    const video = selector && document.querySelector(selector);
    return {
      ice: pc.iceConnectionState,
      signaling: pc.signalingState,
      policy: pc.getConfiguration().iceTransportPolicy,
      pairId: pair ? pair.id : null,
      localType: local ? local.candidateType : null,
      remoteType: remote ? remote.candidateType : null,
      videoBytes,
      framesDecoded,
      videoWidth: video ? video.videoWidth : null,
      localUfrag: ufrag(pc.localDescription),
      remoteUfrag: ufrag(pc.remoteDescription),
      count: window.__e2e.pcs.length,
    };
  }, videoSelector || null);
}
