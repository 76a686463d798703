import { EnvReader } from './env-reader';

export interface StorageConfig {
  driver: 'fs' | 'azure';
  /** Filesystem store root (default DATA_DIR/files). */
  fsRoot?: string;
  azureConnectionString?: string;
  azureContainer: string;
  uploadMaxBytes: number;
}

export function readStorageConfig(env: EnvReader): StorageConfig {
  const driver = env.oneOf('STORAGE_DRIVER', 'recording file storage: fs or azure', ['fs', 'azure'] as const, 'fs');
  const azureConnectionString = env.optional('AZURE_STORAGE_CONNECTION_STRING', 'Azure Blob connection string (STORAGE_DRIVER=azure)');
  if (driver === 'azure' && !azureConnectionString) {
    env.problems.push('AZURE_STORAGE_CONNECTION_STRING is required when STORAGE_DRIVER=azure');
  }
  return {
    driver,
    fsRoot: env.optional('STORAGE_FS_ROOT', 'filesystem store root (default DATA_DIR/files)'),
    azureConnectionString,
    azureContainer: env.str('AZURE_STORAGE_CONTAINER', 'Azure Blob container of this node', 'prism-recordings'),
    uploadMaxBytes: env.int('UPLOAD_MAX_BYTES', 'largest accepted recording upload in bytes', 500 * 1024 * 1024, 1),
  };
}
