import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, documentedSettings, loadConfig } from '../../../src/config';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.server.port).toBe(3000);
    expect(config.database.url).toBeUndefined();
    expect(config.node.nodeId).toBe('prism-node');
  });

  it('names every bad setting in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', STORAGE_DRIVER: 'ftp', NODE_ID: 'bad id!' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'DATABASE_URL', 'STORAGE_DRIVER', 'NODE_ID']) expect(message).toContain(name);
  });

  it('documents every setting in .env.example', () => {
    const example = readFileSync(join(__dirname, '../../../.env.example'), 'utf8');
    const missing = documentedSettings()
      .map((s) => s.name)
      .filter((name) => !new RegExp(`^#?\\s*${name}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });

  it('documents every setting in the README configuration table', () => {
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
    const missing = documentedSettings()
      .map((s) => s.name)
      .filter((name) => !readme.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });

  it('notes an outgoing proxy (file streams then go through axios, which honours it), not as a documented setting', () => {
    expect(loadConfig({}).sync.peerProxy).toBe(false);
    expect(loadConfig({ https_proxy: 'http://proxy:3128' }).sync.peerProxy).toBe(true);
    expect(loadConfig({ HTTP_PROXY: 'http://proxy:3128' }).sync.peerProxy).toBe(true);
    expect(documentedSettings().map((s) => s.name)).not.toContain('HTTP_PROXY');
  });
});
