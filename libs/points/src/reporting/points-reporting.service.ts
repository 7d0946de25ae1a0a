import { toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface UnionCreditFigures {
  unionId: string;
  /** distinct members credited with points in the period (a member belongs to one union) */
  membersCovered: number;
  /** points (fen) credited to them in the period */
  creditedFen: number;
}

/** Aggregates over the points context for the reports context. Reads only. */
@Injectable()
export class PointsReportingService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Grants credited in [from, to) by campaigns of these unions (null: every union). No index names
   * credited_at (the distribution's mark must stay a HOT update), so the campaigns that can have
   * credited in the period are found first from their progress rows — every credit of a campaign lies
   * between its distribution's started_at and last_progress_at (DistributionRunner keeps both so) —
   * and only their rows are read, by primary key.
   */
  async creditsByUnion(f: { unionIds: string[] | null; from: string; to: string }, em: EntityManager = this.dataSource.manager): Promise<UnionCreditFigures[]> {
    const rows: { union_id: string; members: number; credited: string }[] = await em.query(
      `SELECT cm.union_id, count(DISTINCT cm.member_id)::int AS members, sum(cm.amount_fen)::text AS credited
         FROM campaign_distributions d
         JOIN campaign_members cm ON cm.campaign_id = d.campaign_id
        WHERE d.started_at < $2 AND d.last_progress_at >= $1 AND ($3::uuid[] IS NULL OR d.union_id = ANY($3::uuid[]))
          AND cm.state = 'credited' AND cm.credited_at >= $1 AND cm.credited_at < $2 AND ($3::uuid[] IS NULL OR cm.union_id = ANY($3::uuid[]))
        GROUP BY cm.union_id`,
      [f.from, f.to, f.unionIds],
    );
    return rows.map((r) => ({ unionId: r.union_id, membersCovered: r.members, creditedFen: toSafeNumber(r.credited) }));
  }
}
