// The processes a test started, from /proc: so a suite can prove it left
// none behind (a zombie counts as gone: its parent or init reaps it).
import { readdirSync, readFileSync } from 'node:fs';

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    return { pid: Number(pid), comm: text.slice(text.indexOf('(') + 1, close), state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

export function alive(pid) {
  const s = stat(pid);
  return Boolean(s && s.state !== 'Z');
}

// Every live descendant of `root`.
export function descendants(root = process.pid) {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(stat).filter(Boolean);
  const found = [];
  let frontier = [root];
  while (frontier.length) {
    const next = all.filter((p) => frontier.includes(p.ppid) && p.state !== 'Z');
    found.push(...next);
    frontier = next.map((p) => p.pid);
  }
  return found;
}
