import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import request from 'supertest';
import { UserRole } from '../../../src/core/auth/access';
import { buildDatasetOverHttp } from '../../support/dataset';
import { NodePair, startPair, verify } from '../../support/two-nodes';
import { bearer, createUserAndLogin, TestUser } from '../../support/users';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = resolve(__dirname, '../../../test-output/console');
const ROOT = resolve(__dirname, '../../..');

jest.setTimeout(120_000);

describe('admin console at /admin (headless Chromium, two running nodes)', () => {
  let pair: NodePair;
  let operator: TestUser;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the console test needs Debian's chromium (apt-get install -y chromium; .ci/run installs it)`);
    }
    // The browser modules are compiled by `npm run build`; compile them here so the test sees this tree's code.
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'src/admin/static/ts')], { cwd: ROOT, stdio: 'pipe' });
    mkdirSync(SCREENSHOTS, { recursive: true });
    pair = await startPair();
    await buildDatasetOverHttp(pair.b, pair.adminB);
    operator = await createUserAndLogin(pair.a, UserRole.Admin);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // A loaded CI machine (2 cores shared) can be slow; the jest timeout above still bounds the suite.
    page.setDefaultTimeout(50_000);
  });
  afterAll(async () => {
    await browser?.close();
    await pair?.close();
  });

  it('serves the console without credentials while the API stays protected', async () => {
    const html = await request(pair.a.url).get('/admin/');
    expect({ status: html.status, title: /<title>PRISM node console<\/title>/.test(html.text) }).toEqual({ status: 200, title: true });
    expect((await request(pair.a.url).get('/admin/js/src/admin/static/ts/app.js')).status).toBe(200);
    expect((await request(pair.a.url).get('/api/node/nodes')).status).toBe(401);
  });

  it('refuses a wrong password, then logs in and lists the connections', async () => {
    await page.goto(`${pair.a.url}/admin`);
    await page.fill('#login', operator.login);
    await page.fill('#password', 'wrong-password');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#login-error:has-text("Wrong login or password")');
    await page.fill('#password', operator.password);
    await page.click('#login-form button[type=submit]');
    const row = page.locator(`#connections tr[data-node-id="${pair.peerOnA}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Authorized');
    expect(await row.textContent()).toContain('ReadWrite');
    expect(await page.textContent('#whoami')).toContain(operator.login);
    await shot('01-connections');
  });

  it('syncs: preview in a confirmation dialog, live progress, then the success summary', async () => {
    await page.click(`#connections button.sync[data-peer-id="${pair.peerOnA}"]`);
    await page.waitForSelector('#preview-text');
    expect(await page.textContent('#preview-text')).toMatch(/\d+ changed rows and 1 recording file\(s\)/);
    expect(await page.textContent('#sync-preview')).toMatch(/volunteers/);
    await shot('02-preview');
    // Record every progress label the page shows while the pull runs (browser code as text: the
    // test project has no DOM types).
    await page.evaluate(`(() => {
      const label = document.querySelector('#progress-label');
      window.seenProgress = [];
      new MutationObserver(() => window.seenProgress.push(label.textContent)).observe(label, { childList: true, characterData: true, subtree: true });
    })()`);
    await page.click('#confirm-sync');
    await page.waitForSelector('#sync-result.completed h3:has-text("Sync completed")');
    await shot('03-sync-completed');
    const seen = (await page.evaluate('window.seenProgress')) as string[];
    expect(seen.at(-1)).toMatch(/^100 % — done/);
    expect(seen.some((text) => /fetching|files|applying/.test(text))).toBe(true);
    expect(await page.getAttribute('#progress-bar', 'aria-valuenow')).toBe('100');
    expect(await page.textContent('#sync-result')).toMatch(/Total/);
    const [a, b] = await Promise.all([verify(pair.a, pair.adminA), verify(pair.b, pair.adminB)]);
    expect(a.digest).toBe(b.digest);
    await page.click('#close-sync');
    const row = page.locator(`#connections tr[data-node-id="${pair.peerOnA}"]`);
    await page.waitForFunction(`document.querySelector('#connections tr[data-node-id="${pair.peerOnA}"]')?.textContent?.includes('completed')`);
    expect(await row.textContent()).toMatch(/\d+ received, \d+ new/);
  });

  it('shows the sync history and the conflicts', async () => {
    await page.click('nav .tab[data-tab="history"]');
    await page.waitForSelector('#history tbody tr[data-sync-id]');
    const kinds = await page.locator('#history tbody tr').evaluateAll((rows) => rows.map((r) => `${r.children[2].textContent}:${r.children[3].textContent}`));
    expect(kinds).toEqual(['pull:completed', 'preview:completed']);
    await shot('04-history');
    await page.click('nav .tab[data-tab="conflicts"]');
    await page.waitForSelector('#conflicts tbody tr.empty');
    await shot('05-conflicts');
  });

  it('shows the failure when the peer refuses us', async () => {
    const revoked = await request(pair.b.url).post(`/api/node/${pair.requesterOnB}/revoke`).set(bearer(pair.adminB));
    expect(revoked.status).toBe(200);
    await page.click('nav .tab[data-tab="connections"]');
    await page.click(`#connections button.sync[data-peer-id="${pair.peerOnA}"]`);
    await page.waitForSelector('#sync-preview .error');
    expect(await page.textContent('#sync-preview .error')).toMatch(/^Preview failed: .+/);
    await shot('06-failure');
  });
});
