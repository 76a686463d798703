import { Global, Module } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from '../config';
import { CrudModule } from '../crud/crud.module';
import { RecordingFilesController } from './recording-files.controller';
import { RecordingFilesService } from './recording-files.service';
import { ReferenceRecordingUpload, ReferenceUploadController } from './reference-upload';
import { AzureBlobRecordingStorage } from './storage/azure-blob-recording-storage';
import { FsRecordingStorage } from './storage/fs-recording-storage';
import { RecordingStorage } from './storage/recording-storage';

/** The configured RecordingStorage adapter: filesystem under DATA_DIR/files (default) or Azure Blob. */
export function createRecordingStorage(config: AppConfig): RecordingStorage {
  if (config.storage.driver === 'azure') {
    return new AzureBlobRecordingStorage(config.storage.azureConnectionString!, config.storage.azureContainer);
  }
  return new FsRecordingStorage(config.storage.fsRoot ?? join(config.server.dataDir, 'files'));
}

/**
 * Recording file routes and the RecordingStorage port. Global so the sync module can inject
 * RecordingStorage to store pulled files.
 */
@Global()
@Module({
  imports: [CrudModule],
  controllers: [RecordingFilesController, ReferenceUploadController],
  providers: [RecordingFilesService, ReferenceRecordingUpload, { provide: RecordingStorage, useFactory: createRecordingStorage, inject: [AppConfig] }],
  exports: [RecordingStorage],
})
export class RecordingFilesModule {}
