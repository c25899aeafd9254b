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
    case 'rate-limited':
      return 'Too many messages in a short time: the server is slowing this page down.';
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
    default:
      return null;
  }
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
