// The binary under test and its `auth` subcommands, run synchronously (each
// is a short CLI call), and temporary directories that are always removed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const interopDir = path.resolve(here, '..');
export const sourceDir = process.env.SWITCHBOARD_SOURCE_DIR || path.resolve(interopDir, '../..');
export const binary = process.env.SWITCHBOARD_BINARY
  ? path.resolve(process.env.SWITCHBOARD_BINARY) : path.resolve(interopDir, '../../build/switchboard');

if (!existsSync(binary)) throw new Error(`no switchboard binary at ${binary} (set SWITCHBOARD_BINARY)`);

// {code, stdout, stderr} of `switchboard auth ARGS...`.
export function auth(args) {
  const r = spawnSync(binary, ['auth', ...args], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

// `auth verify`: the claims it prints on success; throws with its stderr.
export function verifyOk(jwksFile, token, extra = []) {
  const r = auth(['verify', '--jwks', jwksFile, ...extra, token]);
  if (r.code !== 0) throw new Error(`auth verify exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// `auth verify` refuses: exit 1 and the reason on stderr (returned).
export function verifyRefused(jwksFile, token, extra = []) {
  const r = auth(['verify', '--jwks', jwksFile, ...extra, token]);
  if (r.code !== 1) throw new Error(`auth verify exited ${r.code} (expected 1): ${r.stdout} ${r.stderr}`);
  if (r.stdout) throw new Error(`auth verify printed claims for a refused token: ${r.stdout}`);
  return r.stderr;
}

// Runs fn(dir) with a fresh temporary directory, removed afterwards.
export async function withTempDir(fn) {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-interop-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The same token with one character of its signature changed (in the middle:
// the last character may only carry padding bits).
export function tamperSignature(token) {
  const dot = token.lastIndexOf('.');
  const at = dot + Math.floor((token.length - dot) / 2);
  const swapped = token[at] === 'A' ? 'B' : 'A';
  return token.slice(0, at) + swapped + token.slice(at + 1);
}
