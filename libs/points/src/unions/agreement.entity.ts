import { bigintNumber } from '@huigong/common';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The welfare purchase agreement (采购意向书) a union signs with the platform. It has no stored status:
 * which one is in force is computed from the terms (agreement-terms.ts).
 */
@Entity('union_agreements')
export class Agreement {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'union_id', type: 'uuid' }) unionId: string;
  @Column() number: string;
  @Column({ name: 'signed_on', type: 'date' }) signedOn: string;
  @Column({ name: 'term_start', type: 'date' }) termStart: string;
  @Column({ name: 'term_end', type: 'date' }) termEnd: string;
  @Column({ name: 'expected_headcount', type: 'int' }) expectedHeadcount: number;
  @Column({ name: 'expected_amount_fen', type: 'bigint', transformer: bigintNumber }) expectedAmountFen: number;
  /** how far the union may allocate beyond its deposits; 0 = prepaid only */
  @Column({ name: 'credit_limit_fen', type: 'bigint', transformer: bigintNumber }) creditLimitFen: number;
  @Column({ name: 'document_ref', type: 'text', nullable: true }) documentRef: string | null;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
