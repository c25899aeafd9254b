// The page's DOM: what app.js shows, and nothing about WebRTC.
export const $ = (id) => document.getElementById(id);

function setText(id, text) { $(id).textContent = text; }

export function showError(text, code = '') {
  const e = $('error');
  e.textContent = text;
  e.dataset.code = code;
  e.hidden = !text;
}

export function clearError() { showError(''); }

export function showNotice(text) {
  $('notice').textContent = text || '';
  $('notice').hidden = !text;
}

const SIGNALING_TEXT = {
  idle: 'not connected',
  connecting: 'connecting…',
  ready: 'connected',
  reconnecting: 'connection lost: reconnecting…',
  closed: 'disconnected',
};

export function setSignaling(state, detail = {}) {
  let text = SIGNALING_TEXT[state] || state;
  if (state === 'reconnecting' && detail.retryInMs !== undefined) {
    text = `connection lost: reconnecting in ${(detail.retryInMs / 1000).toFixed(1)} s (attempt ${detail.attempt})`;
  }
  setText('st-signaling', text);
  const badge = $('signaling-badge');
  badge.dataset.state = state;
  badge.textContent = state === 'ready' ? 'online' : SIGNALING_TEXT[state] ? state : 'offline';
}

// identity: the `sub` of this page's token (auth.mode: jwt), or null.
export function showIdentity(id, link, identity = null) {
  $('start-box').hidden = true;
  $('me').hidden = false;
  $('signed-in').hidden = !identity;
  setText('my-identity', identity || '');
  setText('my-id', id);
  $('share-link').href = link;
  setText('share-link', link);
}

// Not signed in (the token was refused): Start tries again.
export function showSignedOut() {
  $('start-box').hidden = false;
  $('start').disabled = false;
  $('me').hidden = true;
}

const CALL_TEXT = {
  idle: 'no call',
  calling: 'calling %s…',
  ringing: '%s is calling',
  connecting: 'connecting to %s…',
  connected: 'in a call with %s',
  reconnecting: 'reconnecting to %s…',
  ended: 'call ended',
};

// phase: idle or a Call phase; ready: whether signaling can place a call;
// identity: who the server says the other side is (fromIdentity), or null.
export function setCall(phase, remoteId, ready, identity = null) {
  const who = identity ? `${identity} (${remoteId})` : remoteId || '';
  $('st-call').textContent = (CALL_TEXT[phase] || phase).replace('%s', () => who);
  $('st-call').dataset.phase = phase;
  const active = phase !== 'idle' && phase !== 'ended';
  $('call').disabled = !ready || active;
  $('hangup').disabled = !active || phase === 'ringing';
  $('callee').disabled = active;
  $('incoming').hidden = phase !== 'ringing';
  if (phase === 'ringing') {
    setText('caller-id', remoteId);
    setText('caller-identity', identity || '');
    $('caller-identity').hidden = !identity;
  }
  $('remote-placeholder').textContent = active ? CALL_TEXT[phase].replace('%s', () => who) : 'No call';
}

export function setIce(pc) {
  setText('st-ice', pc ? `${pc.iceConnectionState} (connection ${pc.connectionState})` : '—');
}

export function setPath(path, pair) {
  setText('st-path', path);
  setText('st-pair', pair);
}

export function setInbound(text) { setText('st-inbound', text); }
export function setLocalMode(text) { setText('st-media', text); }
export function setTurn(text) { setText('st-turn', text); }

export function showRemoteStream(stream) {
  const v = $('remote-video');
  if (v.srcObject !== stream) v.srcObject = stream;
  $('remote-placeholder').hidden = Boolean(stream);
  if (!stream) return;
  // Autoplay with sound needs a user gesture; offer a button if refused.
  v.play().then(() => { $('play-remote').hidden = true; }, () => { $('play-remote').hidden = false; });
}

export function showLocalStream(stream) {
  $('local-video').srcObject = stream;
  $('local-video').hidden = !stream || stream.getVideoTracks().length === 0;
}

export async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const range = document.createRange();  // clipboard API refused: select it for the user
    range.selectNodeContents(button.previousElementSibling);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    return;
  }
  const label = button.textContent;
  button.textContent = 'Copied';
  setTimeout(() => { button.textContent = label; }, 1500);
}
