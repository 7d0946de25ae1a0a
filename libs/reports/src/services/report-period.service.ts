import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ReportPeriod } from '../domain/dashboard';
import { resolvePeriod } from '../domain/report-period';

@Injectable()
export class ReportPeriodService {
  constructor(private readonly dataSource: DataSource) {}

  /** Resolves the requested period against the database clock (rounded up to the millisecond, so nothing committed so far falls after `to`). */
  async resolve(input: { from?: string; to?: string }): Promise<ReportPeriod> {
    const [{ now }] = await this.dataSource.query(`SELECT date_trunc('milliseconds', now()) + interval '1 millisecond' AS now`);
    return resolvePeriod(input, new Date(now));
  }
}
