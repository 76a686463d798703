import { json } from 'body-parser';
import type { Request, RequestHandler } from 'express';

export interface JsonBodyLimits {
  /** Callers without a verified identity: small, and compressed bodies are refused (415). */
  jsonBodyAnonymousBytes: number;
  /** Callers with a valid user token or a live node session. */
  jsonBodyBytes: number;
  /** The reference's base64 recording upload (verified callers only). */
  jsonUploadBodyBytes: number;
}

/** The one JSON route whose body carries a whole file (reference `POST /api/Upload/recording`). */
const UPLOAD_ROUTE = /^\/api\/upload\/recording\/?$/i;

/**
 * The JSON body parser, sized by who is calling before a byte is read: an anonymous caller gets a
 * small limit and no gzip; a verified one (`isVerified`: a valid JWT or a live node session, never
 * a header's mere presence) a modest limit. Limits count the inflated bytes, so a gzip bomb stops
 * at the limit. Over the limit: 413 ERR_PAYLOAD_TOO_LARGE; compressed when refused: 415.
 */
export function jsonBodies(limits: JsonBodyLimits, isVerified: (req: Request) => Promise<boolean>): RequestHandler {
  const anonymous = json({ limit: limits.jsonBodyAnonymousBytes, inflate: false });
  const verified = json({ limit: limits.jsonBodyBytes });
  const upload = json({ limit: limits.jsonUploadBodyBytes });
  return (req, res, next) => {
    if (!req.is('application/json') && !req.is('+json')) return next();
    isVerified(req).then((ok) => {
      const parser = !ok ? anonymous : UPLOAD_ROUTE.test(req.path) ? upload : verified;
      parser(req, res, next);
    }, next);
  };
}
