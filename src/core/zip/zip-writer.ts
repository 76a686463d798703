import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { crc32 } from 'node:zlib';

/** Largest archive the writer produces: no Zip64 (every offset and size must fit 32 bits). */
export const ZIP_MAX_BYTES = 0xffff_fffe;
export const ZIP_MAX_ENTRIES = 0xfffe;

const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;

interface Entry {
  name: Buffer;
  flags: number;
  crc: number;
  size: number;
  offset: number;
}

export class ZipLimitError extends Error {}

/** MS-DOS time and date of `at` (the ZIP format's timestamp). */
function dosDateTime(at: Date): { time: number; date: number } {
  return {
    time: (at.getHours() << 11) | (at.getMinutes() << 5) | Math.floor(at.getSeconds() / 2),
    date: ((Math.max(at.getFullYear(), 1980) - 1980) << 9) | ((at.getMonth() + 1) << 5) | at.getDate(),
  };
}

/**
 * A streaming ZIP writer (stored entries, PKWARE APPNOTE 4.3): small documents are written with
 * their CRC up front, streams with a data descriptor, so a research export with its recording files
 * never sits in memory. Node has no ZIP writer of its own; this is the minimal subset unzip tools
 * and the reference's readers accept (no compression: recordings are CSV the client may zip again).
 */
export class ZipWriter {
  private readonly entries: Entry[] = [];
  private offset = 0;
  private readonly stamp = dosDateTime(new Date());

  constructor(private readonly out: Writable) {}

  async addBuffer(name: string, data: Buffer): Promise<void> {
    const entry = this.begin(name, 0);
    entry.crc = crc32(data);
    entry.size = data.length;
    this.guard(data.length);
    await this.write(this.localHeader(entry));
    await this.write(data);
  }

  async addStream(name: string, source: Readable): Promise<void> {
    const entry = this.begin(name, FLAG_DESCRIPTOR);
    await this.write(this.localHeader(entry));
    let crc = 0;
    for await (const chunk of source) {
      const bytes = chunk as Buffer;
      crc = crc32(bytes, crc);
      entry.size += bytes.length;
      this.guard(bytes.length);
      await this.write(bytes);
    }
    entry.crc = crc;
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(entry.crc >>> 0, 4);
    descriptor.writeUInt32LE(entry.size, 8);
    descriptor.writeUInt32LE(entry.size, 12);
    await this.write(descriptor);
  }

  /** Writes the central directory and ends the output stream. */
  async finish(): Promise<void> {
    const start = this.offset;
    for (const entry of this.entries) {
      const header = Buffer.alloc(46);
      header.writeUInt32LE(0x02014b50, 0);
      header.writeUInt16LE(20, 4);
      this.commonFields(entry, true).copy(header, 6);
      header.writeUInt32LE(entry.offset, 42);
      await this.write(Buffer.concat([header, entry.name]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    await this.write(end);
    this.out.end();
  }

  private begin(name: string, flags: number): Entry {
    if (this.entries.length >= ZIP_MAX_ENTRIES) throw new ZipLimitError(`more than ${ZIP_MAX_ENTRIES} files`);
    const entry: Entry = { name: Buffer.from(name, 'utf8'), flags: flags | FLAG_UTF8, crc: 0, size: 0, offset: this.offset };
    this.entries.push(entry);
    return entry;
  }

  private localHeader(entry: Entry): Buffer {
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    this.commonFields(entry, !(entry.flags & FLAG_DESCRIPTOR)).copy(header, 4);
    return Buffer.concat([header, entry.name]);
  }

  /**
   * The 24 bytes local and central headers share: version needed, flags, method (stored), time,
   * date, CRC-32, sizes, name length. A streamed entry's local header leaves CRC and sizes at 0
   * (they follow in its data descriptor).
   */
  private commonFields(entry: Entry, known: boolean): Buffer {
    const fields = Buffer.alloc(24);
    fields.writeUInt16LE(20, 0);
    fields.writeUInt16LE(entry.flags, 2);
    fields.writeUInt16LE(0, 4);
    fields.writeUInt16LE(this.stamp.time, 6);
    fields.writeUInt16LE(this.stamp.date, 8);
    fields.writeUInt32LE(known ? entry.crc >>> 0 : 0, 10);
    fields.writeUInt32LE(known ? entry.size : 0, 14);
    fields.writeUInt32LE(known ? entry.size : 0, 18);
    fields.writeUInt16LE(entry.name.length, 22);
    return fields;
  }

  private guard(adding: number): void {
    if (this.offset + adding > ZIP_MAX_BYTES) throw new ZipLimitError(`archive larger than ${ZIP_MAX_BYTES} bytes`);
  }

  private async write(bytes: Buffer): Promise<void> {
    this.offset += bytes.length;
    if (this.out.write(bytes)) return;
    await Promise.race([once(this.out, 'drain'), once(this.out, 'close')]);
    if (this.out.destroyed) throw new Error('the ZIP output was closed (client gone)');
  }
}
