import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import axios from 'axios';
import { PeerError } from '../../../src/core/errors/peer-error';
import { directJsonCall } from '../../../src/node-trust/client/direct-json-call';
import { peerErrorFromAxios } from '../../../src/node-trust/client/peer-error';

/** A local HTTP server answering each request with `answer`; what it received is kept. */
async function serve(answer: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ url: string; server: Server; received: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] }> {
  const received: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      answer(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, received };
}

const call = (url: string, method: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 5000) =>
  directJsonCall({ url, method }, body, headers, { timeoutMs });

describe('directJsonCall', () => {
  let servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    servers = [];
  });

  it('sends the body as JSON with its headers and reads a JSON answer, its status and headers', async () => {
    const peer = await serve((_req, _body, res) => {
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Channel-Id': 'c-1', 'Retry-After': '3' });
      res.end(JSON.stringify({ ok: true, n: 2 }));
    });
    servers.push(peer.server);
    const answer = await call(`${peer.url}/api/x?y=1`, 'POST', { encrypted: 'ü', iv: 'a' }, { 'X-Session-Id': 's-1' });
    expect(answer).toMatchObject({ status: 201, data: { ok: true, n: 2 } });
    expect(answer.headers['x-channel-id']).toBe('c-1');
    expect(answer.headers['retry-after']).toBe('3');
    const [got] = peer.received;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/api/x?y=1');
    expect(JSON.parse(got.body)).toEqual({ encrypted: 'ü', iv: 'a' });
    expect(got.headers['content-type']).toBe('application/json');
    expect(Number(got.headers['content-length'])).toBe(Buffer.byteLength(got.body));
    expect(got.headers['x-session-id']).toBe('s-1');
    expect(got.headers['accept-encoding']).toBe('identity');
  });

  it('answers text that is not JSON as text, an empty body as "", and any status without throwing', async () => {
    const answers = [
      (res: ServerResponse) => res.writeHead(502, { 'Content-Type': 'text/html' }).end('<h1>bad gateway</h1>'),
      (res: ServerResponse) => res.writeHead(204).end(),
      (res: ServerResponse) => res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"ERR_X"}'),
    ];
    let i = 0;
    const peer = await serve((_req, _body, res) => answers[i++](res));
    servers.push(peer.server);
    await expect(call(peer.url, 'GET')).resolves.toMatchObject({ status: 502, data: '<h1>bad gateway</h1>' });
    await expect(call(peer.url, 'GET')).resolves.toMatchObject({ status: 204, data: '' });
    await expect(call(peer.url, 'GET')).resolves.toMatchObject({ status: 400, data: { error: 'ERR_X' } });
    // A GET carries no body and no content type.
    expect(peer.received[0].body).toBe('');
    expect(peer.received[0].headers['content-type']).toBeUndefined();
  });

  it('keeps the connection alive between calls', async () => {
    const peer = await serve((req, _body, res) => res.end(JSON.stringify({ port: req.socket.remotePort })));
    servers.push(peer.server);
    const first = await call(peer.url, 'GET');
    const second = await call(peer.url, 'GET');
    expect((second.data as { port: number }).port).toBe((first.data as { port: number }).port);
  });

  it('fails a silent peer with a retryable ERR_PEER_TIMEOUT and an unreachable one with ERR_PEER_UNREACHABLE', async () => {
    const silent = await serve(() => undefined);
    servers.push(silent.server);
    const timedOut = await call(silent.url, 'POST', {}, {}, 150).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(PeerError);
    expect(timedOut).toMatchObject({ code: 'ERR_PEER_TIMEOUT', retryable: true });

    // A port nothing listens on: the server is closed before the call.
    const gone = await serve(() => undefined);
    await new Promise((resolve) => gone.server.close(resolve));
    const refused = await call(gone.url, 'GET').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PeerError);
    expect(refused).toMatchObject({ code: 'ERR_PEER_UNREACHABLE', retryable: true });
    expect((refused as Error).message).toContain('ECONNREFUSED');
  });

  it('cuts off an answer over its limit, declared or streamed without end, with ERR_PEER_ANSWER_TOO_LARGE (not retryable)', async () => {
    let endless: ServerResponse | undefined;
    const answers = [
      (res: ServerResponse) => res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2048 }).end('x'.repeat(2048)),
      (res: ServerResponse) => {
        // No length announced: a chunk every few ms until the client hangs up.
        endless = res;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const timer = setInterval(() => res.write('y'.repeat(512)), 2);
        res.on('close', () => clearInterval(timer));
      },
      (res: ServerResponse) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ fits: 'z'.repeat(900) })),
    ];
    let i = 0;
    const peer = await serve((_req, _body, res) => answers[i++](res));
    servers.push(peer.server);
    const limited = (url: string) => directJsonCall({ url, method: 'GET' }, undefined, {}, { timeoutMs: 5000, maxBytes: 1024 });

    const declared = await limited(peer.url).catch((e: unknown) => e);
    expect(declared).toBeInstanceOf(PeerError);
    expect(declared).toMatchObject({ code: 'ERR_PEER_ANSWER_TOO_LARGE', retryable: false });
    const streamed = await limited(peer.url).catch((e: unknown) => e);
    expect(streamed).toMatchObject({ code: 'ERR_PEER_ANSWER_TOO_LARGE', retryable: false });
    // The connection was closed: the peer's endless answer stops.
    await new Promise<void>((resolve) => (endless!.destroyed ? resolve() : endless!.on('close', () => resolve())));
    // An answer within the limit is read as before.
    await expect(limited(peer.url)).resolves.toMatchObject({ status: 200, data: { fits: 'z'.repeat(900) } });
  });

  it('reads axios\'s "maxContentLength" failure (the proxied and gzip path) as the same ERR_PEER_ANSWER_TOO_LARGE', async () => {
    const peer = await serve((_req, _body, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ big: 'b'.repeat(4096) })));
    servers.push(peer.server);
    const failure = await axios.get(peer.url, { maxContentLength: 1024 }).catch((e: unknown) => e);
    expect(axios.isAxiosError(failure)).toBe(true);
    const mapped = peerErrorFromAxios(failure as never, { method: 'GET', url: peer.url }, 1024);
    expect(mapped).toMatchObject({ code: 'ERR_PEER_ANSWER_TOO_LARGE', retryable: false });
    expect(mapped.message).toContain('1024 bytes');
    // Other axios failures stay retryable: a refused connection.
    const gone = await serve(() => undefined);
    await new Promise((resolve) => gone.server.close(resolve));
    const refused = await axios.get(gone.url).catch((e: unknown) => e);
    expect(peerErrorFromAxios(refused as never, { method: 'GET', url: gone.url }, 1024)).toMatchObject({ code: 'ERR_PEER_UNREACHABLE', retryable: true });
  });
});
