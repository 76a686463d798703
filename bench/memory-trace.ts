import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapSpaceStatistics, HeapSpaceInfo } from 'node:v8';

/**
 * A bench-only diagnostic of where a node's memory goes during a case (`--memory-trace <dir>`):
 * - in the node (`node --require dist/bench/memory-trace-preload.js`, on only when PRISM_MEMORY_TRACE
 *   names a file): every 50 ms, process.memoryUsage() and each V8 heap space's committed size, one JSON
 *   line each (small: the sampler must not be what it measures);
 * - from the bench process: the node's /proc/<pid>/smaps split by kind of mapping (the sampler
 *   reading its own smaps would allocate MBs of strings in the node measured).
 * Figures in kB. Off by default; the bench's own RSS figures are read without it.
 */

export interface MemorySample {
  /** ms since the epoch (the two traces join on it). */
  t: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Committed kB of each V8 space (new_space, old_space, large_object_space, code_space, …). */
  spaces: Record<string, number>;
}

const kb = (bytes: number) => Math.round(bytes / 1024);

export function memorySample(t: number, usage: NodeJS.MemoryUsage, spaces: HeapSpaceInfo[]): MemorySample {
  return {
    t,
    rss: kb(usage.rss),
    heapTotal: kb(usage.heapTotal),
    heapUsed: kb(usage.heapUsed),
    external: kb(usage.external),
    arrayBuffers: kb(usage.arrayBuffers),
    spaces: Object.fromEntries(spaces.map((s) => [s.space_name, kb(s.space_size)])),
  };
}

/** Resident kB of a process's mappings by kind: the brk heap (main-thread malloc), other anonymous maps (V8's heap, glibc thread arenas, mmapped Buffers), file-backed maps. */
export interface SmapsSplit {
  t: number;
  heap: number;
  anon: number;
  file: number;
  /** Anonymous maps of 64 MB-aligned reservations (glibc thread arenas) among `anon`. */
  arenas: number;
}

const ARENA_ALIGN = 64 * 1024 * 1024;

/** The split of a /proc/<pid>/smaps text. */
export function smapsSplit(t: number, text: string): SmapsSplit {
  const split: SmapsSplit = { t, heap: 0, anon: 0, file: 0, arenas: 0 };
  let kind: 'heap' | 'anon' | 'file' = 'anon';
  let arena = false;
  for (const line of text.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[3].trim();
      kind = name === '[heap]' ? 'heap' : name.startsWith('/') ? 'file' : 'anon';
      arena = kind === 'anon' && name === '' && parseInt(header[1], 16) % ARENA_ALIGN === 0;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (!rss) continue;
    split[kind] += Number(rss[1]);
    if (arena) split.arenas += Number(rss[1]);
  }
  return split;
}

/** Samples `read()` every `intervalMs` into `file` as JSON lines, until stopped. */
export function traceInto(file: string, intervalMs: number, read: () => object): () => void {
  const timer = setInterval(() => appendFileSync(file, `${JSON.stringify(read())}\n`), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The bench side: a node's smaps split, sampled from outside it. */
export function traceSmaps(pid: number, file: string, intervalMs = 50): () => void {
  return traceInto(file, intervalMs, () => {
    try {
      return smapsSplit(Date.now(), readFileSync(`/proc/${pid}/smaps`, 'utf8'));
    } catch {
      return { t: Date.now(), gone: true };
    }
  });
}

/** In the node (memory-trace-preload.ts): its own V8 figures. */
export function traceSelf(file: string, intervalMs = 50): () => void {
  return traceInto(file, intervalMs, () => memorySample(Date.now(), process.memoryUsage(), getHeapSpaceStatistics()));
}

/** `--memory-trace dir`: the requester of a dataset size traced into `dir/<size>-requester-{v8,smaps,marks}.jsonl`. */
export function memoryTraceFiles(dir: string, size: string) {
  mkdirSync(dir, { recursive: true });
  const file = (kind: string) => join(dir, `${size}-requester-${kind}.jsonl`);
  return {
    /** The node's options with the in-node sampler on. */
    node<T extends { env: Record<string, string>; nodeArgs: string[] }>(options: T): T {
      return { ...options, env: { ...options.env, PRISM_MEMORY_TRACE: file('v8') }, nodeArgs: [...options.nodeArgs, '--require', join(__dirname, 'memory-trace-preload.js')] };
    },
    start: (pid: number) => traceSmaps(pid, file('smaps')),
    mark: (event: string) => appendFileSync(file('marks'), `${JSON.stringify({ t: Date.now(), event })}\n`),
  };
}
