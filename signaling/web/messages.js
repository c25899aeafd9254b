// Everything the client says to its user about failures, in one place.
// Protocol error codes and close codes come from docs/protocol.md.

// `error` replies from Switchboard. `context.remoteId` is the peer the failed
// message was for, when the client knows it.
export function describeServerError(err, context = {}) {
  const who = context.remoteId ? `“${context.remoteId}”` : 'that ID';
  switch (err.code) {
    case 'peer-not-found':
      return `No one with ID ${who} is online. The ID may be mistyped, or they closed their page ` +
        '(an ID lasts as long as its page is open).';
    case 'queue-full':
      return 'The other side is reconnecting and cannot take more messages right now. Try again in a moment.';
    case 'unavailable':
      return 'The other side is connected to another server, which cannot be reached right now. ' +
        'Try again in a few seconds.';
    case 'rate-limited':
      if (err.ref === 'start') {
        return 'The server is not giving this page an ID right now: too many pages open with your ' +
          'account, too many from this network, or too many failed sign-ins ' +
          `(server's reason: ${err.message || 'none given'}).`;
      }
      return 'Too many messages in a short time: the server is slowing this page down.';
    case 'unauthorized':
    case 'token-unavailable':
      return describeAuthError(err);
    case 'resume-failed':
      return 'The connection to the server was down for too long: this page has a new ID.';
    case 'too-large':
      return 'A message was too large for the server.';
    case 'not-started':
      return 'Not connected to the server yet.';
    case 'internal':
      return 'The server had an internal error. Try again.';
    default:
      return `The server refused a message (${err.code}: ${err.message || 'no details'}).`;
  }
}

// Why the signaling WebSocket closed, or null when it needs no explanation
// (the client reconnects and says so on its own).
export function describeClose(code) {
  switch (code) {
    case 1001:
      return 'The server is restarting.';
    case 1009:
      return 'The server closed the connection: a message was too large.';
    case 1011:
      return 'The server closed the connection after an internal error.';
    case 4000:
      return 'This ID is now in use in another tab or window. Reload this page to get a new ID.';
    case 4001:
      return 'The server closed the connection because this page fell behind reading its messages.';
    case 4002:
      return 'The server closed the connection because this page did not sign in in time.';
    default:
      return null;
  }
}

// Why the server refused this page's access token (`unauthorized`), from the
// reason in its message (docs/protocol.md), or why no token could be had
// (code 'token-unavailable', from the client itself). The server's reason is
// quoted as it is: it names what failed, never the token.
const AUTH_REASONS = [
  [/expired/i, 'your access token has expired.'],
  [/not (yet )?valid|in the future|\bnbf\b|not before/i, 'your access token is not valid yet (is this computer\'s clock right?).'],
  [/audience|\baud\b/i, 'your access token was made for another service.'],
  [/issuer|\biss\b/i, 'your access token comes from an issuer this server does not trust.'],
  [/lifetime|too long/i, 'your access token is valid for longer than this server allows.'],
  [/signature|unknown key|no key|\bkid\b|match the key/i, 'your access token is not signed by a key this server knows.'],
  [/no token|token (is )?(missing|required)|missing token/i, 'this page has no access token.'],
];

export function describeAuthError(err) {
  const reason = (err && err.message) || '';
  if (err && err.code === 'token-unavailable') {
    return `Could not get an access token for this page: ${reason || 'no details'}. Sign in again, then press Start.`;
  }
  const found = AUTH_REASONS.find(([re]) => re.test(reason));
  const what = found ? found[1] : 'your access token was refused.';
  return `Not signed in: ${what} Open this page again from the link or site that gave you access ` +
    `(server's reason: ${reason || 'none given'}).`;
}

// getUserMedia failures (DOMException names).
export function describeMediaError(err, what = 'camera and microphone') {
  switch (err && err.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `Access to the ${what} was denied. Allow it in the browser's site settings to send it.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No ${what} found.`;
    case 'NotReadableError':
    case 'AbortError':
      return `The ${what} could not be started (is another application using it?).`;
    case 'TypeError':
      return `This page cannot use the ${what}: it must be opened over https.`;
    default:
      return `The ${what} could not be used (${(err && err.message) || err}).`;
  }
}

// Why a call ended, for the person on this side.
export function describeCallEnd(reason, remoteId) {
  const who = `“${remoteId}”`;
  switch (reason) {
    case 'local-hangup': return 'You hung up.';
    case 'declined-here': return `You declined the call from ${who}.`;
    case 'remote-hangup': return `${who} hung up.`;
    case 'declined': return `${who} declined the call or is busy.`;
    case 'peer-left': return `${who} left (their page was closed or lost its connection).`;
    case 'not-found': return null;  // reported as an error instead
    case 'no-answer': return `${who} did not answer.`;
    case 'connection-lost': return 'The connection to the other side was lost and could not be restored.';
    case 'signaling-lost': return 'The connection to the server was down for too long: the call ended.';
    case 'failed': return 'The call could not be set up.';
    default: return 'The call ended.';
  }
}
