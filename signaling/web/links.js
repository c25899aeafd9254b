// Share links: "https://host/#call=ID" opens the page with the callee filled in.

export function shareLink(loc, id) {
  return `${loc.origin}${loc.pathname}#call=${encodeURIComponent(id)}`;
}

// The ID in a page's hash ("#call=ID"), or ''.
export function idFromHash(hash) {
  const m = /^#(?:.*&)?call=([^&]+)/.exec(hash || '');
  if (!m) return '';
  try { return decodeURIComponent(m[1]).trim(); } catch { return ''; }
}

// What the user typed or pasted into "Call an ID": a bare ID or a share link.
export function calleeFromInput(text) {
  const trimmed = (text || '').trim();
  const hash = trimmed.indexOf('#');
  return (hash >= 0 && idFromHash(trimmed.slice(hash))) || trimmed;
}
