import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobServiceClient, ContainerClient, RestError } from '@azure/storage-blob';
import {
  ByteRange,
  FileNotStoredError,
  HashingMeter,
  PutOptions,
  RecordingStorage,
  SHA256_HEX,
  StoredFile,
  verifyExpected,
} from './recording-storage';

const UPLOAD_BUFFER_BYTES = 4 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 2;

/**
 * Recording files in an Azure Blob container (one per node, as the reference): blobs
 * `sha256/<aa>/<sha256>`. put() streams into a temporary blob while hashing, then copies it
 * server-side to its address (a blob appears only when complete) and deletes the temporary one.
 */
export class AzureBlobRecordingStorage extends RecordingStorage {
  private readonly container: ContainerClient;
  private ready: Promise<unknown> | undefined;

  constructor(connectionString: string, containerName: string) {
    super();
    this.container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
  }

  private blobName(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new FileNotStoredError(sha256);
    return `sha256/${sha256.slice(0, 2)}/${sha256}`;
  }

  private blob(sha256: string) {
    return this.container.getBlockBlobClient(this.blobName(sha256));
  }

  private ensureContainer(): Promise<unknown> {
    this.ready ??= this.container.createIfNotExists().catch((error) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  async put(source: Readable, options: PutOptions = {}): Promise<StoredFile> {
    let sourceError: unknown;
    source.on('error', (error) => (sourceError = error));
    await this.ensureContainer();
    if (sourceError) throw sourceError;
    const temp = this.container.getBlockBlobClient(`tmp/${randomUUID()}`);
    try {
      const meter = new HashingMeter(options.maxBytes);
      source.on('error', (error) => meter.destroy(error));
      const uploaded = temp.uploadStream(source.pipe(meter), UPLOAD_BUFFER_BYTES, UPLOAD_CONCURRENCY);
      // uploadStream does not always surface a source error; race it against the meter's failure.
      await Promise.race([uploaded, new Promise((_, reject) => meter.once('error', reject))]);
      const stored = meter.result();
      verifyExpected(stored, options);
      const target = this.blob(stored.sha256);
      if (!(await target.exists())) {
        const copy = await target.beginCopyFromURL(temp.url);
        await copy.pollUntilDone();
      }
      return stored;
    } finally {
      await temp.deleteIfExists().catch(() => undefined);
    }
  }

  async has(sha256: string): Promise<boolean> {
    if (!SHA256_HEX.test(sha256)) return false;
    await this.ensureContainer();
    return this.blob(sha256).exists();
  }

  async stat(sha256: string): Promise<StoredFile | undefined> {
    if (!SHA256_HEX.test(sha256)) return undefined;
    await this.ensureContainer();
    try {
      const properties = await this.blob(sha256).getProperties();
      return { sha256, size: properties.contentLength ?? 0 };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async openRead(sha256: string, range?: ByteRange): Promise<Readable> {
    await this.ensureContainer();
    try {
      const offset = range?.start ?? 0;
      const count = range ? range.end - range.start + 1 : undefined;
      const response = await this.blob(sha256).download(offset, count);
      return response.readableStreamBody as Readable;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) throw new FileNotStoredError(sha256);
      throw error;
    }
  }

  async delete(sha256: string): Promise<void> {
    if (!SHA256_HEX.test(sha256)) return;
    await this.ensureContainer();
    await this.blob(sha256).deleteIfExists();
  }

  locator(sha256: string): string {
    return this.blob(sha256).url;
  }

  async *list(): AsyncIterable<string> {
    await this.ensureContainer();
    for await (const item of this.container.listBlobsFlat({ prefix: 'sha256/' })) {
      const name = item.name.slice(item.name.lastIndexOf('/') + 1);
      if (SHA256_HEX.test(name)) yield name;
    }
  }
}
