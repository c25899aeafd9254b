// Minimal client: connects to the signaling WebSocket on this page's own
// host, says start, and shows the peer ID it is given.
(() => {
  'use strict';
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/ws`);
  const $ = (id) => document.getElementById(id);

  ws.onopen = () => {
    $('state').textContent = 'connected';
    ws.send(JSON.stringify({ action: 'start' }));
  };
  ws.onmessage = ({ data }) => {
    const msg = JSON.parse(data);
    if (msg.action === 'start') {
      $('peer-id').textContent = msg.id;
      $('ice-count').textContent = String((msg.iceServers || []).length);
      $('ttl').textContent = String(msg.ttl);
      $('ice').hidden = false;
    } else if (msg.action === 'error') {
      $('error').textContent = `${msg.code}: ${msg.message}`;
      $('error').hidden = false;
    }
  };
  ws.onclose = (ev) => { $('state').textContent = `disconnected (${ev.code})`; };
})();
