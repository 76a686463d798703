import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** Where the console's files are, from src/ (ts-node, jest) or dist/src/ (built node). */
function firstExisting(candidates: string[]): string | undefined {
  return candidates.find((dir) => existsSync(dir));
}

export const ADMIN_CONSOLE_PATH = '/admin';

/**
 * Serves the admin console at /admin: index.html and CSS from src/admin/static, the compiled
 * browser modules (console + SDK, `tsc -p src/admin/static/ts`, part of `npm run build`) from
 * dist/admin-console under /admin/js.
 *
 * These are plain express.static mounts, so they sit in front of Nest's router and its global
 * AccessGuard: the files are public by design (they hold no data; every API call they make
 * carries the user's bearer token and is checked by the guard as usual).
 */
export function serveAdminConsole(app: NestExpressApplication): { assets?: string; scripts?: string } {
  // From dist/src/admin (built) or src/admin (jest): the project root is 3 or 2 levels up.
  const root = [resolve(__dirname, '..', '..', '..'), resolve(__dirname, '..', '..')].find((dir) => existsSync(join(dir, 'src', 'admin', 'static', 'index.html')));
  if (!root) {
    new Logger('AdminConsole').warn(`admin console not served: src/admin/static/index.html not found near ${__dirname}`);
    return {};
  }
  const assets = join(root, 'src', 'admin', 'static');
  const scripts = firstExisting([join(root, 'dist', 'admin-console')]);
  const options = { index: 'index.html', fallthrough: true, maxAge: 0 };
  app.useStaticAssets(assets, { ...options, prefix: `${ADMIN_CONSOLE_PATH}/` });
  // Browsers ask every origin for /favicon.ico; answer with the console's icon instead of a 404.
  const favicon = join(assets, 'favicon.ico');
  app.use('/favicon.ico', (req: Request, res: Response, next: NextFunction) => (req.method === 'GET' || req.method === 'HEAD' ? res.sendFile(favicon, { maxAge: '1d' }) : next()));
  if (!scripts) new Logger('AdminConsole').warn('admin console scripts missing: run `npm run build` (tsc -p src/admin/static/ts)');
  if (scripts) app.useStaticAssets(scripts, { ...options, prefix: `${ADMIN_CONSOLE_PATH}/js/` });
  return { assets, scripts };
}
