/** "record-channels", "snomed/body-regions", "sync_logs" → "RecordChannels", "SnomedBodyRegions", "SyncLogs". */
export function pascalCase(name: string): string {
  return name.replace(/(^|[-_/\s]+)(\w)/g, (_m, _s, c: string) => c.toUpperCase());
}

/** Names a class built by a factory (Nest and stack traces show the name), e.g. ExportVolunteersHandler. */
export function named<T extends Function>(type: T, name: string): T {
  return Object.defineProperty(type, 'name', { value: name });
}
