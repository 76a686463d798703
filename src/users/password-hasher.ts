import { randomBytes, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';

/**
 * scrypt at the OWASP Password Storage Cheat Sheet parameters (N=2^17, r=8, p=1: 128 MiB and a few
 * hundred ms per hash). The parameters are stored with each hash, so a login can tell an older,
 * cheaper hash and rehash it (`needsRehash`). PASSWORD_HASH_COST (log2 N) lowers it for tests only.
 */
export const DEFAULT_PASSWORD_HASH_COST = 17;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;
/** Largest N accepted from a stored hash (2^20 = 1 GiB): a corrupted row cannot ask for more. */
const MAX_STORED_LOG2_N = 20;

/**
 * At most this many derivations at once: each holds 128*N*r bytes (128 MiB at the default), and
 * logins are anonymous; the rest wait their turn instead of multiplying the node's memory.
 */
const MAX_CONCURRENT_DERIVATIONS = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function derive(password: string, salt: Buffer, options: ScryptOptions & { N: number; r: number }, length: number): Promise<Buffer> {
  if (running >= MAX_CONCURRENT_DERIVATIONS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    const maxmem = 128 * options.N * options.r * 2;
    return await new Promise((resolve, reject) =>
      scrypt(password, salt, length, { ...options, maxmem }, (error, key) => (error ? reject(error) : resolve(key))),
    );
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (salt and hash base64), the format of users.password_hash. */
export async function hashPassword(password: string, cost = DEFAULT_PASSWORD_HASH_COST): Promise<string> {
  const N = 2 ** cost;
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N, r: R, p: P }, KEY_LENGTH);
  return ['scrypt', N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

function parse(stored: string): { N: number; r: number; p: number; salt: Buffer; expected: Buffer } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64');
  const expected = Buffer.from(parts[5], 'base64');
  const validN = Number.isInteger(N) && N > 1 && N <= 2 ** MAX_STORED_LOG2_N && (N & (N - 1)) === 0;
  if (!validN || !Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16 || expected.length === 0) return undefined;
  return { N, r, p, salt, expected };
}

/** Constant-time check of a password against a stored hash; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const hash = parse(stored);
  if (!hash) return false;
  const actual = await derive(password, hash.salt, { N: hash.N, r: hash.r, p: hash.p }, hash.expected.length);
  return timingSafeEqual(actual, hash.expected);
}

/** True when a stored hash was made with other parameters than today's: rehash it at the next login. */
export function needsRehash(stored: string, cost = DEFAULT_PASSWORD_HASH_COST): boolean {
  const hash = parse(stored);
  return !hash || hash.N !== 2 ** cost || hash.r !== R || hash.p !== P || hash.expected.length !== KEY_LENGTH;
}
