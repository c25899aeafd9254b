// Where the page's access token (a JWT for `auth.mode: jwt`) comes from, as
// pure functions plus one small class, so node can test them
// (tests/e2e/client_unit.test.mjs). See docs/auth.md and docs/client.md.
//
// Two sources, tried in this order:
//   1. the page URL's fragment, `#token=<JWT>` (it may sit next to
//      `call=<ID>`, separated by `&`): read once, then removed from the
//      visible URL so a copied or shared link never carries it;
//   2. a token URL named by `<meta name="switchboard-token-url" content="/token">`:
//      fetched with the page's cookies for every fresh start; the answer is
//      JSON `{"token":"..."}` or the token as plain text.
// Without either the page sends a plain start, as with `auth.mode: none`.
// The token is never logged; it stays in memory and, for a fragment token,
// in sessionStorage (this tab only) so that reloading the page keeps working.

export const TOKEN_URL_META = 'switchboard-token-url';
export const SESSION_KEY = 'switchboard.token';
const MAX_TOKEN_CHARS = 8192;  // the server's bound (8 KiB)
const MAX_IDENTITY_CHARS = 128;  // shown, not trusted for layout

// Splits a fragment ("#a=1&b=2") into [key, value] pairs, values still encoded.
function hashParams(hash) {
  const body = (hash || '').replace(/^#/, '');
  if (!body) return [];
  return body.split('&').map((part) => {
    const eq = part.indexOf('=');
    return eq < 0 ? [part, null] : [part.slice(0, eq), part.slice(eq + 1)];
  });
}

// The token in a fragment ("#token=...", "#call=ID&token=..."), or ''.
export function tokenFromHash(hash) {
  const found = hashParams(hash).find(([key, value]) => key === 'token' && value);
  if (!found) return '';
  try { return decodeURIComponent(found[1]).trim(); } catch { return ''; }
}

// The same fragment without its token ('' when nothing else is left).
export function hashWithoutToken(hash) {
  const rest = hashParams(hash).filter(([key]) => key !== 'token');
  if (!rest.length) return '';
  return `#${rest.map(([key, value]) => (value === null ? key : `${key}=${value}`)).join('&')}`;
}

// A token endpoint's answer → the token. JSON {"token": "..."} or plain text.
export function tokenFromResponseText(text) {
  const trimmed = (text || '').trim();
  let token = trimmed;
  if (trimmed.startsWith('{')) {
    let parsed = null;
    try { parsed = JSON.parse(trimmed); } catch { /* falls through to the error below */ }
    token = parsed && typeof parsed.token === 'string' ? parsed.token.trim() : '';
  }
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token) || token.length > MAX_TOKEN_CHARS) {
    throw new Error('the token URL did not answer with a token');
  }
  return token;
}

// The claims of a token, decoded but NOT verified (the server verifies):
// only for showing "signed in as …". null when it cannot be read.
export function unverifiedClaims(token) {
  const part = (token || '').split('.')[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

// Who is calling, by the offer's top-level `fromIdentity`: the server sets
// it from the caller's token (auth.mode: jwt). The copy inside `data` is not
// used: in `data`, a sender could have written it. null when absent.
export function identityFromOffer(msg) {
  const who = msg && msg.fromIdentity;
  return typeof who === 'string' && who ? who.slice(0, MAX_IDENTITY_CHARS) : null;
}

// Where this page's tokens come from. get() resolves to a token, or null
// when the page has no token source (then start carries none).
export class TokenSource {
  // {token} for a fixed token (the fragment), {url, fetchImpl} for a token URL.
  constructor({ token = '', url = '', fetchImpl = (...args) => globalThis.fetch(...args) } = {}) {
    this.token = token;
    this.url = url;
    this.fetchImpl = fetchImpl;
    this.identity = this.subjectOf(token);  // "signed in as", for display only
  }

  subjectOf(token) {
    const claims = token ? unverifiedClaims(token) : null;
    return claims && typeof claims.sub === 'string' ? claims.sub.slice(0, MAX_IDENTITY_CHARS) : null;
  }

  get configured() { return Boolean(this.token || this.url); }

  // Whether get({refused: true}) can come up with another token: a token URL
  // can; a fragment token stays what it is.
  get refreshable() { return Boolean(this.url); }

  // refused: the last token was refused, so do not hand it out again.
  async get({ refused = false } = {}) {
    if (this.token && !(refused && this.url)) return this.token;
    this.token = '';  // refused: the token URL from now on
    if (!this.url) return null;
    let res;
    try {
      res = await this.fetchImpl(this.url, {
        credentials: 'include', cache: 'no-store', headers: { Accept: 'application/json, text/plain' },
      });
    } catch (err) {
      throw new Error(`could not reach the token URL (${err.message})`);
    }
    if (!res.ok) throw new Error(`the token URL answered HTTP ${res.status}`);
    const token = tokenFromResponseText(await res.text());
    this.identity = this.subjectOf(token);
    return token;
  }
}

// The page's token source: the fragment token (removed from the visible
// URL), else the one this tab kept from an earlier load, else the token URL.
export function pageTokenSource(win = window) {
  const { location, history, document, sessionStorage } = win;
  let token = tokenFromHash(location.hash);
  if (token) {
    const url = `${location.pathname}${location.search}${hashWithoutToken(location.hash)}`;
    history.replaceState(history.state, '', url);
    try { sessionStorage.setItem(SESSION_KEY, token); } catch { /* storage disabled: memory only */ }
  } else {
    try { token = sessionStorage.getItem(SESSION_KEY) || ''; } catch { token = ''; }
  }
  const meta = document.querySelector(`meta[name="${TOKEN_URL_META}"]`);
  const url = meta && meta.content ? new URL(meta.content, location.href).href : '';
  return new TokenSource({ token, url });
}
