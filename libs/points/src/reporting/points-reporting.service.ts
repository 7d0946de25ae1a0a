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

  /** Grants credited in [from, to) by campaigns of these unions (null: every union). */
  async creditsByUnion(f: { unionIds: string[] | null; from: string; to: string }, em: EntityManager = this.dataSource.manager): Promise<UnionCreditFigures[]> {
    const rows: { union_id: string; members: number; credited: string }[] = await em.query(
      `SELECT union_id, count(DISTINCT member_id)::int AS members, sum(amount_fen)::text AS credited
         FROM campaign_members
        WHERE state = 'credited' AND credited_at >= $1 AND credited_at < $2 AND ($3::uuid[] IS NULL OR union_id = ANY($3::uuid[]))
        GROUP BY union_id`,
      [f.from, f.to, f.unionIds],
    );
    return rows.map((r) => ({ unionId: r.union_id, membersCovered: r.members, creditedFen: toSafeNumber(r.credited) }));
  }
}
