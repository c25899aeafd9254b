// The tutorial's client flow, rewritten from docs/protocol.md:
//   → {action:'start'}                          ← {action:'start', id}
//   → {action:'offer', data:{remoteId, offer}}  ← {action:'offer', data:{remoteId, offer}}
//   → {action:'answer', data:{remoteId, answer}}
//   → {action:'iceCandidate', data:{remoteId, candidate}}
// Everything else the server sends (iceServers, ttl, resumeToken, from,
// peerLeft, hangup) is ignored, as the tutorial does. Its two hard-coded
// settings, the signaling URL and the RTCPeerConnection configuration, are
// what a person following the tutorial edits; the test sets them here.
var SIGNALING_URL = window.TUTORIAL_SIGNALING_URL;
var RTC_CONFIG = window.TUTORIAL_RTC_CONFIG || { iceServers: [] };

var socket = new WebSocket(SIGNALING_URL);
var pc = null;
var localStream = null;
var remoteId = null;

window.tutorial = { received: [], get pc() { return pc; } };

function send(action, data) {
  socket.send(JSON.stringify(data ? { action: action, data: data } : { action: action }));
}

function createPeerConnection() {
  pc = new RTCPeerConnection(RTC_CONFIG);
  localStream.getTracks().forEach(function (track) { pc.addTrack(track, localStream); });
  pc.onicecandidate = function (event) {
    if (event.candidate) send('iceCandidate', { remoteId: remoteId, candidate: event.candidate });
  };
  pc.ontrack = function (event) {
    document.getElementById('remote').srcObject = event.streams[0];
  };
}

socket.onopen = function () { send('start'); };

socket.onmessage = function (event) {
  var message = JSON.parse(event.data);
  window.tutorial.received.push(message.action);
  if (message.action === 'start') {
    document.getElementById('my-id').textContent = message.id;
  } else if (message.action === 'offer') {
    remoteId = message.data.remoteId;
    createPeerConnection();
    pc.setRemoteDescription(message.data.offer)
      .then(function () { return pc.createAnswer(); })
      .then(function (answer) { return pc.setLocalDescription(answer); })
      .then(function () { send('answer', { remoteId: remoteId, answer: pc.localDescription }); });
  } else if (message.action === 'answer') {
    pc.setRemoteDescription(message.data.answer);
  } else if (message.action === 'iceCandidate') {
    pc.addIceCandidate(message.data.candidate);
  }
};

document.getElementById('call').onclick = function () {
  remoteId = document.getElementById('remote-id').value;
  createPeerConnection();
  pc.createOffer()
    .then(function (offer) { return pc.setLocalDescription(offer); })
    .then(function () { send('offer', { remoteId: remoteId, offer: pc.localDescription }); });
};

navigator.mediaDevices.getUserMedia({ video: true, audio: true }).then(function (stream) {
  localStream = stream;
  document.getElementById('local').srcObject = stream;
});
