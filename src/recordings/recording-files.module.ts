import { Global, Module } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from '../config';
import { CrudModule } from '../crud/crud.module';
import { SyncedFiles } from '../sync/files/synced-files.port';
import { RecordingFileIndex } from './recording-file-index';
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
 * Recording file routes, the RecordingStorage port and RecordingFileIndex. Global so the sync
 * module reaches the files of synced rows through its SyncedFiles port.
 */
@Global()
@Module({
  imports: [CrudModule],
  controllers: [RecordingFilesController, ReferenceUploadController],
  providers: [
    RecordingFilesService,
    RecordingFileIndex,
    ReferenceRecordingUpload,
    { provide: RecordingStorage, useFactory: createRecordingStorage, inject: [AppConfig] },
    { provide: SyncedFiles, useExisting: RecordingFileIndex },
  ],
  exports: [RecordingStorage, SyncedFiles],
})
export class RecordingFilesModule {}
