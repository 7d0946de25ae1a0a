/**
 * Which agreement is in force is computed from the terms, never from a status flipped at signing:
 * on a given day (Beijing date, by the database clock) it is the most recently recorded agreement (the order of recording, not signedOn)
 * of the union whose term covers that day. A renewal signed ahead of time therefore leaves the
 * current agreement in force until its own term starts; an agreement whose term ended with no
 * successor leaves none in force.
 */
export const BEIJING_TODAY = `(now() AT TIME ZONE 'Asia/Shanghai')::date`;

/**
 * SQL: the agreement in force today for the union `unionId` (an SQL expression), selecting `cols`
 * of it as `f` — the one statement of the rule, for every place that needs it.
 */
export const agreementInForceSql = (unionId: string, cols: string): string =>
  `SELECT ${cols} FROM union_agreements f
    WHERE f.union_id = ${unionId} AND ${BEIJING_TODAY} BETWEEN f.term_start AND f.term_end
    ORDER BY f.created_at DESC, f.id DESC LIMIT 1`;

/** SQL: the id and credit limit of the agreement in force today for union $1 (no row: none). */
export const AGREEMENT_IN_FORCE_SQL = agreementInForceSql('$1', 'f.id, f.credit_limit_fen');

/**
 * SQL select item: an agreement's state today, for a row `a` of union_agreements:
 * - `active`: in force today (AGREEMENT_IN_FORCE_SQL picks it);
 * - `upcoming`: its term has not started;
 * - `superseded`: a later-signed agreement took over from it: its term has started and overlaps this
 *   one's or begins the day after it ends;
 * - `expired`: its term ended and no later agreement took over from it.
 */
export const AGREEMENT_STATE_SQL = (a: string): string => `
  CASE WHEN ${a}.id = (${agreementInForceSql(`${a}.union_id`, 'f.id')}) THEN 'active'
       WHEN ${a}.term_start > ${BEIJING_TODAY} THEN 'upcoming'
       WHEN EXISTS (SELECT 1 FROM union_agreements l
                     WHERE l.union_id = ${a}.union_id AND (l.created_at, l.id) > (${a}.created_at, ${a}.id)
                       AND l.term_start <= ${BEIJING_TODAY} AND l.term_start <= ${a}.term_end + 1 AND l.term_end >= ${a}.term_start) THEN 'superseded'
       ELSE 'expired' END`;

export type AgreementState = 'active' | 'upcoming' | 'superseded' | 'expired';
export const AGREEMENT_STATES: AgreementState[] = ['active', 'upcoming', 'superseded', 'expired'];
