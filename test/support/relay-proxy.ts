import { createServer, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A loopback man-in-the-middle between a client and a node: forwards every request, and lets a
 * test rewrite the node's channel-open answer (e.g. strip or replace `transcriptSignature`).
 */
export async function startRelayProxy(
  target: string,
  options: { rewriteChannelOpen?: (body: Record<string, unknown>) => Record<string, unknown> } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    const upstream = httpRequest(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: { ...req.headers, host: to.host } },
      (answer) => {
        if (!(options.rewriteChannelOpen && req.url === '/api/channel/open' && answer.statusCode === 200)) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const body = JSON.stringify(options.rewriteChannelOpen!(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
          const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(body)) };
          delete headers['transfer-encoding'];
          res.writeHead(200, headers);
          res.end(body);
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
