import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Browser, chromium } from 'playwright-core';

/** Flags for a headless Chromium as root on a machine without network beyond loopback. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const HOW_TO_GET_ONE = [
  'The admin console tests need a headless Chromium and found none.',
  '`npm ci` (or `npm install`) installs one with the dev dependencies: the @sparticuz/chromium package ships it',
  'inside the npm package (Linux x64 and arm64). On another system set CHROMIUM_PATH to a Chrome or Chromium',
  'binary, e.g. CHROMIUM_PATH=/usr/bin/chromium npm test.',
].join('\n');

export class BrowserMissingError extends Error {
  constructor(detail: string) {
    super(`${HOW_TO_GET_ONE}\n(${detail})`);
    this.name = 'BrowserMissingError';
    // The message says everything; a stack trace into this helper would only bury it.
    this.stack = `${this.name}: ${this.message}`;
  }
}

const ROOT = resolve(__dirname, '../..');

/** Why no browser can be had (checked without unpacking anything), or undefined when one can. */
export function browserMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = env.CHROMIUM_PATH?.trim();
  if (given) return existsSync(given) ? undefined : `CHROMIUM_PATH=${given} does not exist`;
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) return `no packaged Chromium for ${process.platform}-${process.arch}`;
  if (!existsSync(join(ROOT, 'node_modules/@sparticuz/chromium/bin/chromium.br'))) return 'node_modules/@sparticuz/chromium is not installed';
  return undefined;
}

/**
 * The Chromium that ships inside the @sparticuz/chromium npm package (brotli-compressed), unpacked
 * once per checkout and package version into node_modules/.cache. The package unpacks into the
 * temporary directory, so it runs in a child process whose TMPDIR points there: no other
 * checkout's or version's copy in /tmp is reused (and jest's sandboxed process.env would not reach
 * os.tmpdir() in this process anyway).
 */
async function packagedChromium(): Promise<string> {
  const version = (JSON.parse(readFileSync(join(ROOT, 'node_modules/@sparticuz/chromium/package.json'), 'utf8')) as { version: string }).version;
  const dir = join(ROOT, 'node_modules', '.cache', `chromium-${version}`);
  mkdirSync(dir, { recursive: true });
  const unpack = `require('@sparticuz/chromium').executablePath().then((path) => process.stdout.write(path))`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', unpack], { cwd: ROOT, env: { ...process.env, TMPDIR: dir } });
  return stdout.trim();
}

/** A headless Chromium driven by Playwright: CHROMIUM_PATH when set, else the project's own packaged one. */
export async function launchChromium(env: NodeJS.ProcessEnv = process.env): Promise<Browser> {
  const missing = browserMissing(env);
  if (missing) throw new BrowserMissingError(missing);
  const executablePath = env.CHROMIUM_PATH?.trim() || (await packagedChromium());
  return chromium.launch({ executablePath, headless: true, args: ARGS });
}
