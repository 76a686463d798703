/**
 * The streamed file form (SPEC §5.2): the file in authenticated frames encrypted with the channel
 * key, so a file of any size moves in bounded memory and a tampered, reordered or truncated stream
 * is detected. The format alone (no dependencies): the streams (chunked-cipher.ts), the sender
 * (frame-writer.ts) and the buffer pool (frame-buffers.ts) share it.
 *
 * Frame: [u32 BE plaintext length L][12-byte IV][L bytes ciphertext][16-byte GCM tag].
 * AAD of a frame: "<sha256>:<plaintext offset>"; the stream ends with an empty frame whose AAD is
 * "<sha256>:<final offset>:end".
 */
export const CHUNK_MEDIA_TYPE = 'application/vnd.prism.encrypted-chunks';
export const FRAME_PLAINTEXT_MAX = 1024 * 1024;
export const FRAME_HEADER = 4 + 12;
export const FRAME_TAG = 16;
export const EMPTY = Buffer.alloc(0);

/** A frame's additional authenticated data. */
export const aad = (sha256: string, offset: number, end = false) => Buffer.from(`${sha256}:${offset}${end ? ':end' : ''}`, 'utf8');
