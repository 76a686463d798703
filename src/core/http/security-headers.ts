import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Security headers on every answer (helmet), before any route, static file or error. Decisions
 * (docs/security.md "Security headers"):
 * - The console (/admin) and the API docs load only their own scripts, styles and images; no page of
 *   the node may be framed (`frame-ancestors 'none'`, `X-Frame-Options: DENY`).
 * - `upgrade-insecure-requests` and HSTS only when the node itself serves HTTPS: on a plain-HTTP
 *   node they would send the console's own requests to an https:// origin that does not exist.
 * - `Cross-Origin-Resource-Policy: cross-origin`: the IRIS desktop (another origin, or `null` when
 *   packaged) loads answers of this node; nothing here is authorised by cookies, so a cross-origin
 *   page gains no data it could not already ask for with its own token.
 */
export function securityHeaders(options: { https: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'connect-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'frame-ancestors': ["'none'"],
        'form-action': ["'self'"],
        'upgrade-insecure-requests': options.https ? [] : null,
      },
    },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: options.https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}
