import type { FaultAction, FaultRule, ProxiedRequest } from './fault-proxy';

/** Where in a pull a fault hits (for the summary). */
export type FaultPhase = 'handshake' | 'manifest' | 'feed-page' | 'tombstones' | 'window-close' | 'file-stream' | 'process';

/** What must happen: a transient fault is absorbed by the puller's retries; a persistent one fails cleanly. */
export type FaultExpectation =
  | { outcome: 'converges' }
  | { outcome: 'fails'; status: 'failed' | 'rolled_back'; code: RegExp };

/** Process-level faults the engine performs itself (they need the nodes, not only the proxy). */
export type ProcessFault =
  | { kind: 'kill-source'; at: RegExp; nth?: number }
  | { kind: 'kill-requester-fetch'; at: RegExp; nth?: number }
  | { kind: 'kill-requester-apply'; lockTable: string };

export interface FaultCase {
  name: string;
  phase: FaultPhase;
  rules?: (ctx: { tombstonePage: (req: ProxiedRequest) => boolean }) => FaultRule[];
  process?: ProcessFault;
  /** New recording files in the round beyond the one every round brings (the fault then hits one of several). */
  extraFiles?: number;
  expect: FaultExpectation;
  /**
   * A failed pull whose staging is kept (a transient failure or a kill of the puller while the
   * source keeps its window): the clean retry continues it, and its log says what it reused.
   */
  resumes?: boolean;
}

const HANDSHAKE_FAILS: FaultExpectation = { outcome: 'fails', status: 'failed', code: /^ERR_/ };
const converges: FaultExpectation = { outcome: 'converges' };
const fails = (code: RegExp, status: 'failed' | 'rolled_back' = 'failed'): FaultExpectation => ({ outcome: 'fails', status, code });

const PAGE = (route: string) => new RegExp(`^/api/sync/${route}$`);
const BATCH = /^\/api\/sync\/window\/pages$/;
const STREAM = /^\/api\/sync\/recordings\/[^/]+\/stream$/;
const ALWAYS = Infinity;

const on = (path: RegExp, action: FaultAction, extra: Partial<FaultRule> = {}): FaultRule[] => [{ path, action, ...extra }];
const s503: FaultAction = { kind: 'status', status: 503, body: { error: 'ERR_UNAVAILABLE', message: 'injected' } };

/** The fault points: data; one engine (faults.e2e-spec.ts) runs them all. */
export const FAULT_CASES: FaultCase[] = [
  // Handshake (the source was restarted, so the requester's kept session is stale and it shakes hands
  // again inside the retried manifest call): a one-off fault is absorbed, a persistent or undecryptable one fails.
  { name: 'channel open answers 503 (persistent)', phase: 'handshake', rules: () => on(/^\/api\/channel\/open$/, s503, { times: ALWAYS }), expect: HANDSHAKE_FAILS },
  { name: 'channel open connection reset', phase: 'handshake', rules: () => on(/^\/api\/channel\/open$/, { kind: 'reset' }), expect: converges },
  { name: 'identify answers 500', phase: 'handshake', rules: () => on(/^\/api\/node\/identify$/, { kind: 'status', status: 500 }), expect: converges },
  { name: 'challenge cut mid-answer', phase: 'handshake', rules: () => on(/^\/api\/node\/challenge$/, { kind: 'cut', afterBytes: 'half' }), expect: converges },
  { name: 'authenticate answer corrupted', phase: 'handshake', rules: () => on(/^\/api\/node\/authenticate$/, { kind: 'corrupt', at: 'half' }), expect: HANDSHAKE_FAILS },
  { name: 'authenticate never answers (timeout)', phase: 'handshake', rules: () => on(/^\/api\/node\/authenticate$/, { kind: 'stall' }), expect: converges },

  // Manifest (opens the window): idempotent, retried.
  { name: 'manifest 503 once', phase: 'manifest', rules: () => on(/^\/api\/sync\/manifest$/, s503), expect: converges },
  { name: 'manifest reset once', phase: 'manifest', rules: () => on(/^\/api\/sync\/manifest$/, { kind: 'reset' }), expect: converges },
  { name: 'manifest delayed 300 ms', phase: 'manifest', rules: () => on(/^\/api\/sync\/manifest$/, { kind: 'delay', ms: 300 }), expect: converges },
  { name: 'manifest stalls once (timeout, retried)', phase: 'manifest', rules: () => on(/^\/api\/sync\/manifest$/, { kind: 'stall' }), expect: converges },
  { name: 'manifest 503 persistent', phase: 'manifest', rules: () => on(/^\/api\/sync\/manifest$/, s503, { times: ALWAYS }), expect: fails(/ERR_UNAVAILABLE/) },
  { name: 'manifest answer corrupted', phase: 'manifest', rules: () => on(/^\/api\/sync\/manifest$/, { kind: 'corrupt', at: 'half' }), expect: fails(/ERR_PEER_PROTOCOL|ERR_PROTOCOL_MISMATCH/) },
  { name: 'manifest cut mid-answer (persistent)', phase: 'manifest', rules: () => on(/^\/api\/sync\/manifest$/, { kind: 'cut', afterBytes: 'half' }, { times: ALWAYS }), expect: fails(/ERR_PEER_UNREACHABLE|ERR_PEER/) },

  // Feed pages of every aggregate.
  // The small feeds (the SNOMED catalogs, researchers) come in one batched answer: a fault on it
  // makes them go on page by page from their last staged part.
  { name: 'batch of small feeds 503 once', phase: 'feed-page', rules: () => on(BATCH, s503), expect: converges },
  { name: 'batch of small feeds cut mid-answer once', phase: 'feed-page', rules: () => on(BATCH, { kind: 'cut', afterBytes: 'half' }), expect: converges },
  { name: 'volunteers 3rd page reset once', phase: 'feed-page', rules: () => on(PAGE('volunteers'), { kind: 'reset' }, { nth: 3 }), expect: converges },
  { name: 'volunteers page 429 with Retry-After once', phase: 'feed-page', rules: () => on(PAGE('volunteers'), { kind: 'status', status: 429, headers: { 'Retry-After': '1' }, body: { error: 'ERR_RATE_LIMIT_EXCEEDED', message: 'injected' } }, { nth: 2 }), expect: converges },
  { name: 'devices page cut after 10 bytes once', phase: 'feed-page', rules: () => on(PAGE('devices'), { kind: 'cut', afterBytes: 10 }), expect: converges },
  { name: 'sessions 2nd page 503 persistent', phase: 'feed-page', rules: () => on(PAGE('sessions'), s503, { nth: 2, times: ALWAYS }), expect: fails(/ERR_UNAVAILABLE/), resumes: true },
  { name: 'research page corrupted', phase: 'feed-page', rules: () => on(PAGE('research'), { kind: 'corrupt', at: 'half' }, { nth: 2 }), expect: fails(/ERR_PEER_PROTOCOL|ERR_MALFORMED_PAGE/) },
  { name: 'researchers page cut (persistent, the batch too)', phase: 'feed-page', rules: () => [...on(BATCH, { kind: 'cut', afterBytes: 0 }, { times: ALWAYS }), ...on(PAGE('researchers'), { kind: 'cut', afterBytes: 'half' }, { times: ALWAYS })], expect: fails(/ERR_PEER/), resumes: true },
  // An expired window is re-opened once (the source released it); expiring again fails the pull.
  { name: 'sessions page: window expired (410) once', phase: 'feed-page', rules: () => on(PAGE('sessions'), { kind: 'status', status: 410, body: { error: 'ERR_WINDOW_EXPIRED', message: 'injected' } }, { nth: 4 }), expect: converges },
  { name: 'sessions page: window expired (410) persistent', phase: 'feed-page', rules: () => on(PAGE('sessions'), { kind: 'status', status: 410, body: { error: 'ERR_WINDOW_EXPIRED', message: 'injected' } }, { times: ALWAYS }), expect: fails(/ERR_WINDOW_EXPIRED/) },
  { name: 'batch of small feeds answers 400', phase: 'feed-page', rules: () => on(BATCH, { kind: 'status', status: 400, body: { error: 'ERR_VALIDATION', message: 'injected' } }), expect: fails(/ERR_VALIDATION/) },

  // Tombstone pages (the volunteers feed deletes a vital_signs row each round).
  { name: 'tombstone page reset once', phase: 'tombstones', rules: (c) => on(PAGE('volunteers'), { kind: 'reset' }, { when: c.tombstonePage }), expect: converges },
  { name: 'tombstone page 503 persistent', phase: 'tombstones', rules: (c) => on(PAGE('volunteers'), s503, { when: c.tombstonePage, times: ALWAYS }), expect: fails(/ERR_UNAVAILABLE/), resumes: true },
  { name: 'tombstone page corrupted', phase: 'tombstones', rules: (c) => on(PAGE('volunteers'), { kind: 'corrupt', at: 'half' }, { when: c.tombstonePage }), expect: fails(/ERR_PEER_PROTOCOL|ERR_MALFORMED_PAGE/) },

  // Window close: best effort; the pull completes without it.
  { name: 'window close answers 500', phase: 'window-close', rules: () => on(/^\/api\/sync\/window\/close$/, { kind: 'status', status: 500 }, { times: ALWAYS }), expect: converges },
  { name: 'window close reset', phase: 'window-close', rules: () => on(/^\/api\/sync\/window\/close$/, { kind: 'reset' }, { times: ALWAYS }), expect: converges },

  // Recording file stream: start, middle, end.
  { name: 'file stream 503 at start once', phase: 'file-stream', rules: () => on(STREAM, s503), expect: converges },
  { name: 'file stream cut before the first byte once', phase: 'file-stream', rules: () => on(STREAM, { kind: 'cut', afterBytes: 0 }), expect: converges },
  { name: 'file stream cut mid-file once (resumed)', phase: 'file-stream', rules: () => on(STREAM, { kind: 'cut', afterBytes: 'half' }), expect: converges },
  { name: 'file stream cut before the last byte once', phase: 'file-stream', rules: () => on(STREAM, { kind: 'cut', afterBytes: 'last' }), expect: converges },
  { name: 'file stream byte corrupted mid-file once', phase: 'file-stream', rules: () => on(STREAM, { kind: 'corrupt', at: 'half' }), expect: converges },
  { name: 'file stream cut early (persistent)', phase: 'file-stream', rules: () => on(STREAM, { kind: 'cut', afterBytes: 100 }, { times: ALWAYS }), expect: fails(/ERR_FILE|ERR_PEER/), resumes: true },
  { name: 'file stream corrupted (persistent)', phase: 'file-stream', rules: () => on(STREAM, { kind: 'corrupt', at: 'last' }, { times: ALWAYS }), expect: fails(/ERR_FILE|ERR_PEER/) },
  // Two files: the fault hits the second stream, after the first file may be stored. A failed pull
  // must leave the file store as it was (the stored file collected, issue 14 item 3).
  { name: 'second file stream corrupted (persistent)', phase: 'file-stream', extraFiles: 1, rules: () => on(STREAM, { kind: 'corrupt', at: 'last' }, { nth: 2, times: ALWAYS }), expect: fails(/ERR_FILE|ERR_PEER/) },
  { name: 'second file stream cut (persistent)', phase: 'file-stream', extraFiles: 1, rules: () => on(STREAM, { kind: 'cut', afterBytes: 100 }, { nth: 2, times: ALWAYS }), expect: fails(/ERR_FILE|ERR_PEER/), resumes: true },
  { name: 'file stream 404', phase: 'file-stream', rules: () => on(STREAM, { kind: 'status', status: 404, body: { error: 'ERR_NOT_FOUND', message: 'injected' } }), expect: fails(/ERR_NOT_FOUND/) },

  // Processes: kill -9 of the source at chosen moments, and of the requester mid-fetch / mid-apply.
  { name: 'kill -9 source at the manifest', phase: 'process', process: { kind: 'kill-source', at: /^\/api\/sync\/manifest$/ }, expect: fails(/ERR_PEER/) },
  { name: 'kill -9 source mid-pages (volunteers page 3)', phase: 'process', process: { kind: 'kill-source', at: PAGE('volunteers'), nth: 3 }, expect: fails(/ERR_PEER/) },
  { name: 'kill -9 source at the file stream', phase: 'process', process: { kind: 'kill-source', at: STREAM }, expect: fails(/ERR_PEER|ERR_FILE/), resumes: true },
  { name: 'kill -9 source at the second file stream', phase: 'process', extraFiles: 1, process: { kind: 'kill-source', at: STREAM, nth: 2 }, expect: fails(/ERR_PEER|ERR_FILE/) },
  { name: 'kill -9 requester at the second file stream', phase: 'process', extraFiles: 1, process: { kind: 'kill-requester-fetch', at: STREAM, nth: 2 }, expect: fails(/^ERR_INTERRUPTED$/), resumes: true },
  { name: 'kill -9 requester mid-fetch', phase: 'process', process: { kind: 'kill-requester-fetch', at: PAGE('research'), nth: 2 }, expect: fails(/^ERR_INTERRUPTED$/), resumes: true },
  { name: 'kill -9 requester mid-apply', phase: 'process', process: { kind: 'kill-requester-apply', lockTable: 'record_channel' }, expect: fails(/^ERR_INTERRUPTED$/) },
];
