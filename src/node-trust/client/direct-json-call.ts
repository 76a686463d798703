import { Agent as HttpAgent, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { PeerError } from '../../core/errors/peer-error';
import { answerTooLarge } from './peer-error';

/** A peer's answer to a JSON call: its status, headers (names in lower case) and body (parsed JSON, else its text). */
export interface PeerAnswer<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  data: T;
}

/**
 * The largest JSON answer read from a peer unless configured (SYNC_PEER_ANSWER_MAX_BYTES): a peer,
 * or whoever answers on its address, must not make this node buffer without end. The largest
 * legitimate answer is a reference peer's recording as base64 JSON inside the channel's envelope
 * (~1.8× the file; the reference accepts files of up to 50 MiB).
 */
export const PEER_ANSWER_MAX_BYTES = 256 * 1024 ** 2;

/** Kept-alive connections for http:// peers (https:// ones use the client's own agent: its trust). */
const KEEP_ALIVE = new HttpAgent({ keepAlive: true });

/**
 * One JSON call to a peer straight over node:http(s), for a client with no proxy and no gzip (where
 * axios is needed): axios's request pipeline (config merging, header normalisation, transforms, the
 * redirect wrapper) was ~14 % of the requester's CPU in a no-op pull (one manifest call; bench/README.md
 * "The no-op's CPU"). It answers what NodeChannelClient reads of axios's: a body parsed as JSON when it
 * is JSON, its text otherwise ('' when empty), any status; a connection that fails or stays silent
 * for `timeoutMs` (as axios's `timeout`) is a retryable PeerError; an answer over `maxBytes` (declared
 * or received) is cut off there (answerTooLarge). No redirect is followed: a peer's channel answers on
 * the URL it was registered with.
 */
export function directJsonCall<T = unknown>(
  target: { url: string; method: string },
  body: unknown,
  headers: Record<string, string>,
  options: { timeoutMs: number; httpsAgent?: HttpsAgent; maxBytes?: number },
): Promise<PeerAnswer<T>> {
  const url = new URL(target.url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
  const requestHeaders: Record<string, string | number> = { Accept: 'application/json, text/plain, */*', 'Accept-Encoding': 'identity', ...headers };
  if (payload) {
    requestHeaders['Content-Type'] = 'application/json';
    requestHeaders['Content-Length'] = payload.length;
  }
  const https = url.protocol === 'https:';
  const maxBytes = options.maxBytes ?? PEER_ANSWER_MAX_BYTES;
  const unreachable = (message: string, timeout = false) =>
    new PeerError(0, timeout ? 'ERR_PEER_TIMEOUT' : 'ERR_PEER_UNREACHABLE', `${target.method} ${target.url}: ${message}`, true);
  return new Promise<PeerAnswer<T>>((resolve, reject) => {
    const request = (https ? httpsRequest : httpRequest)(url, { method: target.method, headers: requestHeaders, agent: https ? options.httpsAgent : KEEP_ALIVE }, (response) => {
      const chunks: Buffer[] = [];
      const tooLarge = () => {
        reject(answerTooLarge(target, maxBytes));
        request.destroy();
      };
      if (Number(response.headers['content-length'] ?? 0) > maxBytes) return tooLarge();
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) return tooLarge();
        chunks.push(chunk);
      });
      response.on('error', (error) => reject(unreachable(error.message)));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, data: parsedOrText(text) as T });
      });
    });
    request.setTimeout(options.timeoutMs, () => request.destroy(unreachable(`timeout of ${options.timeoutMs}ms exceeded`, true)));
    request.on('error', (error) => reject(error instanceof PeerError ? error : unreachable(error.message)));
    request.end(payload);
  });
}

/** JSON when the text parses, the text itself otherwise (axios's silent JSON parsing). */
function parsedOrText(text: string): unknown {
  if (text === '') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
