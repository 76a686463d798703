import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dryBuild } from '../../scripts/docker/dry-build';
import { ADMIN_URL_ENV } from '../support/database';

/**
 * `npm run docker:dry-build` as a test: docker/Dockerfile's steps from the clean checkout, then the
 * image's CMD on a fresh database until its HEALTHCHECK passes (on the run's PostgreSQL server).
 * About 4 min on the 2-core machine, most of it `npm ci`: its own project, not part of `npm test`.
 */
const ROOT = resolve(__dirname, '../..');
const LOG = join(ROOT, 'test-output/docker/dry-build.log');

describe('docker/Dockerfile dry build', () => {
  it('builds from the clean checkout, and the image it makes starts and turns healthy', async () => {
    const lines: string[] = [];
    try {
      await dryBuild({ root: ROOT, adminUrl: process.env[ADMIN_URL_ENV], output: (line) => lines.push(line) });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n(full record: ${LOG})\n${lines.slice(-40).join('\n')}`, { cause: error });
    } finally {
      mkdirSync(join(ROOT, 'test-output/docker'), { recursive: true });
      writeFileSync(LOG, `${lines.join('\n')}\n`);
    }
    expect(lines).toContain('#1 [build] FROM node:20-bookworm-slim AS build');
    expect(lines.some((l) => /HEALTHCHECK passed/.test(l))).toBe(true);
  }, 20 * 60_000);

  it('refuses an instruction it does not interpret, before running anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prism-dockerfile-'));
    try {
      writeFileSync(join(dir, 'Dockerfile'), 'FROM node:20-bookworm-slim\nRUN touch /never\nARG VERSION\n');
      await expect(dryBuild({ root: ROOT, dockerfile: join(dir, 'Dockerfile'), output: () => undefined })).rejects.toThrow(
        /line 3 \(ARG\): ARG is not interpreted by the dry build/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
