import { ExportWindows } from '../../../src/sync/export/export-windows';
import { FileServing } from '../../../src/sync/export/file-serving';
import { buildDatasetOverHttp } from '../../support/dataset';
import { startTestNode, TestNode } from '../../support/test-node';
import { loginAsAdmin } from '../../support/users';

/** What serving peers may make this node hold: export windows and base64 file answers. */
describe('export bounds', () => {
  let node: TestNode;
  let windows: ExportWindows;
  const open = (peer: string) => windows.open('0', peer, async () => peer);

  beforeAll(async () => {
    // DB_POOL_SIZE 6 × 50 % caps the 8 windows asked for at 3.
    node = await startTestNode({ NODE_ID: 'export-bounds', DB_POOL_SIZE: '6', SYNC_MAX_EXPORT_WINDOWS: '8', SYNC_BASE64_IN_FLIGHT_BYTES: '1', THROTTLE_STANDARD_PER_MINUTE: '100000' });
    windows = node.app.get(ExportWindows);
  });
  afterAll(() => node?.close());

  it('holds at most one window per peer, even for concurrent manifests, and never more than the pool share', async () => {
    expect(windows.maxWindows).toBe(3);
    const same = await Promise.allSettled([open('peer-a'), open('peer-a'), open('peer-a')]);
    expect(same.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(same.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['ERR_TOO_MANY_WINDOWS', 'ERR_TOO_MANY_WINDOWS']);
    expect(windows.openCount).toBe(1);
    // A peer's next manifest replaces its window.
    await open('peer-a');
    expect(windows.openCount).toBe(1);
    const others = await Promise.allSettled([open('peer-b'), open('peer-c'), open('peer-d'), open('peer-e')]);
    expect(others.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(windows.openCount).toBe(3);
    await windows.onApplicationShutdown();
    expect(windows.openCount).toBe(0);
  });

  it('serves one base64 file answer at a time within the in-flight budget (others 503, retryable)', async () => {
    const { file } = await buildDatasetOverHttp(node, await loginAsAdmin(node));
    const serving = node.app.get(FileServing);
    let release: () => void = () => undefined;
    const first = await serving.base64(file.recordChannelId, (r) => (release = r));
    expect(Buffer.from(first.contentBase64, 'base64')).toEqual(file.content);
    await expect(serving.base64(file.recordChannelId, () => undefined)).rejects.toMatchObject({ status: 503, code: 'ERR_NODE_BUSY', retryable: true });
    release();
    release(); // releasing twice frees the share once
    await expect(serving.base64(file.recordChannelId, () => undefined)).resolves.toMatchObject({ size: file.content.length });
  });
});
