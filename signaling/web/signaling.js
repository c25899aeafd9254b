// The signaling connection: one WebSocket to Switchboard that outlives
// network drops. It reconnects with backoff, resumes its peer ID with the
// resume token, keeps what the app sends while it is down (bounded) and asks
// for fresh TURN credentials before they expire. Protocol: docs/protocol.md.
//
// Events (CustomEvent, details in brackets):
//   state      [{state, attempt, retryInMs, closeCode}] state is one of
//              connecting | ready | reconnecting | closed
//   ready      [{id, resumed, previousId}] after every start reply
//   iceservers [{iceServers, ttl}] credentials from start or a refresh
//   message    [msg] anything for the app (offer, answer, iceCandidate,
//              hangup, peerLeft)
//   servererror [msg] an `error` reply (resume-failed is handled here first)
//   autherror  [{code, message}] the access token was refused
//              (`unauthorized`) or could not be had (`token-unavailable`);
//              the connection is then closed for good (state closed)
//
// With a token source (auth.js) every fresh start carries a token; a resume
// never needs one. A refused token is retried once with a new one when the
// source can make one (a token URL), and is final otherwise.
import { backoffDelayMs, refreshDelayMs } from './timing.js';

const OUTBOX_LIMIT = 256;          // messages kept while reconnecting
const LIVENESS_TIMEOUT_MS = 5000;  // an unanswered probe means a dead socket
const CLOSE_ABANDONED = 4100;      // not 1000/1001: the server keeps our ID

// ws: on http, wss: on https, same host and port as the page.
export function signalingUrl(loc = location, path = '/ws') {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${path}`;
}

export class Signaling extends EventTarget {
  // tokens: a TokenSource (auth.js), or null for `auth.mode: none`.
  constructor(url, { WebSocketImpl = WebSocket, tokens = null } = {}) {
    super();
    this.url = url;
    this.WebSocketImpl = WebSocketImpl;
    this.tokens = tokens && tokens.configured ? tokens : null;
    this.authRetried = false;  // a refused token was replaced once already
    this.ws = null;
    this.state = 'idle';
    this.id = null;
    this.resumeToken = null;
    this.iceServers = [];
    this.ttl = 0;
    this.iceServersAt = 0;  // Date.now() when the current credentials arrived
    this.attempt = 0;
    this.generation = 0;  // start replies so far
    this.outbox = [];
    this.reconnectTimer = 0;
    this.refreshTimer = 0;
    this.livenessTimer = 0;
  }

  get ready() { return this.state === 'ready'; }

  connect() {
    if (this.ws || this.state === 'ready') return;
    this.setState(this.id ? 'reconnecting' : 'connecting');
    const ws = new this.WebSocketImpl(this.url);
    this.ws = ws;
    ws.onopen = () => this.sendStart(ws);
    ws.onmessage = (ev) => this.onMessage(ev.data);
    ws.onclose = (ev) => this.onClose(ws, ev.code);
  }

  // Leaving for good: a clean close, so our contacts get peerLeft at once.
  leave() {
    this.setState('closed');
    this.clearTimers();
    if (this.ws) this.ws.close(1000, 'bye');
    this.ws = null;
  }

  // Sends now ('sent'), or keeps the message for after the reconnect
  // ('queued'); false when it had to be dropped. A message sent just before
  // the connection died may still be lost: `generation` (one per start
  // reply) tells the caller which connection carried it.
  send(msg) {
    if (this.state === 'ready' && this.ws && this.ws.readyState === 1) {
      this.ws.send(JSON.stringify(msg));
      return 'sent';
    }
    if (this.state === 'closed' || this.outbox.length >= OUTBOX_LIMIT) return false;
    this.outbox.push(msg);
    return 'queued';
  }

  requestIceServers() { this.send({ action: 'iceServers' }); }

  // After a network change the socket may look open but be dead (no FIN ever
  // arrives). Ask the server something; without an answer, drop the socket
  // and reconnect, which resumes our ID.
  checkAlive() {
    if (!this.ready || this.livenessTimer) return;
    const ws = this.ws;
    this.livenessTimer = setTimeout(() => {
      this.livenessTimer = 0;
      if (ws !== this.ws) return;
      ws.onclose = null;
      try { ws.close(CLOSE_ABANDONED, 'no reply'); } catch { /* already closing */ }
      this.onClose(ws, 1006);
    }, LIVENESS_TIMEOUT_MS);
    this.requestIceServers();
  }

  sendStart(ws) {
    const resume = this.id && this.resumeToken ? { id: this.id, token: this.resumeToken } : null;
    if (resume) ws.send(JSON.stringify({ action: 'start', data: { resume } }));
    else this.sendFreshStart(ws);
  }

  // A start for a new ID: plain, or with a token (fetched first when it
  // comes from a token URL; the socket may be gone by then).
  async sendFreshStart(ws, { refused = false } = {}) {
    if (!this.tokens) {
      ws.send(JSON.stringify({ action: 'start' }));
      return;
    }
    let token;
    try {
      token = await this.tokens.get({ refused });
    } catch (err) {
      if (ws === this.ws) this.failAuth({ code: 'token-unavailable', message: err.message });
      return;
    }
    if (ws !== this.ws || ws.readyState !== 1) return;
    ws.send(JSON.stringify(token ? { action: 'start', data: { token } } : { action: 'start' }));
  }

  // `unauthorized` to our start: one more try with a new token if the source
  // can make one, else give up (the same token would be refused again).
  onUnauthorized(msg) {
    if (this.tokens && this.tokens.refreshable && !this.authRetried && this.ws) {
      this.authRetried = true;
      this.sendFreshStart(this.ws, { refused: true });
      return;
    }
    this.failAuth({ code: msg.code, message: msg.message || '' });
  }

  // Final: close (cleanly: there is no ID to keep) and say why.
  failAuth(detail) {
    this.leave();
    this.emit('autherror', detail);
  }

  onMessage(text) {
    let msg;
    try { msg = JSON.parse(text); } catch { return; }
    if (!msg || typeof msg !== 'object') return;
    clearTimeout(this.livenessTimer);
    this.livenessTimer = 0;
    switch (msg.action) {
      case 'start': return this.onStarted(msg);
      case 'iceServers': return this.setIceServers(msg.iceServers, msg.ttl);
      case 'error':
        if (msg.code === 'resume-failed') return this.onResumeFailed();
        if (msg.code === 'unauthorized' && msg.ref === 'start') return this.onUnauthorized(msg);
        return this.emit('servererror', msg);
      default: return this.emit('message', msg);
    }
  }

  onStarted(msg) {
    const previousId = this.id;
    this.id = msg.id;
    this.resumeToken = msg.resumeToken || null;
    this.attempt = 0;
    this.authRetried = false;
    this.generation += 1;
    const resumed = msg.resumed === true && previousId === msg.id;
    // Messages kept for an ID we no longer have would reach nobody we know.
    if (previousId && !resumed) this.outbox = [];
    this.setIceServers(msg.iceServers, msg.ttl);
    this.setState('ready');
    const pending = this.outbox;
    this.outbox = [];
    for (const m of pending) this.send(m);
    this.emit('ready', { id: msg.id, resumed, previousId });
  }

  // The grace period ran out (or the server restarted): get a new ID.
  onResumeFailed() {
    this.resumeToken = null;
    if (this.ws && this.ws.readyState === 1) this.sendFreshStart(this.ws);
  }

  setIceServers(list, ttl) {
    this.iceServers = Array.isArray(list) ? list : [];
    this.ttl = Number(ttl) || 0;
    this.iceServersAt = Date.now();
    clearTimeout(this.refreshTimer);
    const delay = refreshDelayMs(this.ttl);
    if (delay !== null) this.refreshTimer = setTimeout(() => this.requestIceServers(), delay);
    this.emit('iceservers', { iceServers: this.iceServers, ttl: this.ttl });
  }

  onClose(ws, code) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.clearTimers();
    if (this.state === 'closed') return;
    if (code === 4000) {  // our ID was resumed elsewhere: do not fight over it
      this.setState('closed', { closeCode: code });
      return;
    }
    const retryInMs = backoffDelayMs(this.attempt++);
    this.setState('reconnecting', { attempt: this.attempt, retryInMs, closeCode: code });
    this.reconnectTimer = setTimeout(() => { this.reconnectTimer = 0; this.connect(); }, retryInMs);
  }

  // Reconnect now instead of waiting for the backoff (e.g. the browser came
  // back online).
  reconnectNow() {
    if (this.state !== 'reconnecting' || this.ws) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = 0;
    this.connect();
  }

  clearTimers() {
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.refreshTimer);
    clearTimeout(this.livenessTimer);
    this.reconnectTimer = this.refreshTimer = this.livenessTimer = 0;
  }

  setState(state, extra = {}) {
    this.state = state;
    this.emit('state', { state, attempt: this.attempt, ...extra });
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
}
