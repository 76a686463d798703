import { Readable } from 'node:stream';

/**
 * The stored content the research export writes into its archive, by SHA-256. The module that
 * stores recording files provides it (RecordingFilesModule, over RecordingStorage).
 */
export abstract class ExportFiles {
  abstract has(sha256: string): Promise<boolean>;
  abstract openRead(sha256: string): Promise<Readable>;
}
