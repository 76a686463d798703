import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { UserRole } from '../../../src/core/auth/access';
import { BrowserMissingError, browserMissing, launchChromium } from '../../support/browser';
import { BULK_HTTP_ENV, buildDatasetOverHttp } from '../../support/dataset';
import { NodePair, startPair, verify } from '../../support/two-nodes';
import { createUserAndLogin, TestUser } from '../../support/users';

const OUTPUT = resolve(__dirname, '../../../test-output/console-bundles');
const ROOT = resolve(__dirname, '../../..');

jest.setTimeout(120_000);

const missing = browserMissing();
if (missing) {
  it('bundles in the admin console: needs a headless Chromium', () => {
    throw new BrowserMissingError(missing);
  });
} else {
  describe('offline bundles from the admin consoles alone (headless Chromium)', bundlesSuite);
}

function bundlesSuite(): void {
  let pair: NodePair;
  let operatorA: TestUser;
  let operatorB: TestUser;
  let browser: Browser;
  let pageA: Page;
  let pageB: Page;
  const errors: string[] = [];

  async function logIn(page: Page, url: string, user: TestUser): Promise<void> {
    await page.goto(`${url}/admin`);
    await page.fill('#login', user.login);
    await page.fill('#password', user.password);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#identity-details dd');
    await page.click('nav .tab[data-tab="bundles"]');
  }

  beforeAll(async () => {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'src/admin/static/ts')], { cwd: ROOT, stdio: 'pipe' });
    rmSync(OUTPUT, { recursive: true, force: true });
    mkdirSync(OUTPUT, { recursive: true });
    pair = await startPair({ ...BULK_HTTP_ENV, THROTTLE_USER_PER_MINUTE: '6000' });
    [operatorA, operatorB] = await Promise.all([createUserAndLogin(pair.a, UserRole.Admin), createUserAndLogin(pair.b, UserRole.Admin)]);
    await buildDatasetOverHttp(pair.b, pair.adminB);
    browser = await launchChromium();
    pageA = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })).newPage();
    pageB = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })).newPage();
    for (const page of [pageA, pageB]) {
      page.setDefaultTimeout(50_000);
      page.on('console', (message) => {
        if (/Content[- ]Security[- ]Policy|Refused to/i.test(message.text())) errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    }
    await logIn(pageA, pair.a.url, operatorA);
    await logIn(pageB, pair.b.url, operatorB);
  });
  afterAll(async () => {
    await browser?.close();
    await pair?.close();
  });

  it('B exports a bundle for A, A previews and imports it, B accepts A\'s acknowledgement', async () => {
    await pageB.selectOption('#bundle-peer', { label: 'Node A' });
    const exported = pageB.waitForEvent('download');
    await pageB.click('#bundle-export-form button[type=submit]');
    const bundleFile = join(OUTPUT, 'b-to-a.prism-bundle');
    await (await exported).saveAs(bundleFile);
    await pageB.waitForSelector('#bundle-export-done');
    expect(readFileSync(bundleFile).subarray(0, 14).toString()).toBe('PRISM-BUNDLE 1');
    await pageB.screenshot({ path: join(OUTPUT, '01-exported.png'), fullPage: true });

    await pageA.setInputFiles('#bundle-file', bundleFile);
    await pageA.click('#bundle-preview');
    await pageA.waitForSelector('#bundle-import-done:has-text("nothing was applied")');
    await pageA.screenshot({ path: join(OUTPUT, '02-previewed.png'), fullPage: true });
    expect((await verify(pair.a, pair.adminA)).aggregates.volunteers.rows).toBe(0);

    await pageA.click('#bundle-import');
    await pageA.waitForSelector('#bundle-import-done:has-text("applied.")');
    await pageA.screenshot({ path: join(OUTPUT, '03-imported.png'), fullPage: true });
    expect((await verify(pair.a, pair.adminA)).digest).toBe((await verify(pair.b, pair.adminB)).digest);
    const acked = pageA.waitForEvent('download');
    await pageA.click('#bundle-ack-download');
    const ackFile = join(OUTPUT, 'ack.json');
    await (await acked).saveAs(ackFile);

    await pageA.click('#bundle-import');
    await pageA.waitForSelector('#bundle-import-result .error:has-text("already applied")');
    expect(await pageA.textContent('#bundle-import-result')).toContain('ERR_BUNDLE_ALREADY_APPLIED');

    await pageB.setInputFiles('#bundle-ack-file', ackFile);
    await pageB.click('#bundle-ack-form button[type=submit]');
    await pageB.waitForSelector('#notice:has-text("Acknowledgement accepted")');
    await pageB.waitForSelector('#bundle-positions td:has-text("acknowledgement file")');
    await pageB.screenshot({ path: join(OUTPUT, '04-acknowledged.png'), fullPage: true });

    await pageA.click('nav .tab[data-tab="history"]');
    await pageA.selectOption('#history-kind', 'bundle_import');
    await pageA.waitForSelector('#history tbody tr:has-text("bundle_import")');
    expect(errors).toEqual([]);
  });
}
