import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { VOLUNTEER_ENTITIES } from './entities';

/** Volunteers and their clinical data (aggregate "volunteers"). */
@Module({ imports: [TypeOrmModule.forFeature(VOLUNTEER_ENTITIES)], exports: [TypeOrmModule] })
export class VolunteersModule {}
