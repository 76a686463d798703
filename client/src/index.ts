import { BundlesService } from './bundles-service.js';
import { PrismHttp, PrismHttpOptions } from './http.js';
import { NodesService } from './nodes-service.js';
import { SyncService } from './sync-service.js';

export * from './types.js';
export * from './http.js';
export * from './event-stream.js';
export * from './sync-service.js';
export * from './nodes-service.js';
export * from './bundles-service.js';
export * from './format.js';

/** The operator API of one PRISM node. */
export class PrismClient {
  readonly http: PrismHttp;
  readonly sync: SyncService;
  readonly nodes: NodesService;
  readonly bundles: BundlesService;

  constructor(options: PrismHttpOptions) {
    this.http = new PrismHttp(options);
    this.sync = new SyncService(this.http);
    this.nodes = new NodesService(this.http);
    this.bundles = new BundlesService(this.http);
  }

  get token(): string | undefined {
    return this.http.token;
  }

  /** Logs a user in (POST /api/userauth/login) and keeps the token for later calls. */
  async login(login: string, password: string): Promise<string> {
    const { token } = await this.http.json<{ token: string }>('POST', '/api/userauth/login', { body: { login, password } });
    this.http.token = token;
    return token;
  }

  /** The logged-in user (GET /api/userauth/me). */
  me(): Promise<{ id: string; login: string; role: string }> {
    return this.http.json('GET', '/api/userauth/me');
  }
}
