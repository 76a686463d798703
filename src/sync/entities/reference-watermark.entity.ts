import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A `generatedAt` this node's reference-mode manifest handed out, with the change-feed position it
 * stood for (the xmin of the snapshot the manifest and its pages read). A reference client sends it
 * back as `since` on its next pull; the export then reads `change_xid >= from_xid`, which includes
 * rows committed late with an older updated_at (docs/sync.md "Serving reference nodes").
 */
@Entity({ name: 'reference_watermarks' })
@Index('ix_reference_watermarks_created_at', ['createdAt'])
export class ReferenceWatermark {
  @PrimaryColumn({ name: 'generated_at', type: 'timestamptz' })
  generatedAt: string;

  @Column({ name: 'from_xid', type: 'bigint' })
  fromXid: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt: string;
}
