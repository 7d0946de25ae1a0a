import { AppError } from '@huigong/common';

/** Who takes a transition: the supplier's staff, a platform admin, a company applying, or the system (seeding). */
export type LifecycleActor = 'supplier' | 'platform_admin' | 'applicant' | 'system';

export interface TransitionRule<S extends string, A extends string> {
  action: A;
  /** `null`: the transition creates the record */
  from: readonly (S | null)[];
  to: S;
  by: readonly LifecycleActor[];
  reasonRequired?: boolean;
}

export interface PlannedTransition<S extends string, A extends string> {
  action: A;
  from: S | null;
  to: S;
  reason: string | null;
}

/**
 * A lifecycle declared as data: the states, and for each action where it may start, where it ends and
 * who may take it. Services ask the machine instead of scattering status checks, so the rules live in
 * one place.
 */
export class StateMachine<S extends string, A extends string> {
  constructor(
    readonly name: string,
    readonly states: readonly S[],
    readonly rules: readonly TransitionRule<S, A>[],
  ) {
    for (const r of rules) {
      for (const s of [...r.from, r.to]) {
        if (s !== null && !states.includes(s)) throw new Error(`${name}: ${r.action} names unknown state ${s}`);
      }
    }
    const seen = new Set<string>();
    for (const r of rules) {
      if (seen.has(r.action)) throw new Error(`${name}: action ${r.action} declared twice`);
      seen.add(r.action);
    }
  }

  rule(action: A): TransitionRule<S, A> {
    const r = this.rules.find((x) => x.action === action);
    if (!r) throw new Error(`${this.name}: unknown action ${action}`);
    return r;
  }

  /** The actions `actor` may take from `state`. */
  allowed(state: S | null, actor: LifecycleActor): A[] {
    return this.rules.filter((r) => r.from.includes(state) && r.by.includes(actor)).map((r) => r.action);
  }

  /**
   * Checks a transition and says where it leads. Throws FORBIDDEN (403) when the actor may never take
   * the action, INVALID_TRANSITION (409) from the wrong state, REASON_REQUIRED (400) without a reason.
   */
  plan(action: A, from: S | null, actor: LifecycleActor, reason?: string | null): PlannedTransition<S, A> {
    const r = this.rule(action);
    if (!r.by.includes(actor)) {
      throw AppError.forbidden(`${this.name}: ${action} is for ${r.by.join(', ')}`, 'FORBIDDEN', { action, allowedFor: r.by });
    }
    if (!r.from.includes(from)) {
      throw AppError.conflict('INVALID_TRANSITION', `${this.name}: cannot ${action} from ${from ?? 'nothing'}`, {
        action,
        status: from,
        allowedFrom: r.from,
      });
    }
    const trimmed = reason?.trim() || null;
    if (r.reasonRequired && !trimmed) {
      throw new AppError('REASON_REQUIRED', `${this.name}: ${action} needs a reason`, 400, { action });
    }
    return { action, from, to: r.to, reason: trimmed };
  }
}
