// Keys and tokens for auth.mode: jwt, made by the binary under test
// (`switchboard auth keygen` and `auth token`), plus an already expired
// token, which `auth token` cannot make: signed here with node's own crypto.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { binary } from './switchboard.mjs';

const cli = (args) =>
  execFileSync(binary, ['auth', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

// An Ed25519 key in `dir`: {keyFile, jwksFile, kid}.
export function makeKey(dir, kid = 'e2e-1') {
  const keyFile = path.join(dir, `${kid}.pem`);
  const jwksFile = path.join(dir, 'jwks.json');
  cli(['keygen', '--alg', 'EdDSA', '--kid', kid, '--out', keyFile, '--jwks', jwksFile]);
  return { keyFile, jwksFile, kid };
}

export function mintToken(key, sub, ttl = '5m') {
  return cli(['token', '--key', key.keyFile, '--kid', key.kid, '--sub', sub, '--ttl', ttl]);
}

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

// Signed with the right key, valid in every way but time: it ran out 10
// minutes ago (well past any leeway), after a 5-minute lifetime.
export function expiredToken(key, sub) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64url({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })}.` +
    b64url({ sub, aud: 'switchboard', iat: now - 900, exp: now - 600 });
  const signature = sign(null, Buffer.from(input), createPrivateKey(readFileSync(key.keyFile)));
  return `${input}.${signature.toString('base64url')}`;
}
