import compression from 'compression';
import { VersioningType } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { serveAdminConsole } from './admin/admin-console';
import { AppConfig } from './config';
import { AllExceptionsFilter } from './core/errors/all-exceptions.filter';
import { corsOptions } from './core/http/cors';
import { securityHeaders } from './core/http/security-headers';
import { jsonBodies } from './core/http/json-bodies';
import { createValidationPipe } from './core/validation';
import { CallerIdentity } from './node-trust/throttling/caller-identity';
import { setupApiDocs } from './crud/openapi';
import { channelCallerVersion } from './crud/reference/reference-controller';
import { channelErrorEncoder } from './node-trust/channel/channel-error-encoder';

/** Global pipes, filters and HTTP settings shared by the node and the in-process test apps. */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.set('query parser', 'extended');
  app.disable('x-powered-by');
  // No ETag computed over every JSON answer: channel answers are encrypted with a fresh IV (never
  // equal twice) and a JSON page is hashed whole for it (a recording sets its own, its SHA-256).
  app.set('etag', false);
  app.use(securityHeaders({ https: config.server.tls !== undefined }));
  if (config.server.corsOrigins.length > 0) app.enableCors(corsOptions(config.server.corsOrigins));
  if (config.server.compressionLevel > 0) {
    app.use(
      compression({
        level: config.server.compressionLevel,
        threshold: 1024,
        // Event streams must flush as they go; encrypted file frames do not compress.
        filter: (req, res) => !/^(text\/event-stream|application\/vnd\.prism\.encrypted-chunks)/.test(String(res.getHeader('Content-Type') ?? '')) && compression.filter(req, res),
      }),
    );
  }
  // Bodies are sized by the caller's verified identity before they are read (docs/security.md).
  const callers = app.get(CallerIdentity);
  app.use(jsonBodies(config.throttle, async (req) => (await callers.of(req)).kind !== 'anonymous'));
  app.useBodyParser('urlencoded', { limit: config.throttle.jsonBodyAnonymousBytes, extended: false, inflate: false });
  // Picks the reference handler for channel callers where a reference and a native route share a path.
  app.enableVersioning({ type: VersioningType.CUSTOM, extractor: channelCallerVersion });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter(channelErrorEncoder));
  setupApiDocs(app);
  serveAdminConsole(app);
}
