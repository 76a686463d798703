import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What the proxy does to one matching request. */
export type FaultAction =
  /** Forward; send the status, headers and the first `afterBytes` bytes of the body, then cut the connection. */
  | { kind: 'cut'; afterBytes: number | 'half' | 'last' }
  /** Wait, then forward normally. */
  | { kind: 'delay'; ms: number }
  /** Accept the request and never answer (until the client gives up or the proxy closes). */
  | { kind: 'stall' }
  /** Reset the client's connection (TCP RST) without answering. */
  | { kind: 'reset' }
  /** Answer with this status instead of forwarding (e.g. 503). */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Forward; flip one byte of the response body. */
  | { kind: 'corrupt'; at: number | 'half' | 'last' }
  /** Run a side effect (e.g. `kill -9` of a node), then forward (or fail, if the target is gone). */
  | { kind: 'hook'; run: (req: ProxiedRequest) => Promise<void> | void };

export interface ProxiedRequest {
  method: string;
  url: URL;
}

export interface FaultRule {
  /** Which requests the rule counts: path pattern (matched against pathname). */
  path: RegExp;
  method?: string;
  /** Finer selection on the request (e.g. a decoded `after` token). */
  when?: (req: ProxiedRequest) => boolean;
  /** The first matching request that gets the fault (1-based; default 1). */
  nth?: number;
  /** How many matching requests from the nth on get the fault (default 1; Infinity = persistent). */
  times?: number;
  action: FaultAction;
}

export interface ProxyLogEntry {
  method: string;
  path: string;
  status: number | 'fault';
  fault?: string;
}

const position = (spec: number | 'half' | 'last', length: number) =>
  spec === 'half' ? Math.floor(length / 2) : spec === 'last' ? Math.max(0, length - 1) : Math.min(spec, length);

/**
 * A small HTTP proxy between two nodes that injects faults: A pulls from B through it (B's
 * connection URL on A is the proxy's). Rules are data; each counts its own matching requests.
 */
export class FaultProxy {
  private server?: Server;
  private rules: { rule: FaultRule; seen: number }[] = [];
  private readonly sockets = new Set<Socket>();
  readonly log: ProxyLogEntry[] = [];
  url = '';

  constructor(private readonly target: string) {}

  /** `host` '0.0.0.0' lets containers reach it (compose target); the URL stays the loopback one. */
  async start(host = '127.0.0.1'): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((done) => this.server!.listen(0, host, done));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  /** Replaces the active rules (counters restart). */
  setRules(rules: FaultRule[]): void {
    this.rules = rules.map((rule) => ({ rule, seen: 0 }));
    this.log.length = 0;
  }

  clear(): void {
    this.setRules([]);
  }

  /** How many requests got a fault since the last setRules. */
  get faultsInjected(): number {
    return this.log.filter((e) => e.status === 'fault' || e.fault).length;
  }

  /** Drops every open connection (clients holding keep-alive sockets reconnect). */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  private pick(req: ProxiedRequest): FaultAction | undefined {
    for (const entry of this.rules) {
      const { rule } = entry;
      if (rule.method && rule.method !== req.method) continue;
      if (!rule.path.test(req.url.pathname)) continue;
      if (rule.when && !rule.when(req)) continue;
      entry.seen++;
      const first = rule.nth ?? 1;
      if (entry.seen >= first && entry.seen < first + (rule.times ?? 1)) return rule.action;
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const method = req.method ?? 'GET';
    const action = this.pick({ method, url });
    const entry: ProxyLogEntry = { method, path: url.pathname, status: 'fault', fault: action?.kind };
    this.log.push(entry);
    const body = await readAll(req);
    if (action?.kind === 'reset') return void req.socket.resetAndDestroy();
    if (action?.kind === 'stall') return; // the socket stays open, unanswered
    if (action?.kind === 'status') {
      res.writeHead(action.status, { 'Content-Type': 'application/json', ...(action.headers ?? {}) });
      return void res.end(JSON.stringify(action.body ?? { error: `ERR_HTTP_${action.status}`, message: 'injected by the fault proxy' }));
    }
    if (action?.kind === 'delay') await new Promise((r) => setTimeout(r, action.ms));
    if (action?.kind === 'hook') await action.run({ method, url });
    let upstream: { status: number; headers: Record<string, string | string[]>; body: Buffer };
    try {
      upstream = await this.forward(method, req, body);
    } catch {
      // Target unreachable (e.g. killed): the client sees its connection reset, as with a dead peer.
      return void req.socket.resetAndDestroy();
    }
    entry.status = upstream.status;
    const headers = { ...upstream.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    delete headers['keep-alive'];
    let payload = upstream.body;
    if (action?.kind === 'corrupt' && payload.length > 0) {
      payload = Buffer.from(payload);
      const at = position(action.at, payload.length);
      payload[at] ^= 0x5a;
    }
    res.writeHead(upstream.status, { ...headers, 'content-length': String(payload.length) });
    if (action?.kind === 'cut') {
      const n = position(action.afterBytes, payload.length);
      const cutNow = () => res.socket?.destroy();
      res.flushHeaders();
      if (n > 0) res.write(payload.subarray(0, n), cutNow);
      else setImmediate(cutNow);
      return;
    }
    res.end(payload);
  }

  private forward(method: string, req: IncomingMessage, body: Buffer) {
    return new Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }>((resolveForward, reject) => {
      const headers = { ...req.headers };
      delete headers.host;
      const out = httpRequest(`${this.target}${req.url}`, { method, headers, agent: false }, (upstream) => {
        readAll(upstream).then(
          (buffer) => resolveForward({ status: upstream.statusCode ?? 502, headers: upstream.headers as Record<string, string | string[]>, body: buffer }),
          reject,
        );
      });
      out.on('error', reject);
      out.end(body);
    });
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
    stream.on('end', () => done(Buffer.concat(chunks)));
    stream.on('error', fail);
  });
}
