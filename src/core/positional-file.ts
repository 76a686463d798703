/**
 * A stored file read at positions into the caller's buffer: no fresh buffer per read, unlike a
 * read stream (the file route reads each frame straight into a reused frame buffer).
 */
export interface PositionalFile {
  /** Reads up to `length` bytes at file `position` into `buffer` from `offset`; 0 at the end of the file. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}
