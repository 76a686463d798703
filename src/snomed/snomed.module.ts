import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SNOMED_ENTITIES } from './entities';

/** SNOMED / terminology catalogs (aggregate "snomed"). */
@Module({ imports: [TypeOrmModule.forFeature(SNOMED_ENTITIES)], exports: [TypeOrmModule] })
export class SnomedModule {}
