/** A small JSON client over real HTTP (fetch) for nodes the test does not hold in-process. */
export interface ApiResponse<T = Record<string, any>> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: string | Buffer | undefined = options.raw;
  if (options.body !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    body = JSON.stringify(options.body);
  }
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: body as unknown as string | undefined,
    signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export async function login(baseUrl: string, loginName: string, password: string): Promise<string> {
  const res = await call(baseUrl, 'POST', '/api/userauth/login', { body: { login: loginName, password } });
  if (res.status !== 200) throw new Error(`login ${loginName} at ${baseUrl} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}
