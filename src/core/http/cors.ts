import type { INestApplication } from '@nestjs/common';

type CorsOptions = Exclude<Parameters<INestApplication['enableCors']>[0], undefined | ((...args: never[]) => unknown)>;

/** Request headers the IRIS middleware sends (every call is preflighted: JSON + custom headers). */
export const CORS_ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'X-Channel-Id', 'X-Session-Id', 'Range'];

/**
 * Response headers a cross-origin renderer may read: the channel id of `POST /api/channel/open`
 * (the middleware fails without it), the session echo, the export file name and rate-limit hints.
 */
export const CORS_EXPOSED_HEADERS = ['X-Channel-Id', 'X-Session-Id', 'Content-Disposition', 'Retry-After'];

/**
 * CORS as the reference configures it for the desktop renderer (prism-reference / iris-desktop-api
 * §1.6), with the allowed origins a setting. No credentials: nothing is authorised by cookies, so a
 * page gains nothing from a response beyond what its own bearer token or channel already gives it.
 * Preflights are answered for every path before routing (204, cached 10 minutes).
 */
export function corsOptions(origins: string[]): CorsOptions {
  return {
    // A list is matched exactly against the Origin header (`null` included) and answered with Vary: Origin.
    origin: origins.includes('*') ? '*' : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    credentials: false,
    maxAge: 600,
    optionsSuccessStatus: 204,
  };
}
