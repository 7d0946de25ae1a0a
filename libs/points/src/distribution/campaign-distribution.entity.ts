import { bigintNumber } from '@huigong/common';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Progress of a campaign's distribution job, visible on the campaign. */
@Entity('campaign_distributions')
export class CampaignDistribution {
  @PrimaryColumn({ name: 'campaign_id', type: 'uuid' }) campaignId: string;
  @Column({ name: 'union_id', type: 'uuid' }) unionId: string;
  @Column({ type: 'text' }) status: 'pending' | 'running' | 'done';
  @Column({ name: 'total_members', type: 'int' }) totalMembers: number;
  @Column({ name: 'credited_members', type: 'int' }) creditedMembers: number;
  @Column({ name: 'credited_fen', type: 'bigint', transformer: bigintNumber }) creditedFen: number;
  @Column({ type: 'int' }) chunks: number;
  @Column({ type: 'int' }) runs: number;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'last_progress_at', type: 'timestamptz', nullable: true }) lastProgressAt: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
}
