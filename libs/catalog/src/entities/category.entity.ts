import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('categories')
export class Category {
  @PrimaryColumn('uuid') id: string;
  @Column() code: string;
  @Column() name: string;
  @Column({ name: 'parent_id', type: 'uuid', nullable: true }) parentId: string | null;
  /** ids from the root down to this category */
  @Column({ type: 'uuid', array: true }) path: string[];
  /** cash equivalents and the like: no product may be listed here (inherited by subcategories) */
  @Column() forbidden: boolean;
  @Column() position: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
