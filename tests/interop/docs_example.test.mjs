// The token-minting example in docs/auth.md (the ```js block right after
// `<!-- example: mint-token`) is run as written, with a key from
// `switchboard auth keygen`, and the token it prints passes `switchboard auth
// verify`: the documentation cannot drift from what the server accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { auth, interopDir, sourceDir, verifyOk, withTempDir } from './support/switchboard.mjs';

function extractExample(markdown, name) {
  const marker = markdown.indexOf(`<!-- example: ${name}`);
  assert.ok(marker >= 0, `docs/auth.md has an "example: ${name}" marker`);
  const block = /```js\n([\s\S]*?)\n```/.exec(markdown.slice(marker));
  assert.ok(block && markdown.slice(marker, marker + block.index).split('\n').length <= 2,
    'the ```js block follows the marker directly');
  return block[1];
}

test('docs/auth.md: the jose example mints a token that switchboard accepts', async () => {
  const code = extractExample(readFileSync(path.join(sourceDir, 'docs/auth.md'), 'utf8'), 'mint-token');
  assert.ok(code.split('\n').length <= 30, 'the example stays short');
  await withTempDir(async (dir) => {
    const keyFile = path.join(dir, 'signing.pem');
    const jwksFile = path.join(dir, 'jwks.json');
    const made = auth(['keygen', '--alg', 'EdDSA', '--kid', '2026-01', '--out', keyFile, '--jwks', jwksFile]);
    assert.equal(made.code, 0, made.stderr);
    const script = path.join(dir, 'mint-token.mjs');
    writeFileSync(script, code);
    symlinkSync(path.join(interopDir, 'node_modules'), path.join(dir, 'node_modules'));  // `import 'jose'`

    const run = spawnSync(process.execPath, [script, 'alice', 'team-1'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, SWITCHBOARD_KEY_FILE: keyFile, SWITCHBOARD_KEY_ID: '2026-01' },
    });
    assert.equal(run.status, 0, run.stderr);
    const token = run.stdout.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'one compact JWS on stdout');

    const claims = verifyOk(jwksFile, token, ['--iss', 'https://app.example.com']);
    assert.deepEqual([claims.sub, claims.room, claims.kid, claims.iss],
      ['alice', 'team-1', '2026-01', 'https://app.example.com']);
    const lifetime = claims.exp - Math.floor(Date.now() / 1000);
    assert.ok(lifetime > 240 && lifetime <= 300, `expires in about 5 minutes (${lifetime} s)`);
  });
});
