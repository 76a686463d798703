import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SESSION_ENTITIES } from './entities';

/** Clinical sessions, target areas and annotations (aggregate "sessions", with recordings' records). */
@Module({ imports: [TypeOrmModule.forFeature(SESSION_ENTITIES)], exports: [TypeOrmModule] })
export class SessionsModule {}
