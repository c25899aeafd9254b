// The reference server for the benchmark: the PeerJS signaling server (npm `peer`)
// on 127.0.0.1, WebSocket at ws://127.0.0.1:PORT/peerjs.
// Usage: node peerjs-server.js PORT   (PORT 0 = let the kernel pick)
// Prints "peerjs listening on http://127.0.0.1:PORT" once it accepts connections.
'use strict';

const { PeerServer } = require('peer');

const requested = Number.parseInt(process.argv[2] ?? '0', 10);
if (!Number.isInteger(requested) || requested < 0 || requested > 65535) {
  console.error('usage: node peerjs-server.js PORT');
  process.exit(2);
}

const server = PeerServer(
  {
    host: '127.0.0.1',
    port: requested,
    path: '/',
    // The default of 5,000 clients would refuse the 10,000-connection run.
    concurrent_limit: 100000,
    // The benchmark's clients send no HEARTBEAT; keep them for the whole run
    // instead of the default 90 s (the idle sweep still runs every 300 ms).
    alive_timeout: 10 * 60 * 1000,
  },
  (http) => {
    console.log(`peerjs listening on http://127.0.0.1:${http.address().port}`);
  },
);

server.on('error', (err) => console.error(`peerjs error: ${err.message}`));

const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
