import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { memorySample, memoryTraceFiles, smapsSplit, traceInto } from '../../bench/memory-trace';

/** The bench's memory trace (--memory-trace): what it reads of a node and where it writes it. */
describe('bench: memory trace', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'memory-trace-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('samples memoryUsage and every V8 space in kB', () => {
    const sample = memorySample(5, { rss: 100 * 1024, heapTotal: 50 * 1024, heapUsed: 40 * 1024, external: 3 * 1024, arrayBuffers: 2048 }, getHeapSpaceStatistics());
    expect(sample).toMatchObject({ t: 5, rss: 100, heapTotal: 50, heapUsed: 40, external: 3, arrayBuffers: 2 });
    expect(Object.keys(sample.spaces)).toEqual(expect.arrayContaining(['new_space', 'old_space', 'large_object_space']));
  });

  it('splits smaps into the brk heap, anonymous maps (64 MB-aligned arenas apart) and files', () => {
    const text = [
      '55d0c0000000-55d0c0100000 r-xp 00000000 08:01 1234    /usr/bin/node',
      'Size:               1024 kB',
      'Rss:                 700 kB',
      '55d0c2000000-55d0c4000000 rw-p 00000000 00:00 0       [heap]',
      'Rss:               30000 kB',
      '7f0004000000-7f0008000000 rw-p 00000000 00:00 0 ',
      'Rss:                6000 kB',
      '7f0010001000-7f0010200000 rw-p 00000000 00:00 0 ',
      'Rss:                2000 kB',
      'Pss:                2000 kB',
      '7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0       [stack]',
      'Rss:                 100 kB',
    ].join('\n');
    expect(smapsSplit(9, text)).toEqual({ t: 9, heap: 30000, anon: 8100, file: 700, arenas: 6000 });
  });

  it('reads the smaps of this process', () => {
    const split = smapsSplit(0, readFileSync('/proc/self/smaps', 'utf8'));
    expect(split.anon + split.heap).toBeGreaterThan(0);
    expect(split.file).toBeGreaterThan(0);
  });

  it('appends one JSON line per interval until stopped', () => {
    jest.useFakeTimers();
    try {
      const file = join(dir, 'trace.jsonl');
      let n = 0;
      const stop = traceInto(file, 50, () => ({ n: ++n }));
      jest.advanceTimersByTime(160);
      stop();
      jest.advanceTimersByTime(500);
      expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
    } finally {
      jest.useRealTimers();
    }
  });

  it('gives the requester the preload and its file, and writes marks', () => {
    const trace = memoryTraceFiles(join(dir, 'out'), '1m');
    const options = trace.node({ env: { A: '1' }, nodeArgs: ['--x'] });
    expect(options.env).toEqual({ A: '1', PRISM_MEMORY_TRACE: join(dir, 'out', '1m-requester-v8.jsonl') });
    expect(options.nodeArgs).toEqual(['--x', '--require', expect.stringMatching(/memory-trace-preload\.js$/)]);
    trace.mark('full pull 1 start');
    expect(JSON.parse(readFileSync(join(dir, 'out', '1m-requester-marks.jsonl'), 'utf8'))).toMatchObject({ event: 'full pull 1 start' });
  });
});
