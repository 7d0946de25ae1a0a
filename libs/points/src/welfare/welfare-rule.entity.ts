import { bigintNumber } from '@huigong/common';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Configuration, not code: an annual cap on the points one member may receive in a calendar year. */
@Entity('welfare_rules')
export class WelfareRule {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text' }) scope: 'platform' | 'union';
  /** platform rules: a GB/T 2260 region code prefix (e.g. '37' = Shandong); null = everywhere */
  @Column({ name: 'region_prefix', type: 'text', nullable: true }) regionPrefix: string | null;
  /** union rules: the union (they apply to the unions below it too) */
  @Column({ name: 'union_id', type: 'uuid', nullable: true }) unionId: string | null;
  /**
   * union rules: the organization that set it (the union itself, a union above it, or the platform);
   * one rule per (union, setter), and only that setter or those above it change or remove it
   */
  @Column({ name: 'set_by_organization_id', type: 'uuid', nullable: true }) setByOrganizationId: string | null;
  @Column({ name: 'annual_cap_fen', type: 'bigint', transformer: bigintNumber }) annualCapFen: number;
  @Column({ type: 'text', nullable: true }) note: string | null;
  @Column({ name: 'updated_by', type: 'uuid', nullable: true }) updatedBy: string | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
