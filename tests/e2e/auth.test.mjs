// The browser client against Switchboard in auth.mode: jwt, with a key from
// `switchboard auth keygen`: pages that carry their token in the URL
// (#token=, as a backend would link them) call each other through the relay
// and the callee sees who calls; a page with an expired token says so.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSwitchboard } from './support/switchboard.mjs';
import { launchBrowser, closeBrowser, openUser } from './support/browser.mjs';
import {
  startClient, placeCall, answerCall, waitPhase, expectVideoFlowing, expectRelayed,
} from './support/client.mjs';
import { makeKey, mintToken, expiredToken } from './support/auth.mjs';

// The pages' console, kept to prove no token ever reaches it.
function recordConsole(page) {
  const lines = [];
  page.on('console', (m) => lines.push(m.text()));
  return lines;
}

const signatureOf = (token) => token.split('.')[2];

describe('auth.mode jwt in the browser', () => {
  let dir;
  let key;
  let server;
  let browser;
  const tokens = [];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'switchboard-e2e-auth-'));
    key = makeKey(dir);
    server = await startSwitchboard({ args: ['--set', 'auth.mode=jwt', '--set', `auth.jwks_file=${key.jwksFile}`] });
    browser = await launchBrowser();
  });

  after(async () => {
    try {
      if (browser) await closeBrowser(browser);
      if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null }, 'switchboard drained and exited 0');
      const log = server ? server.log.join('\n') : '';
      for (const t of tokens) assert.ok(!log.includes(signatureOf(t)), 'no token signature in the server log');
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  test('alice calls bob with tokens from their page URLs, relayed; bob sees "alice"', async () => {
    const [tokenA, tokenB] = [mintToken(key, 'alice'), mintToken(key, 'bob')];
    tokens.push(tokenA, tokenB);
    const a = await openUser(browser);
    const b = await openUser(browser);
    const consoles = [recordConsole(a), recordConsole(b)];
    const idA = await startClient(a, `${server.url}/#token=${tokenA}`, { relayOnly: true });
    const idB = await startClient(b, `${server.url}/#token=${tokenB}`, { relayOnly: true });
    assert.equal(a.url(), `${server.url}/`, 'the token left the visible URL');
    assert.equal(await a.getAttribute('#share-link', 'href'), `${server.url}/#call=${idA}`);
    assert.equal((await a.textContent('#my-identity')).trim(), 'alice');
    assert.match(server.log.join('\n'), new RegExp(`${idA}.*alice|alice.*${idA}`), 'the start log line maps ID to identity');

    await placeCall(a, idB);
    await b.waitForSelector('#caller-identity', { state: 'visible' });
    assert.equal((await b.textContent('#caller-identity')).trim(), 'alice');
    await answerCall(b, idA);
    await Promise.all([waitPhase(a, 'connected'), waitPhase(b, 'connected')]);
    for (const [page, who] of [[a, 'alice'], [b, 'bob']]) {
      await expectVideoFlowing(page, who);
      await expectRelayed(page, who);
    }
    assert.match(await b.textContent('#st-call'), new RegExp(`in a call with alice \\(${idA}\\)`));

    await a.click('#hangup');
    await waitPhase(b, 'ended', 10_000);
    const pageText = consoles.flat().join('\n');
    for (const t of [tokenA, tokenB]) assert.ok(!pageText.includes(signatureOf(t)), 'no token in the console');
    assert.deepEqual([...a.errors, ...b.errors], [], 'no uncaught page errors');
    await Promise.all([a.context().close(), b.context().close()]);
  });

  test('an expired token: the page says so and offers Start again', async () => {
    const token = expiredToken(key, 'carol');
    tokens.push(token);
    const page = await openUser(browser);
    await page.goto(`${server.url}/#token=${token}`);
    await page.click('#start');
    await page.waitForSelector('#error[data-code="unauthorized"]', { state: 'visible', timeout: 10_000 });
    assert.match(await page.textContent('#error'), /Not signed in: your access token has expired\..*token expired/);
    assert.equal(await page.getAttribute('#signaling-badge', 'data-state'), 'closed');
    assert.equal(await page.isEnabled('#start'), true, 'Start can be pressed again');
    assert.equal(await page.isVisible('#me'), false, 'no ID was handed out');
    await page.context().close();
  });
});
