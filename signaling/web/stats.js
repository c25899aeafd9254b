// What the connection is doing, from RTCPeerConnection.getStats(): the
// selected candidate pair (relayed or direct) and the media received.

export async function readStats(pc) {
  const report = await pc.getStats();
  let pair = null;
  const inbound = { bytes: 0, videoBytes: 0, framesDecoded: 0, frameWidth: 0, frameHeight: 0 };
  report.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId) || pair;
    if (s.type === 'inbound-rtp') {
      inbound.bytes += s.bytesReceived || 0;
      if (s.kind === 'video') {
        inbound.videoBytes += s.bytesReceived || 0;
        inbound.framesDecoded += s.framesDecoded || 0;
        inbound.frameWidth = Math.max(inbound.frameWidth, s.frameWidth || 0);
        inbound.frameHeight = Math.max(inbound.frameHeight, s.frameHeight || 0);
      }
    }
  });
  if (!pair) {  // browsers without transport stats mark the pair itself
    report.forEach((s) => {
      if (s.type === 'candidate-pair' && (s.selected || (s.nominated && s.state === 'succeeded'))) pair = s;
    });
  }
  const local = pair ? report.get(pair.localCandidateId) : null;
  const remote = pair ? report.get(pair.remoteCandidateId) : null;
  return {
    at: Date.now(),
    pairId: pair ? pair.id : null,
    localType: local ? local.candidateType : null,
    remoteType: remote ? remote.candidateType : null,
    protocol: local ? local.protocol : null,
    relayProtocol: local ? local.relayProtocol || null : null,
    relayed: Boolean(local && remote && (local.candidateType === 'relay' || remote.candidateType === 'relay')),
    inbound,
  };
}

// "relayed through TURN (relay ↔ relay, udp)" or "direct (host ↔ srflx, udp)".
export function describePath(stats) {
  if (!stats || !stats.pairId) return { path: 'not connected', pair: '—' };
  const pair = `${stats.localType} ↔ ${stats.remoteType}${stats.protocol ? `, ${stats.protocol}` : ''}`;
  return { path: stats.relayed ? 'relayed through TURN' : 'direct (peer to peer)', pair };
}

// Received bitrate between two readings, in kbit/s.
export function inboundKbps(previous, current) {
  if (!previous || !current || current.at <= previous.at) return 0;
  const bits = (current.inbound.bytes - previous.inbound.bytes) * 8;
  return Math.max(0, Math.round(bits / (current.at - previous.at)));
}
