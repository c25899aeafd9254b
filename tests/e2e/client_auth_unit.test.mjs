// The web client's access-token handling, in node: where the token comes
// from (#token=, sessionStorage, a token URL), the words for auth errors, and
// the signaling connection's start with a token, its retry and its give-up,
// against a fake WebSocket and fake timers.
import { describe, test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import {
  tokenFromHash, hashWithoutToken, tokenFromResponseText, unverifiedClaims, identityFromOffer,
  TokenSource, pageTokenSource, SESSION_KEY,
} from '../../signaling/web/auth.js';
import { describeServerError, describeClose } from '../../signaling/web/messages.js';
import { Signaling } from '../../signaling/web/signaling.js';
import { FakeSocket } from './support/fake_socket.mjs';

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
const jwt = (claims) => `${b64url({ alg: 'EdDSA', kid: 'k1' })}.${b64url(claims)}.c2lnbmF0dXJl`;
const ALICE = jwt({ sub: 'alice', aud: 'switchboard', exp: 2_000_000_000 });

describe('where the token comes from', () => {
  test('the fragment, and the fragment without it', () => {
    const table = [
      // hash, token, hash left in the URL
      [`#token=${ALICE}`, ALICE, ''],
      [`#call=V1St&token=${ALICE}`, ALICE, '#call=V1St'],
      [`#token=${ALICE}&call=V1St`, ALICE, '#call=V1St'],
      ['#call=V1St', '', '#call=V1St'],
      ['#token=', '', ''],
      ['#token=%E0%A4%A', '', ''],
      ['', '', ''],
    ];
    for (const [hash, token, rest] of table) {
      assert.equal(tokenFromHash(hash), token, hash);
      assert.equal(hashWithoutToken(hash), rest, hash);
    }
  });

  test('a token URL answers JSON or plain text; anything else is an error', () => {
    assert.equal(tokenFromResponseText(JSON.stringify({ token: ALICE })), ALICE);
    assert.equal(tokenFromResponseText(`${ALICE}\n`), ALICE);
    for (const bad of ['', '{"jwt":"a.b.c"}', '{not json', '<html>login</html>', 'a.b', `a.${'b'.repeat(9000)}.c`]) {
      assert.throws(() => tokenFromResponseText(bad), /did not answer with a token/, bad.slice(0, 30));
    }
  });

  test('claims are readable for display; junk gives null', () => {
    assert.equal(unverifiedClaims(ALICE).sub, 'alice');
    for (const junk of ['', 'x', 'a.!!!.c', `a.${Buffer.from('[1]').toString('base64url')}x.c`]) {
      assert.equal(unverifiedClaims(junk), null, junk);
    }
  });

  test("the caller's identity is the server's top-level fromIdentity, never one inside data", () => {
    assert.equal(identityFromOffer({ action: 'offer', fromIdentity: 'alice', data: {} }), 'alice');
    assert.equal(identityFromOffer({ action: 'offer', data: { fromIdentity: 'mallory' } }), null);
    assert.equal(identityFromOffer({ action: 'offer', fromIdentity: 42 }), null);
    assert.equal(identityFromOffer({ action: 'offer', fromIdentity: 'x'.repeat(500) }).length, 128);
  });

  test('a fragment token is handed out as is; a token URL is fetched with the cookies', async () => {
    const fixed = new TokenSource({ token: ALICE });
    assert.deepEqual([fixed.configured, fixed.refreshable, fixed.identity], [true, false, 'alice']);
    assert.equal(await fixed.get({ refused: true }), ALICE);
    assert.equal(new TokenSource().configured, false);
    assert.equal(await new TokenSource().get(), null);

    const calls = [];
    const answers = [[200, JSON.stringify({ token: ALICE })], [401, 'log in first']];
    const fetchImpl = async (url, init) => {
      calls.push([url, init.credentials, init.cache]);
      const [status, body] = answers.shift();
      return { ok: status < 300, status, text: async () => body };
    };
    const fromUrl = new TokenSource({ url: 'https://app.example/token', fetchImpl });
    assert.equal(fromUrl.refreshable, true);
    assert.equal(await fromUrl.get(), ALICE);
    assert.equal(fromUrl.identity, 'alice');
    await assert.rejects(fromUrl.get(), /HTTP 401/);
    assert.deepEqual(calls[0], ['https://app.example/token', 'include', 'no-store']);
    const down = new TokenSource({ url: '/t', fetchImpl: async () => { throw new TypeError('Failed to fetch'); } });
    await assert.rejects(down.get(), /could not reach the token URL \(Failed to fetch\)/);
  });

  test('the page: the fragment token leaves the URL and survives a reload of this tab', () => {
    const fakeWindow = (hash, stored, metaUrl) => {
      const replaced = [];
      const storage = new Map(stored ? [[SESSION_KEY, stored]] : []);
      return {
        replaced, storage,
        location: { hash, pathname: '/', search: '?x=1', href: `https://call.example/?x=1${hash}` },
        history: { state: null, replaceState: (state, title, url) => replaced.push(url) },
        document: { querySelector: () => (metaUrl ? { content: metaUrl } : null) },
        sessionStorage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v) },
      };
    };
    const w = fakeWindow(`#call=B1&token=${ALICE}`);
    const s = pageTokenSource(w);
    assert.equal(s.token, ALICE);
    assert.deepEqual(w.replaced, ['/?x=1#call=B1'], 'the visible URL lost the token, kept the rest');
    assert.equal(w.storage.get(SESSION_KEY), ALICE);

    const reloaded = fakeWindow('', ALICE);
    assert.equal(pageTokenSource(reloaded).token, ALICE);
    assert.deepEqual(reloaded.replaced, [], 'nothing to remove');

    const withUrl = pageTokenSource(fakeWindow('#call=B1', null, '/api/token'));
    assert.deepEqual([withUrl.token, withUrl.url], ['', 'https://call.example/api/token']);
    assert.equal(pageTokenSource(fakeWindow('')).configured, false, 'no source: auth.mode none');
  });
});

describe('auth errors in words', () => {
  test('each refusal reason reads as a sentence and quotes the server', () => {
    const table = [
      // the server's reasons (signaling/auth, signaling/core/auth_gate.cpp)
      ['token expired 5s ago', /has expired/],
      ['token not valid for 30s yet', /not valid yet/],
      ['token issued 2m in the future (check the clocks)', /not valid yet/],
      ['audience does not include "switchboard"', /another service/],
      ['token has no audience ("aud"); expected "switchboard"', /another service/],
      ['issuer is not one of the accepted issuers', /issuer this server does not trust/],
      ['token lifetime 2h exceeds the maximum 60m', /longer than this server allows/],
      ['signature does not verify', /not signed by a key this server knows/],
      ['no key with this kid (rotate your backend or reload the JWKS)', /not signed by a key this server knows/],
      ['token alg HS256 does not match the key\'s alg EdDSA', /not signed by a key this server knows/],
      ['a token is required: send start with data.token', /has no access token/],
      ['token has no "exp" (expiry)', /was refused/],
      ['token is not three non-empty parts separated by dots', /was refused/],
    ];
    for (const [reason, words] of table) {
      const text = describeServerError({ code: 'unauthorized', message: reason, ref: 'start' });
      assert.match(text, words, reason);
      assert.ok(text.includes(`(server's reason: ${reason})`), reason);
    }
    assert.match(describeServerError({ code: 'token-unavailable', message: 'the token URL answered HTTP 401' }),
      /Could not get an access token.*HTTP 401/);
  });

  test('a refused start for too many attempts, and the hello timeout', () => {
    const limited = describeServerError({ code: 'rate-limited', ref: 'start', message: 'too many peers for your identity' });
    assert.match(limited, /too many pages open with your account.*too many failed sign-ins/);
    assert.match(limited, /\(server's reason: too many peers for your identity\)/);
    assert.match(describeServerError({ code: 'rate-limited', ref: 'offer' }), /Too many messages/);
    assert.match(describeClose(4002), /did not sign in in time/);
  });
});

const ICE = [{ urls: ['stun:127.0.0.1:3478'] }];
const startReply = (id, extra = {}) =>
  ({ action: 'start', id, iceServers: ICE, ttl: 3600, resumeToken: `tok-${id}`, ...extra });
const refused = (message) => ({ action: 'error', code: 'unauthorized', message, ref: 'start' });
const settle = () => new Promise((resolve) => setImmediate(resolve));  // token promises

describe('signaling with a token', () => {
  let events;
  const last = () => FakeSocket.all.at(-1);
  const connect = (tokens) => {
    const s = new Signaling('ws://x/ws', { WebSocketImpl: FakeSocket, tokens });
    for (const type of ['state', 'ready', 'servererror', 'autherror']) {
      s.addEventListener(type, (ev) => events.push([type, ev.detail]));
    }
    s.connect();
    last().open();
    return s;
  };
  const authErrors = () => events.filter(([t]) => t === 'autherror').map(([, d]) => d);

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] });
    FakeSocket.all = [];
    events = [];
  });
  afterEach(() => mock.timers.reset());

  test('start carries the token; a resume carries none; after resume-failed a fresh start does again', async () => {
    const s = connect(new TokenSource({ token: ALICE }));
    await settle();
    assert.deepEqual(last().sent, [{ action: 'start', data: { token: ALICE } }]);
    last().receive(startReply('A'));
    assert.equal(s.state, 'ready');
    last().drop(1006);
    mock.timers.tick(500);
    last().open();
    await settle();
    assert.deepEqual(last().sent, [{ action: 'start', data: { resume: { id: 'A', token: 'tok-A' } } }]);
    last().receive({ action: 'error', code: 'resume-failed', message: 'grace period over', ref: 'start' });
    await settle();
    assert.deepEqual(last().sent.at(-1), { action: 'start', data: { token: ALICE } });
  });

  test('a refused fragment token is final: closed cleanly, told why, no reconnect', async () => {
    const s = connect(new TokenSource({ token: ALICE }));
    await settle();
    last().receive(refused('token expired'));
    assert.equal(s.state, 'closed');
    assert.equal(last().closedWith, 1000);
    assert.deepEqual(authErrors(), [{ code: 'unauthorized', message: 'token expired' }]);
    mock.timers.tick(60_000);
    assert.equal(FakeSocket.all.length, 1);
    assert.equal(last().sent.length, 1, 'the refused token was not sent again');
  });

  test('a token URL gets one more try with a new token, then gives up', async () => {
    const tokens = [ALICE, jwt({ sub: 'alice', n: 2 }), jwt({ sub: 'alice', n: 3 })];
    const fetchImpl = async () => ({ ok: true, status: 200, text: async () => tokens.shift() });
    const s = connect(new TokenSource({ url: '/token', fetchImpl }));
    await settle();
    last().receive(refused('bad signature'));
    await settle();
    assert.equal(last().sent.length, 2, 'retried on the same connection');
    assert.notEqual(last().sent[1].data.token, last().sent[0].data.token);
    last().receive(refused('bad signature'));
    assert.equal(s.state, 'closed');
    assert.equal(authErrors().length, 1);

    FakeSocket.all = [];  // a success resets the retry: the next refusal gets its retry again
    const t = connect(new TokenSource({ url: '/token', fetchImpl: async () => ({ ok: true, text: async () => ALICE }) }));
    await settle();
    last().receive(refused('token expired'));
    await settle();
    last().receive(startReply('B'));
    assert.equal(t.authRetried, false);
  });

  test('a token URL is asked again for the fresh start after resume-failed', async () => {
    const second = jwt({ sub: 'alice', n: 2 });
    const tokens = [ALICE, second];
    let fetches = 0;
    const fetchImpl = async () => { fetches += 1; return { ok: true, status: 200, text: async () => tokens.shift() }; };
    connect(new TokenSource({ url: '/token', fetchImpl }));
    await settle();
    last().receive(startReply('A'));
    last().drop(1006);
    mock.timers.tick(500);
    last().open();
    await settle();
    assert.equal(fetches, 1, 'a resume needs no token');
    last().receive({ action: 'error', code: 'resume-failed', message: 'unknown id', ref: 'start' });
    await settle();
    assert.equal(fetches, 2);
    assert.deepEqual(last().sent.at(-1), { action: 'start', data: { token: second } });
  });

  test('no token to be had: told why, closed', async () => {
    const fetchImpl = async () => ({ ok: false, status: 401, text: async () => '' });
    const s = connect(new TokenSource({ url: '/token', fetchImpl }));
    await settle();
    assert.equal(s.state, 'closed');
    assert.deepEqual(authErrors(), [{ code: 'token-unavailable', message: 'the token URL answered HTTP 401' }]);
    assert.deepEqual(last().sent, [], 'no start without a token');
  });

  test('without a token source the start is plain and immediate (auth.mode none)', () => {
    connect(new TokenSource());
    assert.deepEqual(last().sent, [{ action: 'start' }]);
  });
});
