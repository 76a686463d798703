/**
 * Summarises a node's `.cpuprofile` (from `--node-args="--cpu-prof --cpu-prof-dir=DIR"`) over the
 * window where a function matching WINDOW is on the stack (by default the file transfers of either
 * end): busy and idle time, then the top functions by self time and by inclusive time.
 *
 *   node dist/bench/cpuprofile-summary.js DIR/CPU.….cpuprofile [WINDOW regexp] [top N]
 *
 * The profiler samples the main thread only, and on a loaded machine a sample taken after the
 * thread was descheduled is charged to whatever was on its stack (a native call that woke a pool
 * thread shows as that call's self time): read the numbers as main-thread wall time, not CPU.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

function nameOf(frame: ProfileNode['callFrame']): string {
  const url = frame.url.replace(/.*node_modules\//, 'nm/').replace(/.*dist\//, '').replace(/^node:/, '');
  return `${frame.functionName || '(anonymous)'} ${url}:${frame.lineNumber + 1}`;
}

function summarise(profile: Profile, window: RegExp, top: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const stacks = new Map<number, string[]>();
  const stackOf = (id: number): string[] => {
    let stack = stacks.get(id);
    if (!stack) {
      stack = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(nameOf(byId.get(at)!.callFrame));
      stacks.set(id, stack);
    }
    return stack;
  };
  // A sample's time is the delta to the next sample.
  const times: number[] = [];
  let now = profile.startTime;
  let first = Infinity;
  let last = -Infinity;
  profile.samples.forEach((id, i) => {
    now += profile.timeDeltas[i];
    times.push(now);
    if (stackOf(id).some((f) => window.test(f))) [first, last] = [Math.min(first, now), now];
  });
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    if (times[i] < first || times[i] > last) return;
    const us = profile.timeDeltas[i + 1] ?? 0;
    const stack = stackOf(id);
    if (stack[0].startsWith('(idle)')) return void (idle += us);
    busy += us;
    self.set(stack[0], (self.get(stack[0]) ?? 0) + us);
    for (const frame of new Set(stack)) inclusive.set(frame, (inclusive.get(frame) ?? 0) + us);
  });
  const s = (us: number) => (us / 1e6).toFixed(2).padStart(6);
  const ranked = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `${s(us)}  ${k}`);
  return [
    `window ${s(last - first)} s: busy ${s(busy)} s, idle ${s(idle)} s`,
    '-- self time (s)',
    ...ranked(self),
    '-- inclusive time (s)',
    ...ranked(inclusive),
  ];
}

const [file, window = 'receiveFrames|writeFrames', top = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node dist/bench/cpuprofile-summary.js FILE.cpuprofile [WINDOW regexp] [top N]');
  process.exit(2);
}
console.log(summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, new RegExp(window), Number(top)).join('\n'));
