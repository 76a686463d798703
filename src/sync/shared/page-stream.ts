import { createHash } from 'node:crypto';

/**
 * A window page in the `copy` format on the wire (protocol 2, additive): the page's metadata in
 * response headers, its body in the encrypted frames of chunked-cipher.ts. The frames' AAD names
 * the stream by pageStreamId — the request and every header of the answer — so a header altered
 * on the way, or a page replayed for another request, fails authentication.
 */
export const PAGE_HEADERS = {
  /** The table of a rows page; absent on the feed's tombstone page. */
  table: 'x-page-table',
  /** Rows (or tombstones) in the body. */
  rows: 'x-page-rows',
  /** Wire names of the COPY columns, comma-separated, in their order. */
  columns: 'x-page-columns',
  /** The next page's `after`; absent at the end of the feed. */
  next: 'x-page-next',
} as const;

export interface StreamedPageMeta {
  table: string | null;
  rows: number;
  columns: string[];
  next: string | null;
}

export interface StreamedPageRequest {
  route: string;
  window: string;
  after: string | null;
  /** One part of the feed only (PAGE_PARTS_CAPABILITY): its table at this index, or its tombstones at the index after the last table. */
  part?: number;
}

/** The identity of one page's frame stream (the AAD prefix of its frames); a part's page names its part too. */
export function pageStreamId(request: StreamedPageRequest, meta: StreamedPageMeta): string {
  const identity: unknown[] = ['page', request.route, request.window, request.after, meta.table, meta.rows, meta.columns, meta.next];
  if (request.part !== undefined) identity.push({ part: request.part });
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

/** The metadata as response headers. */
export function pageHeaders(meta: StreamedPageMeta): Record<string, string> {
  const headers: Record<string, string> = { [PAGE_HEADERS.rows]: String(meta.rows), [PAGE_HEADERS.columns]: meta.columns.join(',') };
  if (meta.table !== null) headers[PAGE_HEADERS.table] = meta.table;
  if (meta.next !== null) headers[PAGE_HEADERS.next] = meta.next;
  return headers;
}

/**
 * A window's pages batched in one answer (`GET /api/sync/window/pages`, additive capability
 * `copy-batch` of X-Sync-Page-Formats; the manifest's `window.pageBatch` says the source serves
 * it): pages of the named feeds, one after another in one stream of frames. Each page is a part:
 * a line of JSON (BatchPartHeader), then its body — exactly `rows` COPY text lines, or, for a
 * feed's tombstone page (`table` null), one line of JSON array. Everything, headers included, is in
 * the frames, whose AAD names the request (batchStreamId): an altered part or a replayed answer
 * fails authentication, and a stream cut short lacks its end frame.
 */
export const PAGE_BATCH_CAPABILITY = 'copy-batch';

/**
 * A feed's parts fetched side by side (additive capability `copy-parts` of X-Sync-Page-Formats; the
 * manifest's `window.pageParts` says the source serves it, and each feed entry then counts its rows
 * per table in `tables`): a COPY page request with `part=i` reads only the feed's table i (in feed
 * order), `part=<number of tables>` only its tombstones; the part's last page has `next` null, and
 * a part without rows answers one empty tombstone page. Each table's staging file is still written
 * by one sequence of pages, so a big feed's tables come in parallel without changing the staging.
 */
export const PAGE_PARTS_CAPABILITY = 'copy-parts';

export interface BatchPartHeader extends StreamedPageMeta {
  route: string;
}

export interface BatchRequest {
  window: string;
  /** Feeds, served in this order, each from its start. */
  routes: string[];
  pageSize: number;
  /** Rows (a tombstone page counts at least one) after which the source starts no further page; the rest goes page by page. */
  budget: number;
}

/** A header line's longest length (routes, table and column names, the next token). */
export const BATCH_HEADER_MAX_BYTES = 64 * 1024;

/** The identity of a batch answer's frame stream. */
export function batchStreamId(request: BatchRequest): string {
  const identity = ['batch', request.window, request.routes, request.pageSize, request.budget];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}
