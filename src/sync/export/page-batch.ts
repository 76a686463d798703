import { BatchPartHeader, BatchRequest } from '../shared/page-stream';
import { PageRequest, StreamedPage } from './export.types';

const NEWLINE = Buffer.from('\n');

/**
 * The parts of a batched answer (GET /api/sync/window/pages): for each feed in turn, its pages,
 * each a JSON header line then its rows straight from the page's COPY (tombstones: a JSON line),
 * until the feed ends or `budget` rows are served. `readPage` reads one page in the window.
 */
export async function* batchParts(readPage: (route: string, request: PageRequest) => Promise<StreamedPage>, request: BatchRequest, budget: number): AsyncGenerator<Buffer> {
  let served = 0;
  for (const route of request.routes) {
    let after: string | undefined;
    do {
      if (served >= budget) return;
      const page = await readPage(route, { window: request.window, after, pageSize: request.pageSize });
      // A COPY the answer stops reading (the requester went away or refused a part; the
      // connection is then discarded) errs after this generator let go of it: that error is the
      // cut answer's, already handled, and must not go unheard.
      page.body.on('error', () => undefined);
      try {
        const header: BatchPartHeader = { route, table: page.table, rows: page.rows, columns: page.columns, next: page.next };
        yield Buffer.from(`${JSON.stringify(header)}\n`);
        // The page's COPY is read to its end before the next statement on this connection.
        for await (const chunk of page.body) yield chunk as Buffer;
      } finally {
        page.body.destroy();
      }
      if (page.table === null) yield NEWLINE;
      served += Math.max(1, page.rows);
      after = page.next ?? undefined;
    } while (after);
  }
}
