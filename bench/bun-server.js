// A reference server for the benchmark: the tutorial protocol (docs/protocol.md, the subset
// switchboard_loadgen uses) on Bun's built-in WebSocket server, which is uWebSockets underneath.
// Written for the benchmark, not for use: no auth, no limits, no resume, no TURN credentials.
// It does what a relay must do per message, as Switchboard does: parse the JSON, find the
// target in an O(1) map, stamp `from`, serialise, send.
// Usage: bun bun-server.js PORT   (PORT 0 = let the kernel pick)
// Prints "bun listening on http://127.0.0.1:PORT" once it accepts connections.

const requested = Number.parseInt(process.argv[2] ?? '0', 10);
if (!Number.isInteger(requested) || requested < 0 || requested > 65535) {
  console.error('usage: bun bun-server.js PORT');
  process.exit(2);
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const ID_LENGTH = 21; // as Switchboard's: the map hashes strings of the same length
const RELAYED = new Set(['offer', 'answer', 'iceCandidate', 'hangup']);
const peers = new Map(); // id -> ServerWebSocket

function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(ID_LENGTH));
  let id = '';
  for (const b of bytes) id += ID_ALPHABET[b & 63];
  return peers.has(id) ? newId() : id;
}

function error(ws, code, message, ref) {
  ws.send(JSON.stringify({ action: 'error', code, message, ref }));
}

function start(ws) {
  if (ws.data.id) return error(ws, 'bad-request', 'already started', 'start');
  ws.data.id = newId();
  peers.set(ws.data.id, ws);
  ws.send(JSON.stringify({ action: 'start', id: ws.data.id }));
}

function relay(ws, msg) {
  const from = ws.data.id;
  if (!from) return error(ws, 'not-started', 'send start first', msg.action);
  const data = msg.data;
  if (typeof data !== 'object' || data === null || typeof data.remoteId !== 'string') {
    return error(ws, 'bad-request', 'data.remoteId must be a non-empty string', msg.action);
  }
  const target = peers.get(data.remoteId);
  if (target === undefined) return error(ws, 'peer-not-found', 'no such peer', msg.action);
  // As docs/protocol.md: the offer's remoteId becomes the caller, the others lose it.
  if (msg.action === 'offer') data.remoteId = from;
  else delete data.remoteId;
  data.from = from;
  target.send(JSON.stringify({ action: msg.action, from, data }));
}

function onMessage(ws, text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch {
    return error(ws, 'bad-request', 'not JSON');
  }
  if (typeof msg !== 'object' || msg === null) return error(ws, 'bad-request', 'not an object');
  if (msg.action === 'start') return start(ws);
  if (RELAYED.has(msg.action)) return relay(ws, msg);
  return error(ws, 'unknown-action', 'unknown action', String(msg.action).slice(0, 64));
}

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: requested,
  fetch(req, srv) {
    if (new URL(req.url).pathname === '/ws' && srv.upgrade(req, { data: { id: '' } })) return;
    return new Response('not found', { status: 404 });
  },
  websocket: {
    maxPayloadLength: 64 * 1024, // Switchboard's server.max_message_bytes
    idleTimeout: 960, // the longest Bun allows: the benchmark's idle phase sends nothing
    perMessageDeflate: false,
    message: onMessage,
    close(ws) {
      if (ws.data.id && peers.get(ws.data.id) === ws) peers.delete(ws.data.id);
    },
  },
});

console.log(`bun listening on http://127.0.0.1:${server.port}`);

const stop = () => {
  server.stop(true);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
