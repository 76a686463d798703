import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FrameDecryptor } from '../shared/chunked-cipher';
import { BUNDLE_FORMAT_VERSION, BUNDLE_MAGIC, bundleError, BundleManifest, MAX_MANIFEST_BYTES } from './bundle-format';

/** The clear head of a bundle file: the manifest as signed (exact text), its signature, where the content starts. */
export interface BundleHead {
  manifest: BundleManifest;
  manifestText: string;
  signature: string;
  contentOffset: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const isCount = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
const isText = (s: unknown, max = 100_000) => typeof s === 'string' && s.length <= max;

/** Reads and shape-checks the head of a bundle file (nothing is trusted before the signature is checked). */
export async function readBundleHead(path: string): Promise<BundleHead> {
  const file = await open(path, 'r');
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(BUNDLE_MAGIC.length + 1 + MAX_MANIFEST_BYTES + 1 + 4096);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
  const first = head.indexOf(10);
  const second = first < 0 ? -1 : head.indexOf(10, first + 1);
  const third = second < 0 ? -1 : head.indexOf(10, second + 1);
  if (first < 0 || head.subarray(0, first).toString('utf8') !== BUNDLE_MAGIC || second < 0 || third < 0) {
    throw bundleError('ERR_BUNDLE_MALFORMED', 'not a PRISM bundle file (no bundle head)');
  }
  const manifestText = head.subarray(first + 1, second).toString('utf8');
  const signature = head.subarray(second + 1, third).toString('utf8');
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(manifestText) as BundleManifest;
  } catch (error) {
    throw bundleError('ERR_BUNDLE_MALFORMED', 'the bundle manifest is not JSON', error);
  }
  if (!isManifest(manifest)) throw bundleError('ERR_BUNDLE_MALFORMED', `the bundle manifest is not a PRISM bundle manifest of version ${BUNDLE_FORMAT_VERSION}`);
  return { manifest, manifestText, signature, contentOffset: third + 1 };
}

function isManifest(m: BundleManifest): boolean {
  return (
    !!m &&
    m.format === 'prism-bundle' &&
    m.version === BUNDLE_FORMAT_VERSION &&
    isText(m.bundleId, 100) &&
    isText(m.createdAt, 100) &&
    isText(m.exporter?.fingerprint, 100) &&
    isText(m.exporter?.nodeId, 100) &&
    isText(m.recipient?.fingerprint, 100) &&
    isText(m.protocolVersion, 20) &&
    isText(m.schemaVersion, 200) &&
    isText(m.window?.from) &&
    isText(m.window?.to) &&
    isText(m.window?.nextCursor) &&
    (m.window.cursorFrom === null || isText(m.window.cursorFrom)) &&
    typeof m.window.full === 'boolean' &&
    Array.isArray(m.counts?.feeds) &&
    m.counts.feeds.length <= 1000 &&
    m.counts.feeds.every((f) => isText(f?.route, 200) && isText(f.aggregate, 200) && isCount(f.rows) && isCount(f.tombstones)) &&
    isCount(m.counts.rows) &&
    isCount(m.counts.tombstones) &&
    isCount(m.counts.files) &&
    isCount(m.counts.fileBytes) &&
    isCount(m.content?.bytes) &&
    isCount(m.content?.records) &&
    SHA256_HEX.test(String(m.content?.sha256)) &&
    m.cipher?.algorithm === 'AES-256-GCM-frames' &&
    m.cipher.keyWrapping === 'RSA-OAEP-SHA256' &&
    m.cipher.compression === 'gzip' &&
    isText(m.cipher.wrappedKey, 10_000) &&
    isCount(m.cipher.bytes) &&
    SHA256_HEX.test(String(m.cipher.sha256))
  );
}

/** SHA-256 and size of the encrypted content, checked against the (signed) manifest before anything is decrypted. */
export async function verifyCiphertext(path: string, head: BundleHead): Promise<void> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { start: head.contentOffset })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  if (bytes !== head.manifest.cipher.bytes || hash.digest('hex') !== head.manifest.cipher.sha256) {
    throw bundleError('ERR_BUNDLE_TAMPERED', `the bundle content does not match its signed manifest (${bytes} bytes, ${head.manifest.cipher.bytes} signed): the file was changed or cut`);
  }
}

/** The decrypted, inflated content as a stream (any authentication failure surfaces as an error of the stream). */
export function openContent(path: string, head: BundleHead, key: Buffer): Readable {
  return pipeline(createReadStream(path, { start: head.contentOffset }), new FrameDecryptor(key, head.manifest.bundleId, 0), createGunzip(), () => undefined) as Readable;
}
