#pragma once
// Realistic WebRTC payloads for the benchmark: an audio + video SDP shaped like a
// browser's (BUNDLE, ICE, DTLS fingerprint, header extensions, codec list, SSRCs)
// and ICE candidate lines. Addresses come from the documentation ranges
// (192.0.2.0/24, 198.51.100.0/24): they are text in a payload, never dialled.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchboard::bench {

// An SDP of at least `target_bytes` (a few hundred bytes more at most).
// `seed` varies the ICE credentials, fingerprint and SSRCs.
std::string make_sdp(std::string_view type, std::size_t target_bytes, std::uint32_t seed);

// One "candidate:..." line; `index` cycles through host, srflx and relay candidates.
std::string make_candidate(std::size_t index, std::uint32_t seed);

}  // namespace switchboard::bench
