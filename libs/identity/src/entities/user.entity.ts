import { Role } from '@huigong/common';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'organization_id', type: 'uuid' }) organizationId: string;
  @Column() username: string;
  @Column({ name: 'display_name' }) displayName: string;
  @Column({ name: 'password_hash', select: false }) passwordHash: string;
  @Column({ type: 'text', array: true }) roles: Role[];
  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true }) disabledAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
