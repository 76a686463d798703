import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingPrerequisite, SPECS } from '../../../scripts/docker/compose-e2e';
import { ENTRYPOINT, POSTGRES_STAND_IN } from '../../../scripts/docker/postgres-stand-in';

/** The compose e2e's pure parts (scripts/docker/compose-e2e.ts, postgres-stand-in.ts): none of these runs podman. */
describe('compose e2e helpers', () => {
  it('says in one line what is missing and how to install it when podman is not on PATH', () => {
    expect(missingPrerequisite('/nonexistent')).toBe('podman not found: apt-get install podman buildah');
  });

  it('runs the two specs the compose mode covers', () => {
    expect(SPECS).toEqual(['test/e2e/faults.e2e-spec.ts', 'test/e2e/bad-input.e2e-spec.ts']);
  });

  it('names the PostgreSQL stand-in for what it is, never as the official image', () => {
    expect(POSTGRES_STAND_IN).toMatch(/^localhost\/prism-standin-postgres:/);
    expect(POSTGRES_STAND_IN).not.toMatch(/^(docker\.io\/library\/)?postgres:/);
  });

  it('gives the stand-in the official entrypoint’s contract compose.yml and init-databases.sql rely on', () => {
    for (const part of ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB', '/docker-entrypoint-initdb.d/', "listen_addresses = '*'", 'host all all all', 'exec "$@"']) {
      expect(ENTRYPOINT).toContain(part);
    }
  });
});

describe('docker/compose.yml variables', () => {
  const text = readFileSync(join(__dirname, '../../../docker/compose.yml'), 'utf8');

  it('defaults to the official image, host-gateway and host ports 3001/3002: the variables only replace them', () => {
    expect(text).toContain('image: ${PRISM_POSTGRES_IMAGE:-postgres:16}');
    expect(text).toContain('"host.docker.internal:${PRISM_HOST_GATEWAY:-host-gateway}"');
    expect(text).toContain('"${PRISM_NODE_A_PORT:-3001}:3000"');
    expect(text).toContain('"${PRISM_NODE_B_PORT:-3002}:3000"');
  });
});
