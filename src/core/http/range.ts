import { AppError } from '../errors/app-error';

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The node's one `Range` parser (recording downloads and sync file streams). Parses a single-range
 * `Range: bytes=…` header against a file size. Returns undefined for no header, and for a
 * multi-range header, which a server may ignore (RFC 9110 §14.2: the whole file is sent);
 * 'unsatisfiable' when the range lies outside the file or the header is malformed.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return header.includes(',') ? undefined : 'unsatisfiable';
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** parseRange for a route: an unsatisfiable range is the 416 answer. */
export function requireSatisfiableRange(header: string | undefined, size: number): ByteRange | undefined {
  const range = parseRange(header, size);
  if (range === 'unsatisfiable') {
    // RFC 9110 §15.5.17: a 416 names the current length.
    throw new AppError(416, 'ERR_RANGE_NOT_SATISFIABLE', `range ${header} is outside the file (${size} bytes)`, {
      details: { size },
      headers: { 'Content-Range': `bytes */${size}` },
    });
  }
  return range;
}

/** The headers of a 206 answer's range. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}
