/**
 * A response body that is already JSON text (built by PostgreSQL), so large export pages are not
 * parsed and re-serialised. Serialisers that know it write `text` as is; any other serialiser
 * still produces the right JSON through toJSON().
 */
export class RawJson {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** Builds `{...fields, [rawKey]: <raw JSON>}` as text without parsing the raw part. */
export function withRawField(fields: Record<string, unknown>, rawKey: string, raw: string): RawJson {
  const head = JSON.stringify(fields);
  const prefix = head === '{}' ? '{' : `${head.slice(0, -1)},`;
  return new RawJson(`${prefix}${JSON.stringify(rawKey)}:${raw}}`);
}
