import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { ZipWriter } from '../../../src/core/zip/zip-writer';
import { readZip } from '../../support/zip-reader';

async function build(add: (zip: ZipWriter) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => out.on('end', resolve));
  const zip = await ZipWriter.open(out);
  await add(zip);
  await zip.finish();
  await done;
  return Buffer.concat(chunks);
}

describe('ZipWriter', () => {
  it('writes documents and streamed files that read back byte for byte', async () => {
    const big = Buffer.alloc(300_000, 7);
    const archive = await build(async (zip) => {
      await zip.addBuffer('root/research.json', Buffer.from('{"a":1}'));
      await zip.addStream('root/sessions/s1/signal.csv', Readable.from([big.subarray(0, 100_000), big.subarray(100_000)]));
      await zip.addBuffer('root/naïve é.json', Buffer.from('[]'));
      await zip.addStream('root/empty.csv', Readable.from([]));
    });
    const files = readZip(archive);
    expect([...files.keys()]).toEqual(['root/research.json', 'root/sessions/s1/signal.csv', 'root/naïve é.json', 'root/empty.csv']);
    expect(files.get('root/research.json')!.toString()).toBe('{"a":1}');
    expect(files.get('root/sessions/s1/signal.csv')!.equals(big)).toBe(true);
    expect(files.get('root/empty.csv')!.length).toBe(0);
  });

  it('stops with an error when the output closes early (client gone), so no file stays open', async () => {
    const out = new PassThrough({ highWaterMark: 1024 });
    const zip = await ZipWriter.open(out);
    const source = new Readable({ read() { this.push(Buffer.alloc(64 * 1024, 1)); } });
    const adding = zip.addStream('root/endless.csv', source);
    setTimeout(() => out.destroy(), 50);
    await expect(adding).rejects.toThrow(/closed/);
    expect(source.destroyed).toBe(true);
    await expect(zip.addBuffer('root/after.json', Buffer.from('{}'))).rejects.toThrow(/closed/);
  });

  it('is accepted by the system unzip when there is one', async () => {
    const archive = await build(async (zip) => {
      await zip.addBuffer('a/b.json', Buffer.from('{}'));
      await zip.addStream('a/c.csv', Readable.from([Buffer.from('t,v\n0,1\n')]));
    });
    expect(readZip(archive).size).toBe(2);
    if (!existsSync('/usr/bin/unzip')) return; // the reader above already checked the structure
    const dir = mkdtempSync(join(tmpdir(), 'zip-'));
    try {
      writeFileSync(join(dir, 'x.zip'), archive);
      expect(execFileSync('/usr/bin/unzip', ['-t', join(dir, 'x.zip')]).toString()).toContain('No errors detected');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
