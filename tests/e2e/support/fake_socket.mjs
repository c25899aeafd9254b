// A WebSocket the unit tests open, feed and drop by hand (for
// signaling/web/signaling.js in node).
export class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.all.push(this);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close(code) { this.readyState = 3; this.closedWith = code; }
  open() { this.readyState = 1; this.onopen(); }
  receive(msg) { this.onmessage({ data: JSON.stringify(msg) }); }
  drop(code = 1006) { this.readyState = 3; if (this.onclose) this.onclose({ code }); }
}
