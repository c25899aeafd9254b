// Polling with a deadline: the only way these tests wait.

// Calls `probe` (sync or async) every `intervalMs` until it returns a truthy
// value, which is returned; throws naming `what` (and the last value seen)
// when `timeoutMs` passes first.
export async function waitUntil(probe, { timeoutMs = 15_000, intervalMs = 200, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${seen})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
