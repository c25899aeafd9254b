// Tokens minted by an independent implementation (the jose npm package) are
// accepted by `switchboard auth verify` for every supported algorithm, from
// one JWKS holding a key of each kind (so kid picks the key), and refused
// when they should be: wrong audience or issuer, a changed signature or
// payload, an HS256 token keyed with another key's public material.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, generateSecret } from 'jose';
import { verifyOk, verifyRefused, tamperSignature } from './support/switchboard.mjs';

const ALGORITHMS = [
  { alg: 'EdDSA', make: () => generateKeyPair('EdDSA', { extractable: true }) },
  { alg: 'ES256', make: () => generateKeyPair('ES256', { extractable: true }) },
  { alg: 'RS256', make: () => generateKeyPair('RS256', { modulusLength: 2048, extractable: true }) },
  {
    alg: 'HS256',
    make: async () => { const k = await generateSecret('HS256', { extractable: true }); return { publicKey: k, privateKey: k }; },
  },
];

function mint(keys, { alg, kid, sub = 'alice', room, aud = 'switchboard', iss, ttl = '5m', header = {} }) {
  const jwt = new SignJWT(room === undefined ? {} : { room })
    .setProtectedHeader({ alg, kid, typ: 'JWT', ...header })
    .setSubject(sub)
    .setAudience(aud)
    .setIssuedAt()
    .setExpirationTime(ttl);
  if (iss) jwt.setIssuer(iss);
  return jwt.sign(keys[kid].privateKey);
}

describe('jose mints, switchboard auth verify accepts', () => {
  let dir;
  let jwksFile;
  const keys = {};  // kid → {alg, publicKey, privateKey, jwk}

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'switchboard-interop-'));
    jwksFile = path.join(dir, 'jwks.json');
    for (const { alg, make } of ALGORITHMS) {
      const kid = `jose-${alg.toLowerCase()}`;
      const pair = await make();
      const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' };
      keys[kid] = { alg, ...pair, jwk };
    }
    writeFileSync(jwksFile, JSON.stringify({ keys: Object.values(keys).map((k) => k.jwk) }, null, 2));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const { alg } of ALGORITHMS) {
    const kid = `jose-${alg.toLowerCase()}`;

    test(`${alg}: accepted, with sub, room, kid and exp as minted`, async () => {
      const token = await mint(keys, { alg, kid, sub: `alice-${alg}`, room: 'room-1' });
      const claims = verifyOk(jwksFile, token);
      const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).exp;
      assert.deepEqual({ sub: claims.sub, room: claims.room, kid: claims.kid, exp: claims.exp },
        { sub: `alice-${alg}`, room: 'room-1', kid, exp });
      const roomless = verifyOk(jwksFile, await mint(keys, { alg, kid, sub: 'bob' }));
      assert.equal(roomless.sub, 'bob');
      assert.ok(roomless.room === undefined || roomless.room === null || roomless.room === '', 'no room claim, no room');
    });

    test(`${alg}: refused for the wrong audience, a changed signature or a changed payload`, async () => {
      assert.match(verifyRefused(jwksFile, await mint(keys, { alg, kid, aud: 'another-service' })), /audience/);
      const token = await mint(keys, { alg, kid, sub: 'alice' });
      assert.match(verifyRefused(jwksFile, tamperSignature(token)), /signature/);
      const [h, , s] = token.split('.');
      const forged = Buffer.from(JSON.stringify({
        ...JSON.parse(Buffer.from(token.split('.')[1], 'base64url')), sub: 'mallory' })).toString('base64url');
      assert.match(verifyRefused(jwksFile, `${h}.${forged}.${s}`), /signature/);
    });
  }

  test('issuers: --iss accepts the listed issuer and refuses another', async () => {
    const token = await mint(keys, { alg: 'EdDSA', kid: 'jose-eddsa', iss: 'https://backend.example' });
    assert.equal(verifyOk(jwksFile, token, ['--iss', 'https://backend.example']).iss, 'https://backend.example');
    assert.match(verifyRefused(jwksFile, token, ['--iss', 'https://other.example']), /issuer/);
    assert.match(verifyRefused(jwksFile, token, ['--aud', 'another-service']), /audience/);
  });

  test("algorithm confusion: HS256 keyed with the EdDSA key's public bytes is refused", async () => {
    const pub = keys['jose-eddsa'].jwk;
    const hs256 = (secret) => new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'jose-eddsa' })
      .setSubject('mallory').setAudience('switchboard').setIssuedAt().setExpirationTime('5m')
      .sign(new Uint8Array(secret));
    // What a confused verifier might use as the HMAC key: the JWK text, or the raw public key.
    assert.match(verifyRefused(jwksFile, await hs256(Buffer.from(JSON.stringify(pub)))), /alg/);
    assert.match(verifyRefused(jwksFile, await hs256(Buffer.from(pub.x, 'base64url'))), /alg/);
  });
});
