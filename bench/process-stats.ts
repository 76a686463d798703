import { readFileSync } from 'node:fs';
import { Client } from 'pg';

/**
 * What a case costs the processes around it, read from /proc: CPU time (utime + stime) and
 * resident memory, plus how long the source database holds a snapshot (pg_stat_activity).
 */

/** Linux reports CPU times in clock ticks of USER_HZ, 100 on every mainstream kernel. */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in ms; undefined when it is gone or not visible. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** A field of /proc/<pid>/status in kB (VmRSS, VmHWM); 0 when unreadable. */
export function statusKb(pid: number, field: string): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export const rssMb = (pid: number) => Math.round(statusKb(pid, 'VmRSS') / 1024);

/** A node's V8 heap as its /metrics reports it (prom-client's default metrics), in MB. */
export interface HeapFigures {
  usedMb: number;
  totalMb: number;
  /** The young generation's committed size (NODE_RUNTIME_FLAGS caps it). */
  newSpaceMb: number;
  externalMb: number;
}

/** The heap figures of a /metrics text (undefined when it lacks them). */
export function heapFromMetrics(text: string): HeapFigures | undefined {
  const value = (pattern: string) => {
    const match = new RegExp(`^prism_${pattern} (\\S+)$`, 'm').exec(text);
    return match ? Math.round(Number(match[1]) / 1048576) : undefined;
  };
  const figures = {
    usedMb: value('nodejs_heap_size_used_bytes'),
    totalMb: value('nodejs_heap_size_total_bytes'),
    newSpaceMb: value('nodejs_heap_space_size_total_bytes\\{space="new"\\}'),
    externalMb: value('nodejs_external_memory_bytes'),
  };
  return Object.values(figures).every((v) => v !== undefined) ? (figures as HeapFigures) : undefined;
}

/** The source's cost during one case. */
export interface SourceCost {
  /** The longest time one transaction of the source database held a snapshot (the pull's export window). */
  snapshotHeldMs: number;
  /** CPU the source node process used during the case. */
  nodeCpuMs: number;
  /** CPU the source database's backends used (undefined: the server's processes are not visible here). */
  dbCpuMs?: number;
  /** CPU the requester node process used, for comparison. */
  requesterCpuMs: number;
  /** Wall time of the case (CPU ÷ wall = cores busy). */
  wallMs: number;
}

/**
 * Samples the source database every 25 ms while a case runs: every client backend holding a
 * snapshot (backend_xmin set) and the span of its transaction, which for a pull is the export
 * window from the manifest to the last page; and the CPU of each backend of that database when
 * the server runs on this machine (its pids are then ours to read in /proc).
 */
export class SourceCostSampler {
  private readonly holds = new Map<string, { start: number; lastSeen: number }>();
  private readonly backendCpu = new Map<number, { first: number; last: number }>();
  private serverVisible = true;
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;
  private failure?: unknown;
  private started = 0;
  private cpuAtStart: { source: number; requester: number } = { source: 0, requester: 0 };

  constructor(
    private readonly admin: Client,
    private readonly database: string,
    private readonly sourcePid: number,
    private readonly requesterPid: number,
  ) {}

  async start(): Promise<void> {
    this.started = performance.now();
    this.cpuAtStart = { source: cpuMs(this.sourcePid) ?? 0, requester: cpuMs(this.requesterPid) ?? 0 };
    await this.sample(true);
    this.timer = setInterval(() => {
      this.sampling ??= this.sample(false)
        .catch((error: unknown) => void (this.failure ??= error))
        .finally(() => (this.sampling = undefined));
    }, 25);
  }

  async stop(): Promise<SourceCost> {
    clearInterval(this.timer);
    await this.sampling;
    if (this.failure) throw this.failure;
    await this.sample(false);
    let snapshotHeldMs = 0;
    for (const hold of this.holds.values()) snapshotHeldMs = Math.max(snapshotHeldMs, hold.lastSeen - hold.start);
    const dbCpuMs = this.serverVisible ? [...this.backendCpu.values()].reduce((sum, c) => sum + (c.last - c.first), 0) : undefined;
    return {
      snapshotHeldMs,
      nodeCpuMs: (cpuMs(this.sourcePid) ?? 0) - this.cpuAtStart.source,
      dbCpuMs,
      requesterCpuMs: (cpuMs(this.requesterPid) ?? 0) - this.cpuAtStart.requester,
      wallMs: performance.now() - this.started,
    };
  }

  private async sample(first: boolean): Promise<void> {
    const rows = (
      await this.admin.query(
        `SELECT pid, backend_xmin IS NOT NULL AS holds,
                (extract(epoch FROM xact_start) * 1000)::float8 AS xact_ms, (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms
           FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
        [this.database],
      )
    ).rows as { pid: number; holds: boolean; xact_ms: number | null; now_ms: number }[];
    for (const row of rows) {
      if (row.holds && row.xact_ms !== null) {
        const key = `${row.pid}:${row.xact_ms}`;
        const hold = this.holds.get(key) ?? { start: row.xact_ms, lastSeen: row.now_ms };
        hold.lastSeen = row.now_ms;
        this.holds.set(key, hold);
      }
      if (!this.serverVisible) continue;
      const cpu = cpuMs(row.pid);
      if (cpu === undefined || !readComm(row.pid).startsWith('postgres')) {
        this.serverVisible = false;
        continue;
      }
      // A backend present at the start counts from there; one born during the case counts whole.
      const known = this.backendCpu.get(row.pid);
      if (known) known.last = cpu;
      else this.backendCpu.set(row.pid, { first: first ? cpu : 0, last: cpu });
    }
  }
}

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
