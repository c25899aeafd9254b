// The client's browser-independent modules, in node: timing rules, links,
// user-facing messages, the media fallbacks, and the signaling connection's
// reconnect/resume state machine against a fake WebSocket and fake timers.
import { describe, test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs, refreshDelayMs, iceRestartDelayMs } from '../../signaling/web/timing.js';
import { shareLink, idFromHash, calleeFromInput } from '../../signaling/web/links.js';
import { describeServerError, describeClose, describeCallEnd } from '../../signaling/web/messages.js';
import { openLocalMedia } from '../../signaling/web/media.js';
import { Signaling, signalingUrl } from '../../signaling/web/signaling.js';
import { toDescription, toCandidate } from '../../signaling/web/call.js';
import { FakeSocket } from './support/fake_socket.mjs';

describe('timing', () => {
  test('reconnect backoff doubles from 500 ms up to 10 s, jittered down to half', () => {
    const table = [[0, 250, 500], [1, 500, 1000], [3, 2000, 4000], [5, 5000, 10000], [50, 5000, 10000]];
    for (const [attempt, low, high] of table) {
      assert.equal(backoffDelayMs(attempt, () => 0), low, `attempt ${attempt}, least jitter`);
      assert.equal(backoffDelayMs(attempt, () => 1), high, `attempt ${attempt}, no jitter`);
    }
  });

  test('TURN credentials are refreshed at 80% of ttl, at least a minute early, never under 5 s', () => {
    const table = [[3600, 2_880_000], [300, 240_000], [100, 40_000], [10, 5000], [0, null], ['x', null]];
    for (const [ttl, ms] of table) assert.equal(refreshDelayMs(ttl), ms, `ttl ${ttl}`);
  });

  test('the caller restarts ICE before the polite callee does', () => {
    assert.ok(iceRestartDelayMs(false) < iceRestartDelayMs(true));
  });
});

describe('links', () => {
  const loc = { origin: 'https://call.example.org', pathname: '/' };
  test('share link and back', () => {
    const link = shareLink(loc, 'V1StGXR8_Z5jdHi6B-myT');
    assert.equal(link, 'https://call.example.org/#call=V1StGXR8_Z5jdHi6B-myT');
    assert.equal(calleeFromInput(`  ${link} `), 'V1StGXR8_Z5jdHi6B-myT');
  });
  test('hashes and typed input', () => {
    const table = [['#call=abc', 'abc'], ['#x=1&call=a%20b', 'a b'], ['#other', ''], ['', ''], ['#call=%E0%A4%A', '']];
    for (const [hash, id] of table) assert.equal(idFromHash(hash), id, hash);
    assert.equal(calleeFromInput(' bare-id '), 'bare-id');
    assert.equal(calleeFromInput('#nothing'), '#nothing');
  });
  test('the WebSocket URL follows the page', () => {
    assert.equal(signalingUrl({ protocol: 'http:', host: 'localhost:8080' }), 'ws://localhost:8080/ws');
    assert.equal(signalingUrl({ protocol: 'https:', host: 'call.example.org' }), 'wss://call.example.org/ws');
  });
});

describe('messages', () => {
  test('every protocol error code reads as words, naming the callee when known', () => {
    assert.match(describeServerError({ code: 'peer-not-found' }, { remoteId: 'B1' }), /No one with ID “B1” is online/);
    for (const code of ['queue-full', 'rate-limited', 'resume-failed', 'too-large', 'not-started', 'internal']) {
      assert.doesNotMatch(describeServerError({ code, message: 'm' }), /refused a message/, code);
    }
    assert.match(describeServerError({ code: 'bad-request', message: 'data.remoteId must be…' }),
      /bad-request: data.remoteId/);
  });
  test('close codes and call endings', () => {
    assert.match(describeClose(4000), /another tab/);
    assert.equal(describeClose(1006), null);
    assert.match(describeCallEnd('remote-hangup', 'A1'), /“A1” hung up/);
    assert.match(describeCallEnd('peer-left', 'A1'), /left/);
  });
});

describe('media fallbacks', () => {
  const denied = () => Promise.reject(Object.assign(new Error('no'), { name: 'NotAllowedError' }));
  const fakeStream = (kinds) => ({ kinds });
  const devices = (allow) => ({
    getUserMedia: (c) => {
      const kinds = Object.keys(c).filter((k) => c[k]);
      return kinds.every((k) => allow.includes(k)) ? Promise.resolve(fakeStream(kinds)) : denied();
    },
  });

  test('camera and microphone', async () => {
    const m = await openLocalMedia(devices(['audio', 'video']));
    assert.deepEqual([m.mode, m.problem, m.stream.kinds], ['audio+video', null, ['audio', 'video']]);
  });
  test('camera denied: audio only, and says so', async () => {
    const m = await openLocalMedia(devices(['audio']));
    assert.equal(m.mode, 'audio');
    assert.match(m.problem, /camera was denied.*microphone only/);
  });
  test('microphone denied: video only', async () => {
    const m = await openLocalMedia(devices(['video']));
    assert.equal(m.mode, 'video');
    assert.match(m.problem, /microphone was denied.*camera only/);
  });
  test('nothing allowed, or no mediaDevices (http): receive only', async () => {
    const m = await openLocalMedia(devices([]));
    assert.deepEqual([m.mode, m.stream], ['receive-only', null]);
    assert.match(m.problem, /denied.*You can still call/);
    const n = await openLocalMedia(null);  // navigator.mediaDevices is absent on http
    assert.equal(n.mode, 'receive-only');
    assert.match(n.problem, /https/);
  });
});

describe('descriptions and candidates as the protocol allows them', () => {
  test('objects or bare strings', () => {
    assert.deepEqual(toDescription('v=0', 'offer'), { type: 'offer', sdp: 'v=0' });
    assert.deepEqual(toDescription({ type: 'answer', sdp: 'v=0' }, 'answer'), { type: 'answer', sdp: 'v=0' });
    assert.equal(toDescription(42, 'offer'), null);
    assert.deepEqual(toCandidate('candidate:1'), { candidate: 'candidate:1', sdpMLineIndex: 0 });
    assert.equal(toCandidate(null), null);
    const c = { candidate: 'candidate:1', sdpMid: '0' };
    assert.equal(toCandidate(c), c);
  });
});

const ICE = [{ urls: ['turn:127.0.0.1:3478?transport=udp'], username: 'u', credential: 'c' }];
const startReply = (id, extra = {}) =>
  ({ action: 'start', id, iceServers: ICE, ttl: 3600, resumeToken: `tok-${id}`, ...extra });

describe('signaling connection', () => {
  let s;
  let events;
  const last = () => FakeSocket.all.at(-1);

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] });
    FakeSocket.all = [];
    s = new Signaling('ws://x/ws', { WebSocketImpl: FakeSocket });
    events = [];
    for (const type of ['state', 'ready', 'message', 'servererror']) {
      s.addEventListener(type, (ev) => events.push([type, ev.detail]));
    }
    s.connect();
    last().open();
    last().receive(startReply('A'));
  });
  afterEach(() => mock.timers.reset());

  test('start, then credentials refreshed before the ttl runs out', () => {
    assert.deepEqual(FakeSocket.all[0].sent, [{ action: 'start' }]);
    assert.equal(s.state, 'ready');
    assert.deepEqual(s.iceServers, ICE);
    assert.deepEqual(events.find(([t]) => t === 'ready')[1], { id: 'A', resumed: false, previousId: null });
    mock.timers.tick(refreshDelayMs(3600) - 1);
    assert.equal(last().sent.length, 1);
    mock.timers.tick(1);
    assert.deepEqual(last().sent.at(-1), { action: 'iceServers' });
  });

  test('a drop: backoff, resume with the token, then what was sent meanwhile', () => {
    last().drop(1006);
    assert.equal(s.state, 'reconnecting');
    assert.equal(s.send({ action: 'iceCandidate', data: { remoteId: 'B' } }), 'queued');
    mock.timers.tick(500);
    assert.equal(FakeSocket.all.length, 2, 'reconnected after the first backoff');
    last().drop(1006);  // the network is still down
    mock.timers.tick(1000);
    assert.equal(FakeSocket.all.length, 3);
    last().open();
    assert.deepEqual(last().sent, [{ action: 'start', data: { resume: { id: 'A', token: 'tok-A' } } }]);
    last().receive(startReply('A', { resumed: true, resumeToken: 'tok-A2' }));
    assert.equal(s.state, 'ready');
    assert.equal(s.generation, 2);
    assert.deepEqual(last().sent.at(-1), { action: 'iceCandidate', data: { remoteId: 'B' } });
    assert.deepEqual(events.filter(([t]) => t === 'ready').at(-1)[1], { id: 'A', resumed: true, previousId: 'A' });
    last().drop(1006);
    mock.timers.tick(500);
    last().open();
    assert.equal(last().sent[0].data.resume.token, 'tok-A2', 'the new token is used next time');
  });

  test('resume refused: a plain start, a new ID, and nothing stale sent', () => {
    last().drop(1006);
    s.send({ action: 'offer', data: { remoteId: 'B' } });
    mock.timers.tick(500);
    last().open();
    last().receive({ action: 'error', code: 'resume-failed', message: 'grace period over', ref: 'start' });
    assert.deepEqual(last().sent.at(-1), { action: 'start' });
    last().receive(startReply('A2'));
    assert.deepEqual(events.filter(([t]) => t === 'ready').at(-1)[1], { id: 'A2', resumed: false, previousId: 'A' });
    assert.equal(last().sent.length, 2, 'the queued offer for the old ID was dropped');
  });

  test('code 4000 (ID taken over elsewhere) and leave() do not reconnect', () => {
    last().drop(4000);
    assert.equal(s.state, 'closed');
    mock.timers.tick(60_000);
    assert.equal(FakeSocket.all.length, 1);

    const t = new Signaling('ws://x/ws', { WebSocketImpl: FakeSocket });
    t.connect();
    last().open();
    t.leave();
    assert.equal(last().closedWith, 1000, 'a clean close: contacts get peerLeft at once');
    last().drop(1000);
    mock.timers.tick(60_000);
    assert.equal(FakeSocket.all.length, 2);
  });

  test('a silent socket after a network change is abandoned with a non-clean code and resumed', () => {
    s.checkAlive();
    assert.deepEqual(last().sent.at(-1), { action: 'iceServers' });
    mock.timers.tick(5000);
    assert.equal(FakeSocket.all[0].closedWith, 4100, 'not 1000/1001: the server keeps the ID');
    assert.equal(s.state, 'reconnecting');
    mock.timers.tick(500);
    assert.equal(FakeSocket.all.length, 2);
  });

  test('an answered liveness check keeps the socket', () => {
    s.checkAlive();
    last().receive({ action: 'iceServers', iceServers: ICE, ttl: 3600 });
    mock.timers.tick(10_000);
    assert.equal(FakeSocket.all.length, 1);
    assert.equal(s.state, 'ready');
  });

  test('server errors and forwarded messages reach the app', () => {
    last().receive({ action: 'error', code: 'peer-not-found', message: 'no peer', ref: 'offer' });
    last().receive({ action: 'peerLeft', id: 'B' });
    last().receive('not an object');
    assert.deepEqual(events.filter(([t]) => t === 'servererror' || t === 'message').map(([t, d]) => [t, d.code || d.action]),
      [['servererror', 'peer-not-found'], ['message', 'peerLeft']]);
  });
});
