import { connect as netConnect, isIP, Socket } from 'node:net';
import { connect as tlsConnect, ConnectionOptions } from 'node:tls';
import { PeerError } from '../../core/errors/peer-error';
import { HttpParseError, HttpResponseParser, ResponseHead } from './http-response-parser';

/** Bytes per socket read: one buffer per connection, reused for every read. */
const READ_BUFFER_BYTES = 64 * 1024;
/** An error answer's body (JSON) is read whole, up to this. */
const TEXT_MAX_BYTES = 1024 * 1024;
/** Idle connections kept per client, and for how long (below Node servers' 5 s keep-alive timeout). */
const IDLE_MAX = 16;
const IDLE_MS = 4_000;

/** A header name or value that would break the request's framing (CR, LF, NUL). */
const UNSAFE = /[\r\n\0]/;

/** A body in flight: views of the connection's read buffer, each valid only during the call it is passed to. */
export interface StreamedBody {
  readonly status: number;
  readonly headers: Record<string, string>;
  /**
   * Hands the body to `piece` as it is read, each chunk a view of a reused buffer; after each read,
   * when `ready()` returns a promise, the next read waits for it (the socket is paused). Resolves at
   * the body's end, rejects when the connection or the response's framing fails or `piece` throws.
   */
  feed(piece: (chunk: Buffer) => void, ready: () => Promise<void> | undefined): Promise<void>;
  /** The whole body as UTF-8 text, at most TEXT_MAX_BYTES (error answers). */
  text(): Promise<string>;
  /** Abandons the body (the connection closes). */
  destroy(): void;
}

/**
 * A minimal HTTP/1.1 GET client for a peer's streamed answers (file frames). Node's and axios's
 * clients allocate a fresh buffer for every socket read and pass it through streams; at a pull's
 * ~1 GB of file bytes those buffers, promoted under load, set off the requester's full garbage
 * collections. This one reads every connection into one buffer of its own (`onread`), parses the
 * response in place (HttpResponseParser: bounded head, content-length, chunked or close-delimited)
 * and hands the body on as views. Connections are kept alive between requests. http: and https:
 * (certificate and host name verified with the given trust).
 */
export class StreamedGet {
  private readonly idle: { socket: Connection; since: number }[] = [];

  constructor(
    private readonly base: URL,
    private readonly options: { timeoutMs: number; tls?: Pick<ConnectionOptions, 'ca' | 'minVersion'> },
  ) {
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`unsupported peer URL ${base.href}`);
  }

  /** GET `path` (below the base URL's path); resolves with the answer's head, its body not yet read. */
  async get(path: string, headers: Record<string, string>, signal?: AbortSignal): Promise<StreamedBody> {
    const request = this.request(path, headers);
    if (signal?.aborted) throw new PeerError(0, 'ERR_SYNC_CANCELLED', 'the request was aborted', false);
    for (;;) {
      const reused = this.takeIdle();
      const connection = reused ?? new Connection(this.connect(), this.options.timeoutMs);
      try {
        return await connection.send(request, signal, (c) => this.giveIdle(c));
      } catch (error) {
        // A kept connection the server closed meanwhile fails before any byte: again on another one.
        if (!reused || !(error instanceof StaleConnection)) throw error;
      }
    }
  }

  /** Closes the idle connections. */
  close(): void {
    for (const { socket } of this.idle.splice(0)) socket.destroy();
  }

  private request(path: string, headers: Record<string, string>): Buffer {
    const basePath = this.base.pathname.replace(/\/$/, '');
    const lines = [`GET ${basePath}${path} HTTP/1.1`, `Host: ${this.base.host}`, 'Accept-Encoding: identity', 'Connection: keep-alive'];
    for (const [name, value] of Object.entries(headers)) {
      if (UNSAFE.test(name) || UNSAFE.test(value) || UNSAFE.test(path)) throw new PeerError(0, 'ERR_PEER_PROTOCOL', `unsafe request header ${name}`, false);
      lines.push(`${name}: ${value}`);
    }
    return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  }

  private connect(): (onread: OnRead) => Socket {
    const host = this.base.hostname.replace(/^\[|\]$/g, '');
    const https = this.base.protocol === 'https:';
    const port = Number(this.base.port || (https ? 443 : 80));
    return (onread) =>
      https
        ? // Node's TLS sockets take `onread` as net sockets do (its types omit it).
          tlsConnect({ host, port, servername: isIP(host) ? undefined : host, minVersion: 'TLSv1.2', ...this.options.tls, onread } as ConnectionOptions)
        : netConnect({ host, port, onread });
  }

  private takeIdle(): Connection | undefined {
    while (this.idle.length > 0) {
      const { socket, since } = this.idle.pop()!;
      if (socket.usable && Date.now() - since < IDLE_MS) return socket;
      socket.destroy();
    }
    return undefined;
  }

  private giveIdle(connection: Connection): void {
    if (this.idle.length >= IDLE_MAX) return connection.destroy();
    this.idle.push({ socket: connection, since: Date.now() });
    connection.idle(IDLE_MS);
  }
}

type OnRead = { buffer: Buffer; callback: (n: number, buffer: Buffer) => boolean };

/** The server closed a kept-alive connection before answering. */
class StaleConnection extends PeerError {}

/** One connection; one exchange (request and answer) on it at a time. */
class Connection {
  private readonly socket: Socket;
  private exchange?: Exchange;
  /** The server may take another request on it (the last answer ended cleanly, nothing since). */
  usable = true;

  constructor(
    connect: (onread: OnRead) => Socket,
    private readonly timeoutMs: number,
  ) {
    this.socket = connect({ buffer: Buffer.allocUnsafeSlow(READ_BUFFER_BYTES), callback: (n, buffer) => this.onRead(buffer.subarray(0, n)) });
    this.socket.setNoDelay(true);
    this.socket.setTimeout(timeoutMs);
    this.socket.on('timeout', () => this.fail(new PeerError(0, 'ERR_PEER_TIMEOUT', `no answer from the peer for ${this.timeoutMs} ms`, true)));
    this.socket.on('error', (error) => this.fail(this.exchange?.received ? new PeerError(0, 'ERR_PEER_UNREACHABLE', error.message, true) : new StaleConnection(0, 'ERR_PEER_UNREACHABLE', error.message, true)));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.onEnd());
    this.socket.resume();
  }

  send(request: Buffer, signal: AbortSignal | undefined, release: (c: Connection) => void): Promise<StreamedBody> {
    if (!this.usable) {
      this.socket.destroy();
      return Promise.reject(new StaleConnection(0, 'ERR_PEER_UNREACHABLE', 'connection closed', true));
    }
    this.usable = false;
    const exchange = new Exchange(
      () => this.resume(),
      (keepAlive) => {
        this.exchange = undefined;
        if (keepAlive && !this.socket.destroyed) {
          this.usable = true;
          release(this);
        } else {
          this.socket.destroy();
        }
      },
      () => this.socket.destroy(),
    );
    this.exchange = exchange;
    const aborted = () => exchange.fail(new PeerError(0, 'ERR_SYNC_CANCELLED', 'the request was aborted', false));
    signal?.addEventListener('abort', aborted, { once: true });
    exchange.finished.finally(() => signal?.removeEventListener('abort', aborted)).catch(() => undefined);
    this.socket.ref();
    this.socket.setTimeout(this.timeoutMs);
    this.socket.write(request);
    this.resume();
    return exchange.answer;
  }

  /** Waits as an idle kept connection: unref'd, closed when the server closes it or after `ms`. */
  idle(ms: number): void {
    this.socket.unref();
    this.socket.setTimeout(ms);
  }

  destroy(): void {
    this.usable = false;
    this.socket.destroy();
  }

  private onRead(chunk: Buffer): boolean {
    if (!this.exchange) {
      // Bytes on an idle connection are no answer to anything of ours.
      this.destroy();
      return false;
    }
    return this.exchange.read(chunk);
  }

  private resume(): void {
    if (!this.socket.destroyed) this.socket.resume();
  }

  private onEnd(): void {
    this.usable = false;
    this.exchange?.eof();
  }

  private fail(error: Error): void {
    this.usable = false;
    if (this.exchange) this.exchange.fail(error);
    else this.socket.destroy();
  }
}

/** One request's answer: the parser, the body's reader, and what came before it was attached. */
class Exchange {
  readonly answer: Promise<StreamedBody>;
  /** Settles when the answer ended (or failed): the connection is free again. */
  readonly finished: Promise<void>;
  received = false;
  private readonly parser: HttpResponseParser;
  private head?: ResponseHead;
  private sink?: (chunk: Buffer) => void;
  /** Body bytes read before `feed` (at most one read: the socket pauses at the head). */
  private early: Buffer[] = [];
  private paused = false;
  private ended = false;
  private failure?: Error;
  private settleHead!: { resolve: (body: StreamedBody) => void; reject: (error: Error) => void };
  private settleEnd!: { resolve: () => void; reject: (error: Error) => void };

  constructor(
    private readonly resume: () => void,
    private readonly released: (keepAlive: boolean) => void,
    private readonly close: () => void,
  ) {
    this.answer = new Promise((resolve, reject) => (this.settleHead = { resolve, reject }));
    this.finished = new Promise((resolve, reject) => (this.settleEnd = { resolve, reject }));
    this.finished.catch(() => undefined);
    this.parser = new HttpResponseParser({
      head: (head) => {
        this.head = head;
        this.settleHead.resolve(this.body(head));
      },
      body: (piece) => (this.sink ? this.sink(piece) : void this.early.push(Buffer.from(piece))),
      end: () => {
        this.ended = true;
        this.released(this.head!.keepAlive);
        this.settleEnd.resolve();
      },
    });
  }

  /** Bytes from the socket; false stops reading (the reader waits, or nobody reads yet). */
  read(chunk: Buffer): boolean {
    this.received = true;
    if (this.ended) {
      this.fail(new PeerError(0, 'ERR_PEER_PROTOCOL', 'bytes after the end of the answer', false));
      return false;
    }
    try {
      this.parser.write(chunk);
    } catch (error) {
      this.fail(error instanceof HttpParseError ? new PeerError(this.head?.status ?? 0, 'ERR_PEER_PROTOCOL', `malformed answer: ${error.message}`, false) : (error as Error));
      return false;
    }
    if (this.ended) return true;
    if ((this.head && !this.sink) || this.paused) {
      this.paused = true;
      return false;
    }
    return true;
  }

  eof(): void {
    if (this.ended) return;
    try {
      this.parser.eof();
    } catch (error) {
      this.fail(this.received ? new PeerError(0, 'ERR_PEER_UNREACHABLE', (error as Error).message, true) : new StaleConnection(0, 'ERR_PEER_UNREACHABLE', (error as Error).message, true));
    }
  }

  fail(error: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.close();
    this.settleHead.reject(error);
    this.settleEnd.reject(error);
  }

  private continue(wait: Promise<void> | undefined): void {
    if (!wait) {
      if (this.paused) {
        this.paused = false;
        this.resume();
      }
      return;
    }
    this.paused = true;
    wait.then(
      () => {
        this.paused = false;
        if (!this.ended) this.resume();
      },
      (error: Error) => this.fail(error),
    );
  }

  private body(head: ResponseHead): StreamedBody {
    let fed = false;
    const feed = (piece: (chunk: Buffer) => void, ready: () => Promise<void> | undefined): Promise<void> => {
      if (fed) return Promise.reject(new Error('the body is read once'));
      fed = true;
      try {
        for (const chunk of this.early.splice(0)) piece(chunk);
      } catch (error) {
        this.fail(error as Error);
      }
      if (this.failure) return Promise.reject(this.failure);
      if (this.ended) return Promise.resolve();
      this.sink = (chunk) => {
        try {
          piece(chunk);
        } catch (error) {
          this.sink = () => undefined;
          throw error;
        }
        if (!this.ended) this.continue(ready());
      };
      this.continue(ready() ?? Promise.resolve());
      return this.finished;
    };
    return {
      status: head.status,
      headers: head.headers,
      feed,
      text: async () => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        await feed(
          (chunk) => {
            bytes += chunk.length;
            if (bytes > TEXT_MAX_BYTES) throw new HttpParseError(`error answer larger than ${TEXT_MAX_BYTES} bytes`);
            chunks.push(Buffer.from(chunk));
          },
          () => undefined,
        );
        return Buffer.concat(chunks).toString('utf8');
      },
      destroy: () => this.fail(new PeerError(0, 'ERR_PEER_UNREACHABLE', 'the answer was abandoned', true)),
    };
  }
}
