import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type MemberStatus = 'active' | 'left';

/** A union member on the roster; exists (and receives points) before they have a user account. */
@Entity('members')
export class Member {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'union_id', type: 'uuid' }) unionId: string;
  @Column({ name: 'employee_no' }) employeeNo: string;
  @Column() name: string;
  @Column() phone: string;
  @Column({ name: 'group_name' }) group: string;
  @Column({ name: 'join_date', type: 'date', nullable: true }) joinDate: string | null;
  @Column({ type: 'text' }) status: MemberStatus;
  @Column({ name: 'left_at', type: 'timestamptz', nullable: true }) leftAt: Date | null;
  @Column({ name: 'leave_reason', type: 'text', nullable: true }) leaveReason: string | null;
  @Column({ name: 'user_id', type: 'uuid', nullable: true }) userId: string | null;
  @Column({ name: 'activation_code_hash', type: 'text', nullable: true, select: false }) activationCodeHash: string | null;
  @Column({ name: 'activation_code_expires_at', type: 'timestamptz', nullable: true }) activationCodeExpiresAt: Date | null;
  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true }) activatedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
