import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RECORDING_ENTITIES } from './entities';

/** Records, record channels and their files (part of the "sessions" aggregate on the wire). */
@Module({ imports: [TypeOrmModule.forFeature(RECORDING_ENTITIES)], exports: [TypeOrmModule] })
export class RecordingsModule {}
