/** The response broke HTTP/1.1 or one of the parser's bounds (never retried on the same connection). */
export class HttpParseError extends Error {}

export interface ResponseHead {
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The server lets the connection serve another request after this answer. */
  keepAlive: boolean;
}

/** What the parser hands on: the head once, then body bytes as views of the caller's chunk (valid only during the call), then the end. */
export interface ResponseEvents {
  head(head: ResponseHead): void;
  body(piece: Buffer): void;
  end(): void;
}

/** Bounds that a hostile peer cannot push the parser past. */
export const HEAD_MAX_BYTES = 16 * 1024;
const LINE_MAX_BYTES = 1024;
const CR = 13;
const LF = 10;

type State = 'head' | 'size' | 'data' | 'data-crlf' | 'trailer' | 'length' | 'until-close' | 'done';

/**
 * A streaming HTTP/1.1 response parser (one response): status line and headers (at most
 * HEAD_MAX_BYTES), then a body by content-length, chunked transfer-coding or, without either, up
 * to the connection's close. Body bytes are handed on as views of the chunk fed in, never copied or
 * gathered, so its memory is bounded by the head whatever the peer sends. No content coding is
 * accepted (the request says identity).
 */
export class HttpResponseParser {
  private state: State = 'head';
  /** Head or chunk-size / trailer line bytes gathered so far (they may arrive split). */
  private line: Buffer[] = [];
  private lineBytes = 0;
  private headBytes = 0;
  /** Body bytes still to come: the content-length left, or the current chunk's. */
  private remaining = 0;
  private headLines: string[] = [];

  constructor(
    private readonly events: ResponseEvents,
    private readonly maxHeadBytes = HEAD_MAX_BYTES,
  ) {}

  get done(): boolean {
    return this.state === 'done';
  }

  /** Feeds bytes read from the connection; throws HttpParseError; bytes past the end are an error. */
  write(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.state) {
        case 'head':
        case 'size':
        case 'trailer':
        case 'data-crlf': {
          const taken = this.takeLine(chunk, at);
          at = taken.at;
          if (taken.line !== undefined) this.onLine(taken.line);
          break;
        }
        case 'length':
        case 'data': {
          const piece = chunk.subarray(at, at + this.remaining);
          at += piece.length;
          this.remaining -= piece.length;
          this.events.body(piece);
          if (this.remaining === 0) {
            if (this.state === 'length') this.finish();
            else this.state = 'data-crlf';
          }
          break;
        }
        case 'until-close':
          this.events.body(chunk.subarray(at));
          at = chunk.length;
          break;
        case 'done':
          throw new HttpParseError('bytes after the end of the response');
      }
    }
  }

  /** The connection ended: completes a body delimited by the close, else throws (truncated). */
  eof(): void {
    if (this.state === 'until-close') return this.finish();
    if (this.state !== 'done') throw new HttpParseError(this.state === 'head' ? 'the connection closed before the response head' : 'the connection closed before the end of the response body');
  }

  /** One CRLF-terminated line from `chunk` at `at` (undefined until complete), bounded in size. */
  private takeLine(chunk: Buffer, at: number): { line?: string; at: number } {
    const lf = chunk.indexOf(LF, at);
    const end = lf < 0 ? chunk.length : lf + 1;
    const piece = chunk.subarray(at, end);
    this.lineBytes += piece.length;
    if (this.state === 'head') {
      this.headBytes += piece.length;
      if (this.headBytes > this.maxHeadBytes) throw new HttpParseError(`response head larger than ${this.maxHeadBytes} bytes`);
    } else if (this.lineBytes > LINE_MAX_BYTES) {
      throw new HttpParseError(`chunk line larger than ${LINE_MAX_BYTES} bytes`);
    }
    if (lf < 0) {
      this.line.push(Buffer.from(piece)); // a copy: the caller's chunk is reused
      return { at: end };
    }
    const bytes = this.line.length === 0 ? piece : Buffer.concat([...this.line, piece]);
    this.line = [];
    this.lineBytes = 0;
    if (bytes.length < 2 || bytes[bytes.length - 2] !== CR) throw new HttpParseError('line not ended by CRLF');
    return { line: bytes.toString('latin1', 0, bytes.length - 2), at: end };
  }

  private onLine(line: string): void {
    switch (this.state) {
      case 'head':
        if (line !== '') this.headLines.push(line);
        else this.onHead();
        return;
      case 'size': {
        const match = /^([0-9a-fA-F]{1,8})[ \t]*(;.*)?$/.exec(line);
        if (!match) throw new HttpParseError('malformed chunk size');
        this.remaining = parseInt(match[1], 16);
        this.state = this.remaining === 0 ? 'trailer' : 'data';
        return;
      }
      case 'data-crlf':
        if (line !== '') throw new HttpParseError('chunk data longer than its size');
        this.state = 'size';
        return;
      case 'trailer':
        if (line === '') this.finish();
        return;
    }
  }

  private onHead(): void {
    const [statusLine, ...fields] = this.headLines;
    this.headLines = [];
    const status = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: .*)?$/.exec(statusLine ?? '');
    if (!status) throw new HttpParseError('malformed status line');
    const headers: Record<string, string> = {};
    for (const field of fields) {
      const colon = field.indexOf(':');
      if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(field.slice(0, colon))) throw new HttpParseError('malformed header field');
      const name = field.slice(0, colon).toLowerCase();
      const value = field.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const code = Number(status[2]);
    if (code < 200) throw new HttpParseError(`unexpected interim response ${code}`);
    const connection = (headers['connection'] ?? '').toLowerCase();
    const coding = (headers['content-encoding'] ?? 'identity').toLowerCase();
    if (coding !== 'identity') throw new HttpParseError(`content-encoding ${coding} not requested`);
    const transfer = headers['transfer-encoding']?.toLowerCase();
    const length = headers['content-length'];
    if (transfer !== undefined && transfer !== 'chunked') throw new HttpParseError(`transfer-encoding ${transfer} not supported`);
    if (transfer === undefined && length !== undefined && !/^\d{1,15}$/.test(length)) throw new HttpParseError('malformed content-length');
    const noBody = code === 204 || code === 304;
    const untilClose = !noBody && transfer === undefined && length === undefined;
    const keepAlive = !untilClose && (status[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection));
    this.events.head({ status: code, headers, keepAlive });
    if (noBody) return this.finish();
    if (transfer !== undefined) {
      this.state = 'size';
    } else if (untilClose) {
      this.state = 'until-close';
    } else {
      this.remaining = Number(length);
      this.state = 'length';
      if (this.remaining === 0) this.finish();
    }
  }

  private finish(): void {
    this.state = 'done';
    this.events.end();
  }
}
