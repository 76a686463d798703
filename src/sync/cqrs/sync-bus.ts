import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { AGGREGATE_REGISTRY, AggregateRegistration } from '../../core/sync-kernel/aggregate-registry';
import { contributionsOf } from '../../core/registry/contributions';
import { ExportPage, PageRequest } from '../export/export.types';
import { ApplyContext, TableResult } from '../import/import.types';
import { AggregateHandlers } from './sync-handlers';

/** A registration made through SyncModule.forFeature: the kernel's part plus the aggregates' bus messages. */
export interface SyncFeature extends AggregateRegistration {
  handlers: AggregateHandlers[];
}

/**
 * Sends an aggregate's export query or import command on the buses: the registry of the message
 * classes each aggregate module registered (SyncModule.forFeature), so no engine names them.
 */
@Injectable()
export class SyncBus implements OnModuleInit {
  private readonly byAggregate = new Map<string, AggregateHandlers>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly queries: QueryBus,
    private readonly commands: CommandBus,
  ) {}

  onModuleInit(): void {
    for (const feature of contributionsOf<SyncFeature>(this.discovery, AGGREGATE_REGISTRY)) {
      for (const handlers of feature.handlers) this.byAggregate.set(handlers.aggregate, handlers);
    }
  }

  exportPage(aggregate: string, route: string, request: PageRequest): Promise<ExportPage> {
    return this.queries.execute(new (this.of(aggregate).ExportQuery)(route, request));
  }

  importTables(aggregate: string, tables: string[], context: ApplyContext): Promise<TableResult[]> {
    return this.commands.execute(new (this.of(aggregate).ImportCommand)(tables, context));
  }

  private of(aggregate: string): AggregateHandlers {
    const handlers = this.byAggregate.get(aggregate);
    if (!handlers) throw new Error(`no sync handlers registered for aggregate ${aggregate}`);
    return handlers;
  }
}
