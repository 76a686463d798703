import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import ts from 'typescript';
import { UserRole } from '../../../src/core/auth/access';
import { UsersService } from '../../../src/users/users.service';
import type { IrisIdentity } from '../../support/iris/iris-client';
import { BrowserMissingError, browserMissing, launchChromium } from '../../support/browser';
import { startTestNode, TestNode } from '../../support/test-node';
import { bearer, loginAsAdmin } from '../../support/users';
import { desktopIdentity } from '../../support/iris/desktop-identity';

jest.setTimeout(120_000);

/** The IRIS-like client, transpiled for a browser page (window.IrisLib.IrisClient). */
function clientScript(): string {
  const source = readFileSync(join(__dirname, '../../support/iris/iris-client.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  return `(function () { var exports = {}; var module = { exports: exports };\n${outputText}\nwindow.IrisLib = exports; })();`;
}

/** A page of the desktop renderer, served from its own origin. */
function servePage(html: string): Promise<{ server: Server; origin: string }> {
  return new Promise((resolve) => {
    const server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(html));
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://localhost:${(server.address() as AddressInfo).port}` }));
  });
}

interface BrowserRun {
  channelId?: string;
  identified?: boolean;
  token?: string;
  users?: number;
  error?: string;
}

/** In the page: channel open, handshake, sign-in and one data call, exactly as the middleware does them. */
async function runDesktopFlow(page: Page, nodeUrl: string, identity: IrisIdentity, login: string, password: string): Promise<BrowserRun> {
  return page.evaluate(
    async ({ nodeUrl, identity, login, password }) => {
      const run: Record<string, unknown> = {};
      try {
        const lib = (globalThis as unknown as { IrisLib: { IrisClient: new (url: string, id: unknown) => Record<string, (...args: unknown[]) => Promise<unknown>> } }).IrisLib;
        const client = new lib.IrisClient(nodeUrl, identity) as unknown as {
          openChannel(): Promise<unknown>;
          ensureSession(): Promise<void>;
          login(u: string, p: string): Promise<{ ok: boolean; body: { token: string } }>;
          invoke(m: string, p: string): Promise<{ ok: boolean; body: { totalRecords: number } }>;
          channelId?: string;
          sessionToken?: string;
        };
        await client.openChannel();
        run.channelId = client.channelId;
        await client.ensureSession();
        run.identified = !!client.sessionToken;
        const signedIn = await client.login(login, password);
        run.token = signedIn.ok ? signedIn.body.token : undefined;
        const users = await client.invoke('GET', '/api/user/GetUsers?page=1&pageSize=10');
        run.users = users.ok ? users.body.totalRecords : -1;
      } catch (error) {
        run.error = String(error);
      }
      return run;
    },
    { nodeUrl, identity, login, password },
  );
}

/**
 * The IRIS desktop renderer is a browser page of another origin (Vite dev server, or file:// in a
 * packaged Electron app): Chromium preflights every call and needs X-Channel-Id exposed. A real
 * headless Chromium runs the IRIS-like client from such pages against a running node.
 */
const missing = browserMissing();
// Without a browser: one failing test with one message (test/support/browser.ts), not one per test.
const suite = missing ? () => it('needs a headless Chromium', () => { throw new BrowserMissingError(missing); }) : irisBrowserSuite;
describe('IRIS desktop in a browser page of another origin (headless Chromium)', suite);

function irisBrowserSuite(): void {
  let node: TestNode;
  let browser: Browser;
  let allowed: { server: Server; origin: string };
  let other: { server: Server; origin: string };
  let fileDir: string;
  let identity: IrisIdentity;
  const user = { login: 'browser.user', password: 'a-long-browser-password' };

  beforeAll(async () => {
    const html = `<!doctype html><html><head><title>IRIS</title><script>${clientScript()}</script></head><body>IRIS</body></html>`;
    [allowed, other] = await Promise.all([servePage(html), servePage(html)]);
    fileDir = mkdtempSync(join(tmpdir(), 'iris-page-'));
    writeFileSync(join(fileDir, 'index.html'), html);
    node = await startTestNode({ NODE_ID: 'iris-browser', CORS_ORIGINS: `${allowed.origin},null` });
    await node.app.get(UsersService).create({ login: user.login, password: user.password, role: UserRole.Admin });
    identity = desktopIdentity('iris-browser-desktop');
    await request(node.url)
      .post('/api/node/NewConnection')
      .set(bearer(await loginAsAdmin(node)))
      .send({ nodeName: 'IRIS desktop', certificate: identity.certificate, status: 1, nodeAccessLevel: 0 })
      .expect(201);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.close();
    allowed?.server.close();
    other?.server.close();
    if (fileDir) rmSync(fileDir, { recursive: true, force: true });
  });

  async function pageAt(url: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(url);
    return page;
  }

  it('completes channel open, handshake and sign-in from the Vite origin', async () => {
    const page = await pageAt(`${allowed.origin}/`);
    const run = await runDesktopFlow(page, node.url, identity, user.login, user.password);
    expect(run).toEqual({ channelId: expect.stringMatching(/^[0-9a-f-]{36}$/), identified: true, token: expect.any(String), users: expect.any(Number) });
    expect(run.users).toBeGreaterThanOrEqual(2);
    await page.close();
  });

  it('works from a file:// page (packaged Electron sends Origin: null)', async () => {
    const page = await pageAt(`file://${join(fileDir, 'index.html')}`);
    const run = await runDesktopFlow(page, node.url, identity, user.login, user.password);
    expect(run.error).toBeUndefined();
    expect(run.token).toEqual(expect.any(String));
    await page.close();
  });

  it('is blocked by the browser for an origin the node does not allow', async () => {
    const page = await pageAt(`${other.origin}/`);
    const run = await runDesktopFlow(page, node.url, identity, user.login, user.password);
    expect(run.channelId).toBeUndefined();
    expect(run.error).toMatch(/Failed to fetch/);
    await page.close();
  });
}
