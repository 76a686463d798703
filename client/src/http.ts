/** An error answer of the node: HTTP status plus its stable `ERR_…` code and message. */
export class PrismApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'PrismApiError';
  }
}

/** The node could not be reached at all (refused, DNS, reset). */
export class PrismUnreachableError extends Error {
  constructor(
    readonly url: string,
    reason: unknown,
  ) {
    super(`cannot reach the node at ${url}: ${reason instanceof Error ? (reason.cause instanceof Error ? reason.cause.message : reason.message) : String(reason)}`, { cause: reason });
    this.name = 'PrismUnreachableError';
  }
}

export interface PrismHttpOptions {
  /** Base URL of the node, e.g. http://127.0.0.1:3000 (empty string: same origin, in a browser). */
  baseUrl: string;
  token?: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | undefined | null>;

export interface SendInit {
  /** JSON body. */
  body?: unknown;
  /** Raw body (e.g. a recording file) sent with `contentType`. */
  raw?: Uint8Array<ArrayBuffer> | Blob;
  contentType?: string;
  query?: Query;
  signal?: AbortSignal;
  accept?: string;
}

/** Thin JSON-over-fetch transport with the bearer token of the logged-in user. */
export class PrismHttp {
  readonly baseUrl: string;
  token: string | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(options: PrismHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  url(path: string, query: Query = {}): string {
    const params = Object.entries(query).filter(([, v]) => v !== undefined && v !== null);
    const search = params.length ? `?${params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')}` : '';
    return `${this.baseUrl}${path}${search}`;
  }

  /** A raw response (for streams); non-2xx answers become PrismApiError. */
  async send(method: string, path: string, init: SendInit = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: init.accept ?? 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    if (init.raw !== undefined) headers['Content-Type'] = init.contentType ?? 'application/octet-stream';
    const url = this.url(path, init.query);
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
        signal: init.signal,
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new PrismUnreachableError(this.baseUrl || url, error);
    }
    if (!response.ok) throw await apiError(response);
    return response;
  }

  async json<T>(method: string, path: string, init: SendInit = {}): Promise<T> {
    const response = await this.send(method, path, init);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

async function apiError(response: Response): Promise<PrismApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const detail = (record.errorDetail ?? {}) as Record<string, unknown>;
  const code = String(record.error ?? detail.code ?? `HTTP_${response.status}`);
  const message = String(record.message ?? detail.message ?? (text || response.statusText));
  return new PrismApiError(response.status, code, message, body);
}
