import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum OrganizationType {
  Platform = 'platform',
  Union = 'union',
  Enterprise = 'enterprise',
  Supplier = 'supplier',
}

@Entity('organizations')
export class Organization {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text' }) type: OrganizationType;
  @Column() name: string;
  @Column({ name: 'parent_id', type: 'uuid', nullable: true }) parentId: string | null;
  /** materialized path `/<root id>/.../<own id>/`: a union's subtree is every path it prefixes */
  @Column() path: string;
  @Column({ name: 'region_code', type: 'text', nullable: true }) regionCode: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
