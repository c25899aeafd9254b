// The Switchboard call page: wires the signaling connection, the camera and
// one call at a time to the page. See docs/client.md.
import { Signaling, signalingUrl } from './signaling.js';
import { Call } from './call.js';
import { openLocalMedia } from './media.js';
import { readStats, describePath, inboundKbps } from './stats.js';
import { describeServerError, describeClose, describeCallEnd } from './messages.js';
import { shareLink, idFromHash, calleeFromInput } from './links.js';
import { pageTokenSource, identityFromOffer } from './auth.js';
import * as ui from './ui.js';

const { $ } = ui;
const RELAY_ONLY_KEY = 'switchboard.relayOnly';
const STATS_INTERVAL_MS = 1000;
const MAX_ID_LENGTH = 64;  // the protocol's bound on remoteId

// Exposed for debugging from the console (the e2e tests read it too).
const app = window.switchboard = {
  signaling: null,
  tokens: null,         // where access tokens come from (auth.js); never logged
  call: null,
  media: null,          // {stream, mode, problem} once the camera question is settled
  mediaReady: null,     // the promise of it
  relayOnly: localStorage.getItem(RELAY_ONLY_KEY) === 'true',
  stats: null,
  iceServerUpdates: 0,
};

function init() {
  app.tokens = pageTokenSource();  // first: takes #token= out of the visible URL
  $('relay-only').checked = app.relayOnly;
  const wanted = idFromHash(location.hash);
  if (wanted) $('callee').value = wanted;
  $('start').addEventListener('click', start);
  $('call-form').addEventListener('submit', (ev) => { ev.preventDefault(); placeCall(); });
  $('hangup').addEventListener('click', () => app.call && app.call.hangup());
  $('answer').addEventListener('click', answer);
  $('decline').addEventListener('click', () => app.call && app.call.decline());
  $('relay-only').addEventListener('change', onRelayOnlyChanged);
  $('copy-id').addEventListener('click', (ev) => ui.copyText($('my-id').textContent, ev.target));
  $('copy-link').addEventListener('click', (ev) => ui.copyText($('share-link').href, ev.target));
  $('play-remote').addEventListener('click', () => ui.showRemoteStream($('remote-video').srcObject));
  window.addEventListener('online', onNetworkChange);
  if (navigator.connection) navigator.connection.addEventListener('change', onNetworkChange);
  window.addEventListener('pagehide', leave);
  window.addEventListener('pageshow', (ev) => { if (ev.persisted) location.reload(); });
  setInterval(refreshStats, STATS_INTERVAL_MS);
}

// Also after a refused token: a new connection (the camera stays on).
function start() {
  $('start').disabled = true;
  ui.clearError();
  const s = app.signaling = new Signaling(signalingUrl(location), { tokens: app.tokens });
  s.addEventListener('state', (ev) => onSignalingState(ev.detail));
  s.addEventListener('ready', (ev) => onReady(ev.detail));
  s.addEventListener('iceservers', (ev) => onIceServers(ev.detail));
  s.addEventListener('message', (ev) => onMessage(ev.detail));
  s.addEventListener('servererror', (ev) => onServerError(ev.detail));
  s.addEventListener('autherror', (ev) => onAuthError(ev.detail));
  s.connect();
  if (app.mediaReady) return;
  app.mediaReady = openLocalMedia().then((media) => {
    app.media = media;
    ui.showLocalStream(media.stream);
    ui.setLocalMode(media.mode);
    if (media.problem) ui.showNotice(media.problem);
    return media;
  });
}

const log = (...args) => console.info('switchboard:', ...args);

function onSignalingState({ state, closeCode, retryInMs, attempt }) {
  log('signaling', state, closeCode === undefined ? '' : `close ${closeCode}`,
    retryInMs === undefined ? '' : `retry in ${retryInMs} ms`);
  ui.setSignaling(state, { retryInMs, attempt });
  renderCall();
  if (state === 'closed' && closeCode !== undefined) ui.showError(describeClose(closeCode) || 'Disconnected.', 'closed');
  if (state === 'reconnecting' && retryInMs !== undefined) {
    const why = describeClose(closeCode);
    ui.showNotice(`${why ? `${why} ` : ''}Lost the connection to the server: reconnecting…`);
  }
}

function onReady({ id, resumed, previousId }) {
  log('ready as', id, resumed ? '(resumed)' : '');
  ui.showIdentity(id, shareLink(location, id), app.tokens.identity);
  if (resumed) {
    ui.showNotice('Reconnected to the server with the same ID.');
    if (app.call) app.call.onSignalingResumed();
  } else if (previousId) {
    ui.showError(describeServerError({ code: 'resume-failed' }), 'resume-failed');
    if (app.call) app.call.end('signaling-lost');
  }
  renderCall();
}

// The token was refused (or none could be had): the connection is closed
// for good; Start tries again (a token URL may give a new token by then).
function onAuthError(err) {
  log('not signed in:', err.code, err.message);  // the server's reason, never the token
  if (app.call && !app.call.ended) app.call.end('signaling-lost');
  ui.showError(describeServerError(err), err.code);
  ui.showSignedOut();
  renderCall();
}

function onIceServers({ iceServers, ttl }) {
  app.iceServerUpdates += 1;
  if (app.call) app.call.setIceServers(iceServers);
  const until = new Date(Date.now() + ttl * 1000).toLocaleTimeString();
  const turn = iceServers.filter((s) => [].concat(s.urls).some((u) => /^turns?:/.test(u))).length;
  ui.setTurn(turn ? `valid until ${until}` : 'none offered by the server (direct connections only)');
}

function onMessage(msg) {
  const from = msg.from;
  const call = app.call && !app.call.ended ? app.call : null;
  if (msg.action === 'peerLeft') {
    if (call && msg.id === call.remoteId) call.end('peer-left');
  } else if (msg.action === 'offer' && !call && from) {
    newCall(from, 'callee', identityFromOffer(msg)).handleSignal(msg);
  } else if (msg.action === 'offer' && call && call.remoteId !== from) {
    app.signaling.send({ action: 'hangup', data: { remoteId: from, reason: 'busy' } });
  } else if (call && from === call.remoteId) {
    call.handleSignal(msg);
  }
}

function onServerError(err) {
  const call = app.call && !app.call.ended ? app.call : null;
  // A busy reply (hangup) to a caller who has gone says nothing about our call.
  if (err.code === 'peer-not-found' && call && err.ref !== 'hangup') {
    ui.showError(describeServerError(err, { remoteId: call.remoteId }), err.code);
    call.end(call.everConnected ? 'peer-left' : 'not-found');
    return;
  }
  if (err.code === 'peer-not-found') return;  // e.g. a hangup to someone already gone
  ui.showError(describeServerError(err), err.code);
}

async function placeCall() {
  const remoteId = calleeFromInput($('callee').value);
  ui.clearError();
  if (!remoteId) return ui.showError('Enter the ID of the person to call.', 'input');
  if (remoteId.length > MAX_ID_LENGTH) return ui.showError('That is not a peer ID (too long).', 'input');
  if (remoteId === app.signaling.id) return ui.showError('That is your own ID.', 'input');
  const call = newCall(remoteId, 'caller');
  await app.mediaReady;
  call.localStream = app.media.stream;
  if (!call.ended) call.start();
}

async function answer() {
  const call = app.call;
  if (!call || call.phase !== 'ringing') return;
  ui.clearError();
  await app.mediaReady;
  call.localStream = app.media.stream;
  call.accept();
}

function newCall(remoteId, role, remoteIdentity = null) {
  const call = app.call = new Call({
    signaling: app.signaling,
    remoteId,
    remoteIdentity,
    role,
    config: { iceServers: app.signaling.iceServers, iceTransportPolicy: app.relayOnly ? 'relay' : 'all' },
    localStream: app.media ? app.media.stream : null,
  });
  app.stats = null;
  call.addEventListener('update', renderCall);
  call.addEventListener('remotetrack', (ev) => ui.showRemoteStream(ev.detail));
  call.addEventListener('icerestart', (ev) => {
    log('ICE restart:', ev.detail.reason);
    if (ev.detail.reason !== 'policy-change') ui.showNotice('The media connection was interrupted: restarting it (ICE restart)…');
  });
  call.addEventListener('ended', (ev) => {
    log('call with', remoteId, 'ended:', ev.detail.reason);
    const text = describeCallEnd(ev.detail.reason, remoteId);
    if (text) ui.showNotice(text);
    ui.showRemoteStream(null);
    ui.setPath('—', '—');
    renderCall();
  });
  renderCall();
  return call;
}

function renderCall() {
  const call = app.call;
  const phase = call ? call.phase : 'idle';
  ui.setCall(phase, call && call.remoteId, Boolean(app.signaling && app.signaling.ready),
    call && call.remoteIdentity);
  ui.setIce(call && !call.ended ? call.pc : null);
  if (call && phase === 'connected' && /restarting it/.test($('notice').textContent)) {
    ui.showNotice('The media connection is back.');
  }
}

async function refreshStats() {
  const call = app.call;
  if (!call || call.ended || !call.pc) return;
  const stats = await readStats(call.pc);
  const { path, pair } = describePath(stats);
  ui.setPath(path, pair);
  const kbps = inboundKbps(app.stats, stats);
  const size = stats.inbound.frameWidth ? `${stats.inbound.frameWidth}×${stats.inbound.frameHeight}, ` : '';
  ui.setInbound(stats.inbound.bytes ? `${size}${kbps} kbit/s` : 'nothing yet');
  app.stats = stats;
}

function onRelayOnlyChanged() {
  app.relayOnly = $('relay-only').checked;
  localStorage.setItem(RELAY_ONLY_KEY, String(app.relayOnly));
  if (app.call && !app.call.ended) app.call.setRelayOnly(app.relayOnly);
}

// The network changed: the signaling socket may be dead without knowing it,
// and the media path may be gone.
function onNetworkChange() {
  if (!app.signaling || !navigator.onLine) return;
  app.signaling.reconnectNow();
  app.signaling.checkAlive();
  if (app.call && !app.call.ended) app.call.networkChanged();
}

// Closing the page: hang up and leave cleanly so the other side knows now.
function leave() {
  if (!app.signaling) return;
  if (app.call && !app.call.ended) app.call.hangup();
  app.signaling.leave();
}

init();
