// A TCP proxy in front of Switchboard that can fail like a network: cut()
// resets every connection (the browser sees the WebSocket drop with 1006,
// the server gets no close frame, so it keeps the peer's ID for the resume
// grace), and refuse(true) makes new connections fail until refuse(false).
import net from 'node:net';

export async function startProxy(targetPort) {
  const pairs = new Set();
  let refusing = false;
  let refused = 0;
  const server = net.createServer((client) => {
    if (refusing) {
      refused += 1;
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    get refused() { return refused; },
    cut() {
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    refuse(on) { refusing = on; },
    close() {
      this.cut();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
