import { Global, Module } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from '../config';
import { CrudModule } from '../crud/crud.module';
import { ExportFiles } from '../crud/reference/export-files.port';
import { SyncedFiles } from '../sync/files/synced-files.port';
import { RecordingFileIndex } from './recording-file-index';
import { RecordingFilesController } from './recording-files.controller';
import { RecordingFilesService } from './recording-files.service';
import { ReferenceRecordingUpload, ReferenceUploadController } from './reference-upload';
import { FsRecordingStorage } from './storage/fs-recording-storage';
import { RecordingStorage } from './storage/recording-storage';

/**
 * The configured RecordingStorage adapter: filesystem under DATA_DIR/files (default) or Azure Blob
 * (its SDK loaded only then: a node on the filesystem does not carry it).
 */
export async function createRecordingStorage(config: AppConfig): Promise<RecordingStorage> {
  if (config.storage.driver === 'azure') {
    const { AzureBlobRecordingStorage } = await import('./storage/azure-blob-recording-storage.js');
    return new AzureBlobRecordingStorage(config.storage.azureConnectionString!, config.storage.azureContainer);
  }
  return new FsRecordingStorage(config.storage.fsRoot ?? join(config.server.dataDir, 'files'));
}

/**
 * Recording file routes, the RecordingStorage port and RecordingFileIndex. Global so the engines
 * reach the stored files through the ports they declare: the sync engine's SyncedFiles, the
 * reference research export's ExportFiles.
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
    { provide: ExportFiles, useExisting: RecordingStorage },
  ],
  exports: [RecordingStorage, SyncedFiles, ExportFiles],
})
export class RecordingFilesModule {}
