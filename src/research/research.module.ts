import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RESEARCH_ENTITIES } from './entities';

/** Research projects, researchers, devices and sensors (aggregates "researchers", "devices", "research"). */
@Module({ imports: [TypeOrmModule.forFeature(RESEARCH_ENTITIES)], exports: [TypeOrmModule] })
export class ResearchModule {}
