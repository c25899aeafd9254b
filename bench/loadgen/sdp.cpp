#include "bench/loadgen/sdp.hpp"

#include <array>
#include <random>

namespace switchboard::bench {
namespace {

constexpr std::string_view alphabet =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";

std::string random_token(std::mt19937& rng, std::size_t length) {
  std::string out(length, ' ');
  for (auto& c : out) c = alphabet[rng() % alphabet.size()];
  return out;
}

std::string fingerprint(std::mt19937& rng) {
  constexpr std::string_view hex = "0123456789ABCDEF";
  std::string out;
  for (int i = 0; i < 32; ++i) {
    if (i > 0) out += ':';
    out += hex[rng() % 16];
    out += hex[rng() % 16];
  }
  return out;
}

struct codec {
  std::string_view name;  // rtpmap encoding/clock
  std::string_view fmtp;  // empty = none
};

// Cycled until the SDP reaches its target size; rtx follows every video codec.
constexpr std::array<codec, 8> video_codecs{{
    {"VP8/90000", ""},
    {"VP9/90000", "profile-id=0"},
    {"VP9/90000", "profile-id=2"},
    {"H264/90000", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"},
    {"H264/90000", "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f"},
    {"H264/90000", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f"},
    {"AV1/90000", "level-idx=5;profile=0;tier=0"},
    {"H264/90000", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f"},
}};

void append_session(std::string& s, std::mt19937& rng) {
  s += "v=0\r\no=- " + std::to_string(rng()) + std::to_string(rng() % 100000) +
       " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
       "a=extmap-allow-mixed\r\na=msid-semantic: WMS bench-stream\r\n";
}

void append_transport(std::string& s, std::string_view mid, std::string_view type,
                      const std::string& ufrag, const std::string& pwd, const std::string& fp) {
  s += "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n";
  s += "a=ice-ufrag:" + ufrag + "\r\na=ice-pwd:" + pwd + "\r\na=ice-options:trickle\r\n";
  s += "a=fingerprint:sha-256 " + fp + "\r\n";
  s += type == "offer" ? "a=setup:actpass\r\n" : "a=setup:active\r\n";
  s += "a=mid:";
  s += mid;
  s += "\r\n";
}

void append_ssrc(std::string& s, std::uint32_t ssrc, std::string_view cname, std::string_view track) {
  const auto line = "a=ssrc:" + std::to_string(ssrc);
  s += line + " cname:" + std::string(cname) + "\r\n";
  s += line + " msid:bench-stream " + std::string(track) + "\r\n";
}

void append_audio(std::string& s, std::string_view type, const std::string& ufrag,
                  const std::string& pwd, const std::string& fp, std::mt19937& rng) {
  s += "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n";
  append_transport(s, "0", type, ufrag, pwd, fp);
  s += "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
       "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
       "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
       "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
       "a=sendrecv\r\na=msid:bench-stream bench-audio\r\na=rtcp-mux\r\n"
       "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n"
       "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
       "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\n"
       "a=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
       "a=rtpmap:13 CN/8000\r\na=rtpmap:110 telephone-event/48000\r\n"
       "a=rtpmap:126 telephone-event/8000\r\n";
  append_ssrc(s, static_cast<std::uint32_t>(rng()), "benchcname", "bench-audio");
}

void append_video_codec(std::string& s, const codec& c, int pt) {
  const auto p = std::to_string(pt);
  const auto rtx = std::to_string(pt + 1);
  s += "a=rtpmap:" + p + " " + std::string(c.name) + "\r\n";
  for (std::string_view fb : {"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"}) {
    s += "a=rtcp-fb:" + p + " " + std::string(fb) + "\r\n";
  }
  if (!c.fmtp.empty()) s += "a=fmtp:" + p + " " + std::string(c.fmtp) + "\r\n";
  s += "a=rtpmap:" + rtx + " rtx/90000\r\na=fmtp:" + rtx + " apt=" + p + "\r\n";
}

}  // namespace

std::string make_sdp(std::string_view type, std::size_t target_bytes, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const auto ufrag = random_token(rng, 4);
  const auto pwd = random_token(rng, 24);
  const auto fp = fingerprint(rng);
  std::string s;
  s.reserve(target_bytes + 1024);
  append_session(s, rng);
  append_audio(s, type, ufrag, pwd, fp, rng);
  std::string video;
  int pt = 96;
  // The m= line lists the payload types, so the codec block is built first.
  std::string payload_types;
  constexpr std::size_t tail_bytes = 260;  // the SSRC lines appended below
  for (std::size_t i = 0; pt < 126 && s.size() + video.size() + tail_bytes + 600 < target_bytes;
       ++i, pt += 2) {
    append_video_codec(video, video_codecs[i % video_codecs.size()], pt);
    for (const int type_number : {pt, pt + 1}) {
      payload_types += ' ';
      payload_types += std::to_string(type_number);
    }
  }
  s += "m=video 9 UDP/TLS/RTP/SAVPF" + payload_types + "\r\n";
  append_transport(s, "1", type, ufrag, pwd, fp);
  s += "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
       "a=extmap:13 urn:3gpp:video-orientation\r\n"
       "a=sendrecv\r\na=msid:bench-stream bench-video\r\na=rtcp-mux\r\na=rtcp-rsize\r\n";
  s += video;
  const auto ssrc = static_cast<std::uint32_t>(rng());
  s += "a=ssrc-group:FID " + std::to_string(ssrc) + " " + std::to_string(ssrc + 1) + "\r\n";
  append_ssrc(s, ssrc, "benchcname", "bench-video");
  append_ssrc(s, ssrc + 1, "benchcname", "bench-video");
  return s;
}

std::string make_candidate(std::size_t index, std::uint32_t seed) {
  std::mt19937 rng(seed + static_cast<std::uint32_t>(index));
  const auto foundation = std::to_string(rng());
  const auto port = std::to_string(40000 + rng() % 20000);
  const auto octet = std::to_string(10 + index % 200);
  const auto ufrag = random_token(rng, 4);
  const auto tail = " generation 0 ufrag " + ufrag + " network-id 1 network-cost 10";
  switch (index % 3) {
    case 0:
      return "candidate:" + foundation + " 1 udp 2122260223 192.0.2." + octet + " " + port +
             " typ host" + tail;
    case 1:
      return "candidate:" + foundation + " 1 udp 1686052607 198.51.100." + octet + " " + port +
             " typ srflx raddr 192.0.2." + octet + " rport " + port + tail;
    default:
      return "candidate:" + foundation + " 1 udp 41885439 198.51.100.200 " + port +
             " typ relay raddr 198.51.100." + octet + " rport " + port + tail;
  }
}

}  // namespace switchboard::bench
