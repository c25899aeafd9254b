// Local camera and microphone, degrading instead of failing: audio and
// video, else whichever of the two works, else nothing (receive only).
import { describeMediaError } from './messages.js';

// Returns {stream, mode, problem}: mode is 'audio+video', 'audio', 'video'
// or 'receive-only'; problem is a sentence for the user, or null.
export async function openLocalMedia(devices = navigator.mediaDevices) {
  if (!devices || !devices.getUserMedia) {
    return { stream: null, mode: 'receive-only',
      problem: describeMediaError(new TypeError('no mediaDevices')) + ' You can still receive.' };
  }
  let firstError;
  try {
    const stream = await devices.getUserMedia({ audio: true, video: true });
    return { stream, mode: 'audio+video', problem: null };
  } catch (err) {
    firstError = err;
  }
  for (const [kind, what, missing] of [['audio', 'microphone', 'camera'], ['video', 'camera', 'microphone']]) {
    try {
      const stream = await devices.getUserMedia({ [kind]: true });
      return { stream, mode: kind,
        problem: `${describeMediaError(firstError, missing)} The call continues with the ${what} only.` };
    } catch { /* try the next one */ }
  }
  return { stream: null, mode: 'receive-only',
    problem: `${describeMediaError(firstError)} You can still call and see and hear the other side.` };
}

export function stopMedia(stream) {
  if (stream) for (const t of stream.getTracks()) t.stop();
}
