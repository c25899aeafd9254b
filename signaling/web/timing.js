// Timing rules of the client, as pure functions so they can be tested
// without a browser (tests/e2e/client_unit.test.mjs).

// Delay before reconnect attempt number `attempt` (0 = first retry):
// exponential from 500 ms, capped at 10 s, with jitter in [50%, 100%] so a
// server restart does not bring every client back in the same millisecond.
export function backoffDelayMs(attempt, random = Math.random) {
  const base = 500;
  const cap = 10_000;
  const exp = Math.min(cap, base * 2 ** Math.min(attempt, 20));
  return Math.round(exp * (0.5 + random() / 2));
}

// When to ask for fresh TURN credentials, given their lifetime in seconds:
// at 80% of it, and at least a minute before they expire (never sooner than
// 5 s, so a server handing out tiny ttls cannot make the client spin).
export function refreshDelayMs(ttlSeconds) {
  const ttl = Number(ttlSeconds);
  if (!Number.isFinite(ttl) || ttl <= 0) return null;
  const seconds = Math.max(5, Math.min(ttl * 0.8, ttl - 60));
  return Math.round(seconds * 1000);
}

// How long an ICE connection may stay "disconnected" before this side
// restarts ICE. The impolite side (the caller) acts first; the polite side
// waits longer, so both rarely offer at once (perfect negotiation copes if
// they do).
export function iceRestartDelayMs(polite) {
  return polite ? 4000 : 1500;
}
