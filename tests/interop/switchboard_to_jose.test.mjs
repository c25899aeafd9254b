// The other way round: keys from `switchboard auth keygen` and tokens from
// `switchboard auth token` verify in jose, for every algorithm; and jose,
// given keygen's private key file (standard PKCS#8 PEM; a JWK for HS256),
// mints tokens the binary accepts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, createLocalJWKSet, decodeProtectedHeader, importJWK, importPKCS8, jwtVerify } from 'jose';
import { auth, verifyOk } from './support/switchboard.mjs';

const ALGORITHMS = ['EdDSA', 'ES256', 'RS256', 'HS256'];

function run(args) {
  const r = auth(args);
  assert.equal(r.code, 0, `switchboard auth ${args[0]} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

// jose's verification key for a token: from the JWKS by kid. A shared secret
// is not a JWKS member to jose (createLocalJWKSet takes public keys only).
async function joseKey(jwks, alg, kid) {
  if (alg !== 'HS256') return createLocalJWKSet(jwks);
  const jwk = jwks.keys.find((k) => k.kid === kid);
  return importJWK(jwk, 'HS256');
}

describe('switchboard auth keygen and token, verified by jose', () => {
  let dir;
  let jwksFile;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'switchboard-interop-'));
    jwksFile = path.join(dir, 'jwks.json');
    // One JWKS that every keygen adds its key to, as an operator would.
    for (const alg of ALGORITHMS) {
      run(['keygen', '--alg', alg, '--kid', `sb-${alg.toLowerCase()}`, '--out', path.join(dir, `${alg}.key`), '--jwks', jwksFile]);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the JWKS holds one public key per algorithm, each with kid, alg and no private part', () => {
    const { keys } = JSON.parse(readFileSync(jwksFile, 'utf8'));
    const byAlg = Object.fromEntries(keys.map((k) => [k.alg, k]));
    assert.deepEqual(Object.keys(byAlg).sort(), [...ALGORITHMS].sort());
    assert.deepEqual([byAlg.EdDSA.kty, byAlg.EdDSA.crv], ['OKP', 'Ed25519']);
    assert.deepEqual([byAlg.ES256.kty, byAlg.ES256.crv], ['EC', 'P-256']);
    assert.equal(byAlg.RS256.kty, 'RSA');
    assert.ok(Buffer.from(byAlg.RS256.n, 'base64url').length >= 256, 'RSA of at least 2048 bits');
    assert.equal(byAlg.HS256.kty, 'oct');
    assert.ok(Buffer.from(byAlg.HS256.k, 'base64url').length >= 32, 'an HS256 secret of at least 32 bytes');
    for (const k of keys.filter((key) => key.kty !== 'oct')) {
      assert.equal(k.d, undefined, `${k.alg}: no private key in the JWKS`);
    }
  });

  for (const alg of ALGORITHMS) {
    const kid = `sb-${alg.toLowerCase()}`;

    test(`${alg}: a token from auth token verifies in jose with its sub and room`, async () => {
      const keyFile = path.join(dir, `${alg}.key`);
      assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'the private key file is mode 0600');
      const token = run(['token', '--key', keyFile, '--kid', kid, '--sub', 'alice', '--room', 'room-7', '--ttl', '5m']);
      const jwks = JSON.parse(readFileSync(jwksFile, 'utf8'));
      const { payload, protectedHeader } = await jwtVerify(token, await joseKey(jwks, alg, kid),
        { audience: 'switchboard', algorithms: [alg] });
      assert.deepEqual([protectedHeader.alg, protectedHeader.kid], [alg, kid]);
      assert.deepEqual([payload.sub, payload.room], ['alice', 'room-7']);
      assert.ok(payload.exp - payload.iat <= 300 && payload.exp > Date.now() / 1000, '--ttl 5m');
      await assert.rejects(jwtVerify(token, await joseKey(jwks, alg, kid), { audience: 'other', algorithms: [alg] }),
        /aud/, 'jose checks the audience too');
    });

    test(`${alg}: jose mints with keygen's private key file, switchboard verifies`, async () => {
      const text = readFileSync(path.join(dir, `${alg}.key`), 'utf8');
      const key = alg === 'HS256' ? await importJWK(JSON.parse(text), 'HS256') : await importPKCS8(text, alg);
      if (alg !== 'HS256') assert.match(text, /^-----BEGIN PRIVATE KEY-----\n/, 'PKCS#8 PEM');
      const token = await new SignJWT({ room: 'room-8' }).setProtectedHeader({ alg, kid })
        .setSubject('bob').setAudience('switchboard').setIssuedAt().setExpirationTime('2m').sign(key);
      assert.equal(decodeProtectedHeader(token).alg, alg);
      const claims = verifyOk(jwksFile, token);
      assert.deepEqual([claims.sub, claims.room, claims.kid], ['bob', 'room-8', kid]);
    });
  }
});
