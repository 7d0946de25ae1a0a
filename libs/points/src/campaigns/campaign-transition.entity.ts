import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One lifecycle step of a campaign: who (a user id or `system:<job>`), when, why. */
@Entity('campaign_transitions')
export class CampaignTransition {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'campaign_id', type: 'uuid' }) campaignId: string;
  @Column({ name: 'union_id', type: 'uuid' }) unionId: string;
  @Column() action: string;
  @Column({ name: 'from_status' }) fromStatus: string;
  @Column({ name: 'to_status' }) toStatus: string;
  @Column() actor: string;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ type: 'jsonb' }) details: Record<string, unknown>;
  @Column({ type: 'timestamptz' }) at: Date;
}
