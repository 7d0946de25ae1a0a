import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Refused cross-tenant attempts, disabled logins and token reuse are kept for the operators. */
@Injectable()
export class SecurityEventsService {
  private readonly logger = new Logger('Security');

  constructor(private readonly dataSource: DataSource) {}

  async record(kind: string, userId: string | null, detail: Record<string, unknown>): Promise<void> {
    this.logger.warn({ kind, userId, ...detail }, `security event: ${kind}`);
    await this.dataSource
      .query(`INSERT INTO security_events (kind, user_id, detail) VALUES ($1, $2, $3)`, [kind, userId, JSON.stringify(detail)])
      .catch((err: Error) => this.logger.error(`could not record security event: ${err.message}`));
  }
}
