/**
 * Reads request fields case-insensitively (the reference's System.Text.Json options are
 * case-insensitive on input, so `NodeId` and `nodeId` are the same field).
 */
export class Fields {
  private readonly byLowerName: Map<string, unknown>;

  constructor(body: unknown) {
    const entries = body && typeof body === 'object' && !Array.isArray(body) ? Object.entries(body) : [];
    this.byLowerName = new Map(entries.map(([k, v]) => [k.toLowerCase(), v]));
  }

  raw(name: string): unknown {
    return this.byLowerName.get(name.toLowerCase());
  }

  /** A string field ('' when absent or not a string). */
  str(name: string): string {
    const value = this.raw(name);
    return typeof value === 'string' ? value : '';
  }

  num(name: string): number | undefined {
    const value = this.raw(name);
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  }
}
