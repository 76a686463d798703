import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, QueryRunner } from 'typeorm';
import { copyStagedFile } from '../../../src/sync/import/staged-copy';
import { FrameBuffers } from '../../../src/sync/shared/frame-buffers';
import { createTestDatabase, TestDatabase } from '../../support/database';

/**
 * A staged file's COPY reads the file into one reused buffer (each read sent before the buffer is
 * refilled): every byte arrives once, in order, over many reads; a refused value or a missing file
 * fails the COPY and leaves the connection usable.
 */
describe('copyStagedFile', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let runner: QueryRunner;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('staged_copy', { empty: true });
    ds = new DataSource({ type: 'postgres', url: db.url });
    await ds.initialize();
    dir = mkdtempSync(join(tmpdir(), 'prism-staged-copy-'));
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    runner = ds.createQueryRunner();
    await runner.connect();
    // The pool keeps connections, and their temp tables, between tests.
    await runner.query('DROP TABLE IF EXISTS pg_temp.rows_in');
    await runner.query('CREATE TEMP TABLE rows_in (id int, name text)');
  });
  afterEach(() => runner.release());

  const staged = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  // ~3.5 MB: four reads of a 1 MB buffer, the rows cut anywhere between reads.
  const text = Array.from({ length: 30_000 }, (_, i) => `${i}\tname ${'é'.repeat(50)} ${i}\n`).join('');

  it('copies every row of a file larger than its buffer, in order, and gives the buffer back', async () => {
    const buffers = new FrameBuffers();
    const given = jest.spyOn(buffers, 'give');
    expect(await copyStagedFile(runner, 'COPY rows_in (id, name) FROM STDIN', staged('big.copy', text), buffers)).toBe(30_000);
    const [{ n, sum, last }] = await runner.query(`SELECT count(*)::int AS n, sum(id)::bigint::text AS sum, max(name) FILTER (WHERE id = 29999) AS last FROM rows_in`);
    expect({ n, sum, last }).toEqual({ n: 30_000, sum: String((29_999 * 30_000) / 2), last: `name ${'é'.repeat(50)} 29999` });
    const [{ same }] = await runner.query(`SELECT bool_and(name = 'name ' || repeat('é', 50) || ' ' || id) AS same FROM rows_in`);
    expect(same).toBe(true);
    expect(given).toHaveBeenCalledTimes(1);
  });

  it('fails on a refused value (SQLSTATE 22…) and the connection goes on', async () => {
    const bad = staged('bad.copy', `${text}x\tnot a number\n`);
    await expect(copyStagedFile(runner, 'COPY rows_in (id, name) FROM STDIN', bad)).rejects.toMatchObject({ code: '22P02' });
    expect(await runner.query('SELECT count(*)::int AS n FROM rows_in')).toEqual([{ n: 0 }]);
  });

  it('fails before the COPY when the file is gone, and the connection goes on', async () => {
    await expect(copyStagedFile(runner, 'COPY rows_in (id, name) FROM STDIN', join(dir, 'gone.copy'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await runner.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
