import { Injectable } from '@nestjs/common';
import { AppError } from '../../core/errors/app-error';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { SyncBus } from '../cqrs/sync-bus';
import { ExportPage, PageRequest } from './export.types';

/** Routes an export page request to its aggregate's export query. */
@Injectable()
export class FeedPages {
  constructor(
    private readonly catalog: SyncCatalog,
    private readonly bus: SyncBus,
  ) {}

  /** A page of the feed at /api/sync/<route>; `entityType` is how the caller named it (for the 400). */
  page(route: string, request: PageRequest, entityType = route): Promise<ExportPage> {
    const feed = this.catalog.feed(route);
    if (!feed) throw new AppError(400, 'ERR_UNKNOWN_ENTITY_TYPE', `unknown sync entity type "${entityType}"`);
    if (request.after && !request.window) throw new AppError(400, 'ERR_VALIDATION', '`after` needs `window`');
    if (request.format === 'copy' && !request.window) throw new AppError(400, 'ERR_VALIDATION', '`format=copy` needs `window`');
    if (request.part !== undefined && request.format !== 'copy') throw new AppError(400, 'ERR_VALIDATION', '`part` needs `format=copy`');
    return this.bus.exportPage(feed.aggregate, route, request);
  }
}
