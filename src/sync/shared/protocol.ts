import { AppError } from '../../core/errors/app-error';

/** Version of our sync extensions (window/cursor feed, streamed files). Additive to the reference. */
export const SYNC_PROTOCOL_VERSION = '2';
export const SYNC_PROTOCOL_HEADER = 'x-sync-protocol';

/** Refuses a peer speaking another major version, before any data moves. */
export function assertCompatibleProtocol(requested: string | undefined): void {
  if (requested === undefined || requested === '') return;
  const major = requested.trim().split('.')[0];
  if (major !== SYNC_PROTOCOL_VERSION) {
    const newer = Number(major) > Number(SYNC_PROTOCOL_VERSION);
    throw new AppError(
      409,
      'ERR_PROTOCOL_MISMATCH',
      `sync protocol ${requested} is not supported by this node (it speaks ${SYNC_PROTOCOL_VERSION}); upgrade the ${newer ? 'serving' : 'requesting'} node`,
      { details: { serverProtocol: SYNC_PROTOCOL_VERSION, clientProtocol: requested, upgrade: newer ? 'server' : 'client' } },
    );
  }
}

/**
 * Page formats of a window pull (additive capability, negotiated at the manifest): the requester
 * names the formats it reads in this header; a source that serves one of them answers it in
 * `window.pageFormat`, one that does not know the header answers as before (JSON pages).
 */
export const SYNC_PAGE_FORMATS_HEADER = 'x-sync-page-formats';
export type PageFormat = 'json' | 'copy';
export const COPY_PAGE_FORMAT: PageFormat = 'copy';
