import { DynamicModule, Type } from '@nestjs/common';

/** The node's feature modules, in one list so AppModule stays small. */
export const FEATURE_MODULES: (Type<unknown> | DynamicModule)[] = [];
