import { PrismHttp } from './http.js';
import type { BundleAck, BundleAckResult, BundleImportResult, BundlePosition } from './types.js';

/** Media type of offline bundle files. */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.prism.bundle';

/** An exported bundle as it arrives: the file's bytes as a stream, with its id and suggested name. */
export interface ExportedBundleResponse {
  bundleId: string | null;
  fileName: string | null;
  size: number | null;
  body: ReadableStream<Uint8Array>;
}

/**
 * Offline bundles (Admin): export what a peer's next pull would bring into one file, import a
 * bundle (verified, previewed or applied like a pull), and the acknowledgements that move an
 * exporter's position for the importer.
 */
export class BundlesService {
  constructor(private readonly http: PrismHttp) {}

  /** Exports a bundle for a peer (`full`: from the beginning, as a full resync). Read `body` to the end. */
  async export(remoteNodeId: string, options: { full?: boolean; signal?: AbortSignal } = {}): Promise<ExportedBundleResponse> {
    const response = await this.http.send('POST', '/api/sync/bundles/export', {
      body: { remoteNodeId, ...(options.full ? { full: true } : {}) },
      accept: BUNDLE_MEDIA_TYPE,
      signal: options.signal,
    });
    const disposition = response.headers.get('content-disposition') ?? '';
    const length = Number(response.headers.get('content-length'));
    return {
      bundleId: response.headers.get('x-bundle-id'),
      fileName: /filename="([^"]+)"/.exec(disposition)?.[1] ?? null,
      size: Number.isFinite(length) && length > 0 ? length : null,
      body: response.body!,
    };
  }

  /** Imports a bundle file (a Blob: in Node, `fs.openAsBlob(path)` streams it from disk). */
  import(file: Blob, options: { preview?: boolean; signal?: AbortSignal } = {}): Promise<BundleImportResult> {
    return this.http.json('POST', '/api/sync/bundles/import', {
      raw: file,
      contentType: BUNDLE_MEDIA_TYPE,
      query: options.preview ? { preview: 'true' } : {},
      signal: options.signal,
    });
  }

  /** This node's signed acknowledgement of what it applied from a peer (give it to that peer). */
  acknowledgement(remoteNodeId: string): Promise<BundleAck> {
    return this.http.json('GET', `/api/sync/bundles/acks/${encodeURIComponent(remoteNodeId)}`);
  }

  /** Accepts a peer's acknowledgement: its next bundle starts after what it confirmed. */
  acceptAcknowledgement(ack: BundleAck): Promise<BundleAckResult> {
    return this.http.json('POST', '/api/sync/bundles/acks', { body: ack });
  }

  /** Where each peer's next bundle starts. */
  positions(): Promise<BundlePosition[]> {
    return this.http.json('GET', '/api/sync/bundles/positions');
  }
}
