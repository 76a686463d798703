import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { UserRole } from '../../../src/core/auth/access';
import { BrowserMissingError, browserMissing, launchChromium } from '../../support/browser';
import { buildDatasetOverHttp } from '../../support/dataset';
import { laterality } from '../../support/sync-sql';
import { startTestNode, TestNode } from '../../support/test-node';
import { verify } from '../../support/two-nodes';
import { createUserAndLogin, TestUser } from '../../support/users';

const SCREENSHOTS = resolve(__dirname, '../../../test-output/console');
const ROOT = resolve(__dirname, '../../..');

jest.setTimeout(120_000);

const missing = browserMissing();
if (missing) {
  // One failing test with one message (not a stack trace per test): the suite cannot run without a browser.
  it('admin console: needs a headless Chromium', () => {
    throw new BrowserMissingError(missing);
  });
} else {
  describe('admin console at /admin: an operator runs two nodes from their consoles alone (headless Chromium)', consoleSuite);
}

function consoleSuite(): void {
  let a: TestNode;
  let b: TestNode;
  let operatorA: TestUser;
  let operatorB: TestUser;
  let browser: Browser;
  let pageA: Page;
  let pageB: Page;
  const shots: string[] = [];
  const cspViolations: string[] = [];
  const shot = async (page: Page, name: string) => {
    const path = join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    shots.push(path);
  };
  const peerRow = (page: Page, name: string) => page.locator('#connections tbody tr', { hasText: name });

  async function logIn(page: Page, node: TestNode, user: TestUser): Promise<void> {
    await page.goto(`${node.url}/admin`);
    await page.fill('#login', user.login);
    await page.fill('#password', user.password);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#identity-details dd');
  }

  /** Sync from the console: Sync → preview in the dialog → Pull now → result; returns the result text. */
  async function syncFromConsole(name: string, screenshotPrefix?: string): Promise<string> {
    await pageA.click('nav .tab[data-tab="connections"]');
    await peerRow(pageA, 'Node B').locator('button.sync').click();
    await pageA.waitForSelector('#preview-text');
    if (screenshotPrefix) await shot(pageA, `${screenshotPrefix}-preview`);
    await pageA.click('#confirm-sync');
    await pageA.waitForSelector('#sync-result h3');
    if (screenshotPrefix) await shot(pageA, `${screenshotPrefix}-${name}`);
    const text = (await pageA.textContent('#sync-result')) ?? '';
    await pageA.click('#close-sync');
    return text;
  }

  beforeAll(async () => {
    // The browser modules are compiled by `npm run build`; compile them here so the test sees this tree's code.
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'src/admin/static/ts')], { cwd: ROOT, stdio: 'pipe' });
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    // One operator clicks through every screen in well under a minute (each screen is 3-4 API calls):
    // more than the 60/min a user gets by default, until per-user limits for interactive users land.
    const interactive = { THROTTLE_STANDARD_PER_MINUTE: '600' };
    a = await startTestNode({ NODE_ID: 'node-a', NODE_NAME: 'Node A', ...interactive });
    b = await startTestNode({ NODE_ID: 'node-b', NODE_NAME: 'Node B', ...interactive });
    [operatorA, operatorB] = await Promise.all([createUserAndLogin(a, UserRole.Admin), createUserAndLogin(b, UserRole.Admin)]);
    await buildDatasetOverHttp(b, operatorB.token);
    await laterality(b, 'edited-on-both');
    browser = await launchChromium();
    pageA = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    pageB = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    // A loaded CI machine (2 cores shared) can be slow; the jest timeout above still bounds each test.
    for (const page of [pageA, pageB]) {
      page.setDefaultTimeout(50_000);
      // The node's Content-Security-Policy must let the console run: any refusal is a failure. (It also
      // forbids string evaluation, so the test waits with locators, never waitForFunction(string).)
      page.on('console', (message) => {
        if (/Content[- ]Security[- ]Policy|Refused to/i.test(message.text())) cspViolations.push(message.text());
      });
      page.on('pageerror', (error) => cspViolations.push(`page error: ${error.message}`));
    }
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('serves the console and a favicon without credentials while the API stays protected', async () => {
    const html = await request(a.url).get('/admin/');
    expect({ status: html.status, title: /<title>PRISM node console<\/title>/.test(html.text) }).toEqual({ status: 200, title: true });
    expect((await request(a.url).get('/admin/js/src/admin/static/ts/app.js')).status).toBe(200);
    const favicon = await request(a.url).get('/favicon.ico');
    expect({ status: favicon.status, type: favicon.headers['content-type'], size: Number(favicon.headers['content-length']) > 100 }).toEqual({
      status: 200,
      type: expect.stringMatching(/^image\/(x-icon|vnd\.microsoft\.icon)$/),
      size: true,
    });
    expect((await request(a.url).get('/api/node/nodes')).status).toBe(401);
  });

  it('refuses a wrong password, then logs in and shows this node with no peers yet', async () => {
    await pageA.goto(`${a.url}/admin`);
    await pageA.fill('#login', operatorA.login);
    await pageA.fill('#password', 'wrong-password');
    await pageA.click('#login-form button[type=submit]');
    await pageA.waitForSelector('#login-error:has-text("Wrong login or password")');
    await shot(pageA, '01-login-refused');
    await pageA.fill('#password', operatorA.password);
    await pageA.click('#login-form button[type=submit]');
    await pageA.waitForSelector('#connections tr.empty');
    expect(await pageA.textContent('#identity-details')).toContain('node-a');
    expect(await pageA.textContent('#whoami')).toContain(operatorA.login);
  });

  it('introduces a peer: connect on A, then B approves A with the level it chooses', async () => {
    await pageA.fill('#connect-url', b.url);
    await pageA.selectOption('#connect-level', '1');
    await pageA.click('#connect-form button[type=submit]');
    await pageA.waitForSelector('#connect-result .connected');
    expect(await pageA.textContent('#connect-result')).toMatch(/Registered at “Node B”.*approves this node/);
    await peerRow(pageA, 'Node B').waitFor();
    expect(await peerRow(pageA, 'Node B').textContent()).toContain('Authorized');
    await shot(pageA, '02-connected');

    await logIn(pageB, b, operatorB);
    const pending = peerRow(pageB, 'Node A');
    expect(await pending.textContent()).toContain('Pending');
    await shot(pageB, '03-pending-on-b');
    await pending.locator('select.approve-level').selectOption('1');
    await pending.locator('button.approve').click();
    await pageB.waitForSelector('#notice:has-text("Approved Node A with ReadWrite access.")');
    await pageB.locator('#connections tbody', { hasText: 'Authorized' }).waitFor();
    await shot(pageB, '04-approved-on-b');
  });

  it('syncs: preview in a confirmation dialog, live progress, then the summary', async () => {
    await peerRow(pageA, 'Node B').locator('button.sync').click();
    await pageA.waitForSelector('#preview-text');
    expect(await pageA.textContent('#preview-text')).toMatch(/\d+ changed rows and 1 recording file\(s\)/);
    expect(await pageA.textContent('#sync-preview')).toMatch(/volunteers/);
    await shot(pageA, '05-preview');
    // Every progress label the page shows while the pull runs (browser code as text: the test project has no DOM types).
    await pageA.evaluate(`(() => {
      const label = document.querySelector('#progress-label');
      window.seenProgress = [];
      new MutationObserver(() => window.seenProgress.push(label.textContent)).observe(label, { childList: true, characterData: true, subtree: true });
    })()`);
    await pageA.click('#confirm-sync');
    await pageA.waitForSelector('#sync-result.completed h3:has-text("Sync completed")');
    await shot(pageA, '06-sync-completed');
    const seen = (await pageA.evaluate('window.seenProgress')) as string[];
    expect(seen.at(-1)).toMatch(/^100 % — done/);
    expect(seen.some((text) => /fetching|files|applying/.test(text))).toBe(true);
    expect(await pageA.getAttribute('#progress-bar', 'aria-valuenow')).toBe('100');
    const [digestA, digestB] = await Promise.all([verify(a, operatorA.token), verify(b, operatorB.token)]);
    expect(digestA.digest).toBe(digestB.digest);
    await pageA.click('#close-sync');
    await pageA.locator('#connections tbody', { hasText: 'completed' }).waitFor();
    expect(await peerRow(pageA, 'Node B').textContent()).toMatch(/\d+ received, \d+ new/);
    // The clock skew the pull measured, in the connection list (both nodes share this machine's clock).
    expect(await peerRow(pageA, 'Node B').locator('.clock-skew').textContent()).toMatch(/^clock skew -?\d{1,4} ms$/);
  });

  it('shows both versions of a conflict side by side, which one was kept and the rule that decided', async () => {
    await a.dataSource.query(`UPDATE snomed_laterality SET display_name = 'local edit on A' WHERE code = 'edited-on-both'`);
    await b.dataSource.query(`UPDATE snomed_laterality SET display_name = 'newer edit on B' WHERE code = 'edited-on-both'`);
    expect(await syncFromConsole('completed')).toMatch(/Sync completed/);
    await pageA.click('nav .tab[data-tab="conflicts"]');
    const row = pageA.locator('#conflicts tbody tr', { hasText: 'snomed_laterality' });
    await row.waitFor();
    await row.locator('button.compare').click();
    const detail = pageA.locator('#conflict-detail');
    await detail.waitFor();
    const name = detail.locator('table.compare tr', { hasText: 'displayName' });
    expect({ local: await name.locator('td.local').textContent(), remote: await name.locator('td.remote').textContent(), differs: await name.getAttribute('class') }).toEqual({
      local: 'local edit on A',
      remote: 'newer edit on B',
      differs: 'differs',
    });
    expect(await detail.locator('p.rule').textContent()).toMatch(/Kept: the peer’s \(Node B\) version — rule “newer_updated_at”: the version with the newer updated_at is kept/);
    expect(await detail.locator('th.lost').textContent()).toContain('This node (local)');
    await shot(pageA, '07-conflict-side-by-side');
    // Restore the version not kept: it becomes a new local edit on A.
    await detail.locator('button.restore-conflict').click();
    await pageA.locator('#conflict-detail[hidden]').waitFor({ state: 'attached' });
    await row.locator('button.compare').click();
    expect(await detail.locator('p.restored').textContent()).toMatch(/restored .* by /);
    const [restored] = await a.dataSource.query(`SELECT display_name AS name FROM snomed_laterality WHERE code = 'edited-on-both'`);
    expect(restored.name).toBe('local edit on A');
    await shot(pageA, '07b-conflict-restored');
  });

  it('schedules pulls from a peer and shows when the next one runs', async () => {
    await pageA.click('nav .tab[data-tab="connections"]');
    const row = peerRow(pageA, 'Node B');
    await row.locator('select.schedule').selectOption('3600');
    await pageA.waitForSelector('#notice:has-text("now run every 3600 s")');
    await pageA.locator('#connections tbody', { hasText: 'every 3600 s' }).waitFor();
    expect(await row.locator('.schedule-state').textContent()).toMatch(/^every 3600 s — (next |running now)/);
    // The last pull committed all its manifest announced: nothing behind B's feed as of then.
    expect(await row.locator('.behind').textContent()).toMatch(/^feed: up to date as of \d{4}-/);
    await shot(pageA, '07c-scheduled');
    // Push: B accepts push requests from A in B's console; A asks B to pull.
    await pageB.click('nav .tab[data-tab="connections"]');
    await peerRow(pageB, 'Node A').locator('input.accept-push').check();
    await pageB.waitForSelector('#notice:has-text("may now ask this node to pull")');
    await a.dataSource.query(`INSERT INTO snomed_laterality (code, display_name, description, is_active) VALUES ('pushed-from-a', 'p', 'd', true)`);
    await row.locator('button.push').click();
    await pageA.waitForSelector('#notice:has-text("started pulling from this node")');
    const pushedToB = async () => (await b.dataSource.query(`SELECT count(*)::int AS n FROM snomed_laterality WHERE code = 'pushed-from-a'`))[0].n as number;
    for (let i = 0; i < 300 && (await pushedToB()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await pushedToB()).toBe(1);
    await row.locator('select.schedule').selectOption('');
    await pageA.waitForSelector('#notice:has-text("by hand only")');
  });

  it('pages the history and filters it by peer and status, with readable errors', async () => {
    const [{ id: peerOnA }] = await a.dataSource.query(`SELECT id FROM research_nodes WHERE node_name = 'Node B' AND NOT is_local`);
    // 25 older failed pulls, as an unreachable peer leaves them.
    await a.dataSource.query(
      `INSERT INTO sync_logs (id, remote_node_id, started_at, completed_at, status, kind, error_code, error_message)
       SELECT gen_random_uuid(), $1, now() - make_interval(hours => i), now() - make_interval(hours => i) + interval '2 seconds', 'failed', 'pull',
              'ERR_PEER_UNREACHABLE', 'cannot reach the peer: connect ECONNREFUSED'
       FROM generate_series(1, 25) AS i`,
      [peerOnA],
    );
    // 4 syncs by hand, 25 failed ones, and the schedule's first pull when the scheduler ran it before
    // the schedule was turned off (due at once: a race the count must not depend on).
    const running = async () => (await a.dataSource.query(`SELECT count(*)::int AS n FROM sync_logs WHERE status = 'running'`))[0].n as number;
    for (let i = 0; i < 300 && (await running()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    const [{ total }] = await a.dataSource.query(`SELECT count(*)::int AS total FROM sync_logs`);
    await pageA.click('nav .tab[data-tab="history"]');
    await pageA.waitForSelector('#history tbody tr[data-sync-id]');
    expect([29, 30]).toContain(total);
    expect(await pageA.textContent('#history-pager .page-info')).toBe(`Page 1 of 2 (${total} syncs)`);
    const statuses = () => pageA.locator('#history tbody tr td:nth-child(4)').allTextContents();
    expect((await statuses()).slice(0, 4)).toEqual(['completed', 'completed', 'completed', 'completed']);
    await pageA.click('#history-pager button.next');
    await pageA.waitForSelector('#history-pager .page-info:has-text("Page 2 of 2")');
    expect(await pageA.locator('#history tbody tr').count()).toBe(total - 20);
    await pageA.selectOption('#history-status', 'failed');
    await pageA.waitForSelector('#history-pager .page-info:has-text("Page 1 of 2 (25 syncs)")');
    expect(new Set(await statuses())).toEqual(new Set(['failed']));
    expect(await pageA.locator('#history tbody tr td.error-text').first().textContent()).toMatch(/^The peer cannot be reached at its URL\..*ERR_PEER_UNREACHABLE: cannot reach the peer/);
    await shot(pageA, '08-history-failed');
    await pageA.selectOption('#history-status', '');
    await pageA.selectOption('#history-kind', 'preview');
    await pageA.waitForSelector('#history-pager .page-info:has-text("(2 syncs)")');
    await pageA.selectOption('#history-kind', '');
    await pageA.selectOption('#history-peer', { label: 'Node B' });
    await pageA.waitForSelector(`#history-pager .page-info:has-text("(${total} syncs)")`);
  });

  it('B lowers A to ReadOnly: A’s next sync says why it cannot pull', async () => {
    await pageB.click('#refresh');
    await peerRow(pageB, 'Node A').locator('select.access-level').selectOption('0');
    await pageB.waitForSelector('#notice:has-text("Node A now has ReadOnly access.")');
    await pageA.click('nav .tab[data-tab="connections"]');
    await peerRow(pageA, 'Node B').locator('button.sync').click();
    await pageA.waitForSelector('#sync-preview .error');
    expect(await pageA.textContent('#sync-preview .error')).toMatch(/^Preview failed: This node may not pull from that peer.*ERR_INSUFFICIENT_CAPABILITY: .*ReadOnly/);
    await shot(pageA, '09-readonly-refused');
    await pageA.click('#cancel-sync');
  });

  it('B revokes A: A’s sync failure reads “revoked”, not a status number', async () => {
    await peerRow(pageB, 'Node A').locator('select.access-level').selectOption('1');
    await pageB.waitForSelector('#notice:has-text("Node A now has ReadWrite access.")');
    await peerRow(pageB, 'Node A').locator('button.revoke').click();
    await pageB.waitForSelector('#confirm-dialog[open]');
    await shot(pageB, '10-revoke-confirm');
    await pageB.click('#confirm-ok');
    await pageB.waitForSelector('#notice:has-text("Revoked Node A.")');
    await peerRow(pageB, 'Node A').locator('.badge.Revoked').waitFor();
    await peerRow(pageA, 'Node B').locator('button.sync').click();
    await pageA.waitForSelector('#sync-preview .error');
    const error = (await pageA.textContent('#sync-preview .error')) ?? '';
    expect(error).toMatch(/^Preview failed: This node may not pull from that peer.*the peer has revoked this node \(Revoked\)/);
    expect(error).not.toMatch(/status \d/);
    await shot(pageA, '11-revoked');
    await pageA.click('#cancel-sync');
  });

  it('ran under the node\'s Content-Security-Policy with no refusal and no page error', () => {
    expect(cspViolations).toEqual([]);
  });

  it('cannot be framed by another page', async () => {
    const res = await request(a.url).get('/admin/');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const framing = await (await browser.newContext()).newPage();
    // setContent resolves on the load event, which waits for the frame (loaded or refused).
    await framing.setContent(`<iframe id="console" src="${a.url}/admin/"></iframe>`);
    const framed = framing.frames().find((frame) => frame.url().startsWith(a.url));
    const title = framed ? await framed.title().catch(() => '') : '';
    expect(title).not.toContain('PRISM node console');
    await framing.context().close();
  });

  it('wrote a screenshot of every screen', () => {
    expect(shots.length).toBe(13);
    for (const path of shots) expect({ path, large: statSync(path).size > 5_000 }).toEqual({ path, large: true });
  });
}
