// One call with one remote peer over an RTCPeerConnection.
//
// Negotiation follows the "perfect negotiation" pattern: the callee is the
// polite side (it rolls back its own offer when both offer at once), so
// either side may renegotiate at any time, which is what an ICE restart is.
//
// Phases: calling (our offer is out) | ringing (an offer waits for the user)
// | connecting | connected | reconnecting (ICE lost, restarting) | ended.
// Events: update (phase or ICE state changed), remotetrack [stream],
// icerestart [{reason}], ended [{reason}].
import { iceRestartDelayMs } from './timing.js';

const ANSWER_TIMEOUT_MS = 60_000;
const RECONNECT_TIMEOUT_MS = 15_000;  // per ICE restart attempt
const MAX_ICE_RESTARTS = 5;
const OFFER_LOST_AFTER_MS = 10_000;   // an offer unanswered this long was lost

export class Call extends EventTarget {
  // role: 'caller' or 'callee'; config: {iceServers, iceTransportPolicy};
  // remoteIdentity: who the server says the caller is (fromIdentity), or null.
  constructor({ signaling, remoteId, remoteIdentity = null, role, config, localStream }) {
    super();
    this.signaling = signaling;
    this.remoteId = remoteId;
    this.remoteIdentity = remoteIdentity;
    this.role = role;
    this.polite = role === 'callee';
    this.config = { ...config };
    this.localStream = localStream;
    this.phase = role === 'caller' ? 'calling' : 'ringing';
    this.pc = null;
    this.remoteStream = new MediaStream();
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.pendingOffer = null;
    this.pendingCandidates = [];
    this.restarts = 0;          // consecutive, reset once connected
    this.iceRestartCount = 0;   // all of this call
    this.restartWanted = false;
    this.everConnected = false;
    this.lastOffer = null;      // {at, generation}: when and on which connection
    this.timers = new Map();
    this.queue = Promise.resolve();  // remote messages, handled one at a time
  }

  get ended() { return this.phase === 'ended'; }

  // Caller: create the connection; the offer goes out on negotiationneeded.
  start() {
    this.createPeerConnection();
    for (const kind of ['audio', 'video']) {
      const track = this.localStream && this.localStream.getTracks().find((t) => t.kind === kind);
      // Without a local track, still ask to receive that kind.
      if (track) this.pc.addTrack(track, this.localStream);
      else this.pc.addTransceiver(kind, { direction: 'recvonly' });
    }
    this.armTimer('answer', ANSWER_TIMEOUT_MS, () => this.end('no-answer'));
  }

  // Callee: the user answered the offer that was ringing.
  accept() {
    if (this.phase !== 'ringing') return this.queue;
    this.setPhase('connecting');
    this.createPeerConnection();
    return this.enqueue(async () => {
      const pc = this.pc;
      await pc.setRemoteDescription(this.pendingOffer);
      // Send on the transceivers the offer created; adding new ones would
      // need a second negotiation that simpler clients do not handle.
      for (const track of this.localStream ? this.localStream.getTracks() : []) {
        const reusable = pc.getTransceivers().some((t) =>
          t.receiver.track.kind === track.kind && !t.sender.track && !t.stopped);
        if (reusable) pc.addTrack(track, this.localStream);
      }
      await pc.setLocalDescription();
      this.signal('answer', { answer: pc.localDescription.toJSON() });
      for (const c of this.pendingCandidates.splice(0)) await this.addCandidate(c);
    });
  }

  decline() {
    this.signal('hangup', { reason: 'declined' });
    this.end('declined-here');
  }

  hangup() {
    this.signal('hangup', { reason: 'hangup' });
    this.end('local-hangup');
  }

  // offer, answer, iceCandidate or hangup from this call's remote peer.
  handleSignal(msg) {
    return this.enqueue(() => this.onSignal(msg));
  }

  async onSignal(msg) {
    const data = msg.data || {};
    if (this.ended) return;
    if (msg.action === 'hangup') {
      this.end(this.phase === 'calling' || data.reason === 'declined' ? 'declined' : 'remote-hangup');
    } else if (msg.action === 'offer' || msg.action === 'answer') {
      const desc = toDescription(data[msg.action], msg.action);
      if (!desc) return;
      if (this.phase === 'ringing') {
        if (desc.type === 'offer') this.pendingOffer = desc;  // a newer offer replaces it
        return;
      }
      await this.onDescription(desc);
    } else if (msg.action === 'iceCandidate') {
      const candidate = toCandidate(data.candidate);
      if (!candidate) return;
      if (!this.pc || this.phase === 'ringing') this.pendingCandidates.push(candidate);
      else await this.addCandidate(candidate);
    }
  }

  async onDescription(desc) {
    const pc = this.pc;
    const collision = desc.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) return;
    try {
      await pc.setRemoteDescription(desc);  // rolls our own offer back on a collision
    } catch (err) {
      console.warn('switchboard: ignoring a description that does not apply', err);
      return;
    }
    if (desc.type === 'offer') {
      await pc.setLocalDescription();
      this.signal('answer', { answer: pc.localDescription.toJSON() });
    } else if (this.phase === 'calling') {
      this.clearTimer('answer');
      this.setPhase('connecting');
    }
  }

  async addCandidate(candidate) {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      if (!this.ignoreOffer) console.warn('switchboard: bad ICE candidate', err);
    }
  }

  createPeerConnection() {
    const pc = new RTCPeerConnection(this.config);
    this.pc = pc;
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.signal('iceCandidate', { candidate: candidate.toJSON() });
    };
    pc.onnegotiationneeded = async () => {
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        const how = this.signal('offer', { offer: pc.localDescription.toJSON() });
        const generation = this.signaling.generation + (how === 'queued' ? 1 : 0);
        this.lastOffer = { at: Date.now(), generation };
      } catch (err) {
        console.warn('switchboard: could not make an offer', err);
      } finally {
        this.makingOffer = false;
      }
    };
    pc.ontrack = ({ track }) => {
      if (!this.remoteStream.getTracks().includes(track)) this.remoteStream.addTrack(track);
      this.emit('remotetrack', this.remoteStream);
    };
    pc.oniceconnectionstatechange = () => this.onIceState();
    pc.onconnectionstatechange = () => this.emit('update');
    pc.onsignalingstatechange = () => this.emit('update');
  }

  onIceState() {
    if (this.ended) return;
    const s = this.pc.iceConnectionState;
    if (s === 'connected' || s === 'completed') {
      this.clearTimer('restart');
      this.clearTimer('reconnect');
      this.restarts = 0;
      this.everConnected = true;
      this.setPhase('connected');
    } else if (s === 'disconnected') {
      if (this.phase === 'connected') this.setPhase('reconnecting');
      if (!this.timers.has('restart')) {
        this.armTimer('restart', iceRestartDelayMs(this.polite), () => this.restartIce('ice-disconnected'));
      }
    } else if (s === 'failed') {
      this.restartIce('ice-failed');
    }
    this.emit('update');
  }

  // A new ICE negotiation (new credentials, new candidates) on the same
  // connection: media continues on the old path while the new one is found.
  restartIce(reason) {
    if (this.ended || !this.pc || this.phase === 'ringing') return;
    this.clearTimer('restart');
    if (!this.signaling.ready) {  // done when the signaling is back (onSignalingResumed)
      this.restartWanted = true;
      if (this.everConnected && !this.iceUp()) this.setPhase('reconnecting');
      return;
    }
    if (this.restarts >= MAX_ICE_RESTARTS) {
      this.end('connection-lost');
      return;
    }
    this.restarts += 1;
    this.iceRestartCount += 1;
    this.restartWanted = false;
    this.applyConfig();
    if (this.offerLost()) {
      // Take the lost offer back, so the restart can make a new one.
      this.enqueue(async () => {
        if (this.pc.signalingState === 'have-local-offer') await this.pc.setLocalDescription({ type: 'rollback' });
        this.pc.restartIce();
      });
    } else {
      this.pc.restartIce();  // after the answer to an offer in flight, if any
    }
    this.armTimer('reconnect', RECONNECT_TIMEOUT_MS, () => {
      if (!this.iceUp()) this.restartIce('timeout');
    });
    this.emit('icerestart', { reason });
  }

  onSignalingResumed() {
    if (this.ended || !this.pc) return;
    const s = this.pc.iceConnectionState;
    if (this.restartWanted || s === 'disconnected' || s === 'failed' || this.offerLost()) {
      this.restartIce('signaling-resumed');
    }
  }

  // Our offer is unanswered and went out on a connection that has died
  // since, or long ago: it (or its answer) was lost.
  offerLost() {
    if (!this.pc || this.pc.signalingState !== 'have-local-offer' || !this.lastOffer) return false;
    return this.lastOffer.generation < this.signaling.generation ||
      Date.now() - this.lastOffer.at > OFFER_LOST_AFTER_MS;
  }

  // The network may have changed (the browser came back online): find a
  // new path, keeping the old one until then.
  networkChanged() {
    if (this.pc && this.everConnected) this.restartIce('network-change');
  }

  setIceServers(iceServers) {
    this.config.iceServers = iceServers;
    this.applyConfig();
  }

  setRelayOnly(relayOnly) {
    this.config.iceTransportPolicy = relayOnly ? 'relay' : 'all';
    if (this.pc && this.phase !== 'ringing') this.restartIce('policy-change');
  }

  applyConfig() {
    if (!this.pc) return;
    try {
      this.pc.setConfiguration(this.config);
    } catch (err) {
      console.warn('switchboard: could not update the ICE configuration', err);
    }
  }

  iceUp() {
    const s = this.pc && this.pc.iceConnectionState;
    return s === 'connected' || s === 'completed';
  }

  end(reason) {
    if (this.ended) return;
    this.phase = 'ended';
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.pc) this.pc.close();
    this.emit('ended', { reason });
  }

  signal(action, fields) {
    return this.signaling.send({ action, data: { remoteId: this.remoteId, ...fields } });
  }

  enqueue(fn) {
    this.queue = this.queue.then(fn).catch((err) => {
      console.warn('switchboard: call setup failed', err);
      this.end('failed');
    });
    return this.queue;
  }

  setPhase(phase) {
    if (this.ended || this.phase === phase) return;
    this.phase = phase;
    this.emit('update');
  }

  armTimer(name, ms, fn) {
    this.clearTimer(name);
    this.timers.set(name, setTimeout(() => { this.timers.delete(name); fn(); }, ms));
  }

  clearTimer(name) {
    clearTimeout(this.timers.get(name));
    this.timers.delete(name);
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
}

// The protocol allows descriptions as objects or bare SDP strings.
export function toDescription(value, type) {
  if (typeof value === 'string') return { type, sdp: value };
  if (value && typeof value.sdp === 'string') return { type: value.type || type, sdp: value.sdp };
  return null;
}

// Candidates as RTCIceCandidateInit, a bare candidate line, or null (end of
// candidates, which needs no action).
export function toCandidate(value) {
  if (typeof value === 'string') return value ? { candidate: value, sdpMLineIndex: 0 } : null;
  if (value && typeof value.candidate === 'string') return value;
  return null;
}
