// Compatibility: a client that speaks only the tutorial's message shapes
// (tutorial/tutorial.js, written from docs/protocol.md) calls and is called
// by the Switchboard client, through the same server. The tutorial client
// ignores the start reply's iceServers, so it gets TURN credentials the way
// its users configure them: by hand, minted here from the shared secret.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSwitchboard, turnCredential } from './support/switchboard.mjs';
import { launchBrowser, closeBrowser, openUser, peerStats } from './support/browser.mjs';
import { serveDirectory } from './support/static.mjs';
import {
  startClient, placeCall, answerCall, waitPhase, expectVideoFlowing, expectRelayed,
} from './support/client.mjs';

const tutorialDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tutorial');

describe('the tutorial-shaped client and the Switchboard client', () => {
  let server;
  let site;
  let browser;
  let client;
  let clientId;

  before(async () => {
    server = await startSwitchboard();
    site = await serveDirectory(tutorialDir);
    browser = await launchBrowser();
    client = await openUser(browser);
    clientId = await startClient(client, server.url, { relayOnly: true });
  });

  after(async () => {
    try {
      if (browser) await closeBrowser(browser);
      if (site) await site.close();
    } finally {
      if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null }, 'switchboard drained and exited 0');
    }
  });

  // The tutorial page, from its own origin.
  async function openTutorial() {
    const config = {
      ws: `${server.url.replace('http:', 'ws:')}/ws`,
      rtc: { iceServers: [turnCredential(server, 'tutorial')], iceTransportPolicy: 'relay' },
    };
    const page = await openUser(browser, {
      init: (c) => { window.TUTORIAL_SIGNALING_URL = c.ws; window.TUTORIAL_RTC_CONFIG = c.rtc; },
      initArg: config,
    });
    await page.goto(`${site.url}/index.html`);
    await page.waitForFunction(() => document.querySelector('#my-id').textContent.length > 0);
    await page.waitForFunction(() => document.querySelector('#local').videoWidth > 0);
    return { page, id: (await page.textContent('#my-id')).trim() };
  }

  test('the tutorial client calls the Switchboard client', async () => {
    const tutorial = await openTutorial();
    await tutorial.page.fill('#remote-id', clientId);
    await tutorial.page.click('#call');
    await answerCall(client, tutorial.id);
    await waitPhase(client, 'connected');
    await expectVideoFlowing(client, 'Switchboard client');
    await expectVideoFlowing(tutorial.page, 'tutorial client', { selector: '#remote' });
    await expectRelayed(client, 'Switchboard client');
    await expectRelayed(tutorial.page, 'tutorial client');
    const received = await tutorial.page.evaluate(() => window.tutorial.received);
    assert.deepEqual([...new Set(received)].sort(), ['answer', 'iceCandidate', 'start']);
    await client.click('#hangup');
    await waitPhase(client, 'ended', 5000);
    await tutorial.page.context().close();
  });

  test('the Switchboard client calls the tutorial client', async () => {
    const tutorial = await openTutorial();
    await placeCall(client, tutorial.id);
    await waitPhase(client, 'connected');
    await expectVideoFlowing(client, 'Switchboard client');
    await expectVideoFlowing(tutorial.page, 'tutorial client', { selector: '#remote' });
    const s = await peerStats(tutorial.page);
    assert.equal(s.policy, 'relay');
    await expectRelayed(tutorial.page, 'tutorial client');
    assert.deepEqual(client.errors, [], 'no uncaught errors in the Switchboard client');
  });
});
