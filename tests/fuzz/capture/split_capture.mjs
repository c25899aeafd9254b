// Turns the client bytes of one recorded connection into fuzz seeds:
// [target, file name, bytes] for corpus/<target>/<file name>.
//   http_request: the HTTP requests as sent (a keep-alive connection whole,
//                 or the WebSocket upgrade request);
//   ws_frame:     the connection's frames after the upgrade, whole, and the
//                 first frame of each kind (per action for text frames);
//   protocol:     the text frames' JSON, the first two of each action.
const OPCODES = { 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

// Client frames from the front of `bytes`: {bytes, opcode, payload (unmasked)}.
export function clientFrames(bytes) {
  const frames = [];
  let pos = 0;
  while (bytes.length - pos >= 2) {
    const b1 = bytes[pos + 1];
    let len = b1 & 0x7f;
    let at = pos + 2;
    if (len === 126) { len = bytes.readUInt16BE(at); at += 2; }
    else if (len === 127) { len = Number(bytes.readBigUInt64BE(at)); at += 8; }
    const mask = (b1 & 0x80) ? bytes.subarray(at, at + 4) : null;
    if (mask) at += 4;
    if (at + len > bytes.length) break;
    const payload = Buffer.from(bytes.subarray(at, at + len));
    if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
    frames.push({ bytes: bytes.subarray(pos, at + len), opcode: bytes[pos] & 0x0f, payload });
    pos = at + len;
  }
  return frames;
}

function frameKind(frame) {
  const kind = OPCODES[frame.opcode] || `op${frame.opcode}`;
  if (kind !== 'text') return kind;
  try {
    return `text-${JSON.parse(frame.payload.toString('utf8')).action}`;
  } catch {
    return 'text-unparsed';
  }
}

export function seedsFromConnection(stream, index) {
  const end = stream.indexOf('\r\n\r\n');
  if (end < 0) return [];
  const head = stream.subarray(0, end + 4);
  if (!/^upgrade:\s*websocket/im.test(head.toString('latin1'))) {
    return [['http_request', `chromium-conn${index}-requests`, stream]];
  }
  const seeds = [['http_request', `chromium-conn${index}-upgrade`, head]];
  const rest = stream.subarray(end + 4);
  if (rest.length === 0) return seeds;
  seeds.push(['ws_frame', `chromium-conn${index}-stream`, rest]);
  const perKind = new Map();
  for (const frame of clientFrames(rest)) {
    const kind = frameKind(frame);
    const seen = perKind.get(kind) || 0;
    perKind.set(kind, seen + 1);
    if (seen === 0) seeds.push(['ws_frame', `chromium-conn${index}-${kind}`, frame.bytes]);
    if (frame.opcode === 1 && seen < 2) {
      seeds.push(['protocol', `chromium-conn${index}-${kind.slice(5)}-${seen}`, frame.payload]);
    }
  }
  return seeds;
}
