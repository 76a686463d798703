import { ConfigError, loadConfig } from '../../../src/config';

describe('CORS_ORIGINS', () => {
  it('defaults to the IRIS desktop origins (Vite dev servers and packaged Electron)', () => {
    expect(loadConfig({}).server.corsOrigins).toEqual(['http://localhost:5173', 'http://localhost:5174', 'null']);
  });

  it('takes a list, * or none', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://iris.example.org, http://10.0.0.5:8080' }).server.corsOrigins).toEqual(['https://iris.example.org', 'http://10.0.0.5:8080']);
    expect(loadConfig({ CORS_ORIGINS: '*' }).server.corsOrigins).toEqual(['*']);
    expect(loadConfig({ CORS_ORIGINS: 'none' }).server.corsOrigins).toEqual([]);
  });

  it.each(['https://iris.example.org/', 'https://iris.example.org/app', 'iris.example.org', 'ftp://x y'])('refuses "%s", naming the setting', (value) => {
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/);
  });
});
