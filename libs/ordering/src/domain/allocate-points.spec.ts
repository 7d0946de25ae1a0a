import fc from 'fast-check';
import { allocatePoints, AllocationGrant, AllocationLine, AllocationResult } from './allocate-points';

/** An independent max flow (Edmonds–Karp on an adjacency matrix) over the same network. */
function maxFlow(grants: AllocationGrant[], lines: AllocationLine[]): number {
  const G = grants.length;
  const L = lines.length;
  const n = G + L + 2;
  const S = n - 2;
  const T = n - 1;
  const cap = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const INF = Number.MAX_SAFE_INTEGER;
  grants.forEach((g, i) => (cap[S][i] = g.balance));
  lines.forEach((l, j) => {
    cap[G + j][T] = l.amount;
    grants.forEach((g, i) => {
      if (l.eligibleGrantIds.includes(g.id)) cap[i][G + j] = INF;
    });
  });
  let total = 0;
  for (;;) {
    const prev = new Array<number>(n).fill(-1);
    prev[S] = S;
    const q = [S];
    while (q.length && prev[T] === -1) {
      const u = q.shift()!;
      for (let v = 0; v < n; v++) {
        if (prev[v] === -1 && cap[u][v] > 0) {
          prev[v] = u;
          q.push(v);
        }
      }
    }
    if (prev[T] === -1) return total;
    let f = INF;
    for (let v = T; v !== S; v = prev[v]) f = Math.min(f, cap[prev[v]][v]);
    for (let v = T; v !== S; v = prev[v]) {
      cap[prev[v]][v] -= f;
      cap[v][prev[v]] += f;
    }
    total += f;
  }
}

/**
 * Lexicographic optimality: no grant with room left can take over part of what a LATER grant pays
 * (directly or through a chain of re-routings). Such an exchange would use an earlier-closing grant
 * more, which the priority rule forbids leaving undone.
 */
function hasImprovingExchange(grants: AllocationGrant[], lines: AllocationLine[], r: AllocationResult): boolean {
  const flow = new Map<string, number>();
  for (const a of r.allocations) flow.set(`${a.grantId}|${a.lineId}`, a.amount);
  const used = new Map(r.byGrant.map((b) => [b.grantId, b.amount]));
  for (let i = 0; i < grants.length; i++) {
    if (used.get(grants[i].id)! >= grants[i].balance) continue;
    // reachable grants from grant i: i → line (eligible) → grant k that pays that line
    const seen = new Set([i]);
    const stack = [i];
    while (stack.length) {
      const g = stack.pop()!;
      for (const l of lines) {
        if (!l.eligibleGrantIds.includes(grants[g].id)) continue;
        for (let k = 0; k < grants.length; k++) {
          if (seen.has(k) || !(flow.get(`${grants[k].id}|${l.id}`) ?? 0)) continue;
          if (k > i) return true;
          seen.add(k);
          stack.push(k);
        }
      }
    }
  }
  return false;
}

const instance = fc
  .record({
    balances: fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 5 }),
    lines: fc.array(fc.record({ amount: fc.integer({ min: 1, max: 4000 }), mask: fc.integer({ min: 0, max: 31 }) }), { minLength: 1, maxLength: 6 }),
  })
  .map(({ balances, lines }) => {
    const grants: AllocationGrant[] = balances.map((balance, i) => ({ id: `g${i}`, balance }));
    const ls: AllocationLine[] = lines.map((l, j) => ({
      id: `l${j}`,
      amount: l.amount,
      eligibleGrantIds: grants.filter((_, i) => l.mask & (1 << i)).map((g) => g.id),
    }));
    return { grants, lines: ls };
  });

describe('allocatePoints', () => {
  it('pays earliest-closing grants first', () => {
    const r = allocatePoints(
      [
        { id: 'early', balance: 300 },
        { id: 'late', balance: 1000 },
      ],
      [{ id: 'a', amount: 500, eligibleGrantIds: ['early', 'late'] }],
    );
    expect(r.complete).toBe(true);
    expect(r.byGrant).toEqual([
      { grantId: 'early', amount: 300 },
      { grantId: 'late', amount: 200 },
    ]);
  });

  it('finds an allocation where a line-by-line greedy would fail', () => {
    // greedy on line "both" first would spend all of "early", leaving "onlyEarly" unpaid
    const r = allocatePoints(
      [
        { id: 'early', balance: 100 },
        { id: 'late', balance: 100 },
      ],
      [
        { id: 'both', amount: 100, eligibleGrantIds: ['early', 'late'] },
        { id: 'onlyEarly', amount: 100, eligibleGrantIds: ['early'] },
      ],
    );
    expect(r.complete).toBe(true);
    expect(r.allocations).toEqual(
      expect.arrayContaining([
        { lineId: 'onlyEarly', grantId: 'early', amount: 100 },
        { lineId: 'both', grantId: 'late', amount: 100 },
      ]),
    );
  });

  it('reports what is payable when the grants fall short', () => {
    const r = allocatePoints([{ id: 'g', balance: 250 }], [{ id: 'a', amount: 400, eligibleGrantIds: ['g'] }]);
    expect(r).toMatchObject({ complete: false, needed: 400, payable: 250 });
  });

  it('never pays a line from a grant that does not admit it, nor beyond a balance (property)', () => {
    fc.assert(
      fc.property(instance, ({ grants, lines }) => {
        const r = allocatePoints(grants, lines);
        for (const a of r.allocations) {
          expect(a.amount).toBeGreaterThan(0);
          expect(Number.isInteger(a.amount)).toBe(true);
          expect(lines.find((l) => l.id === a.lineId)!.eligibleGrantIds).toContain(a.grantId);
        }
        for (const g of grants) {
          const spent = r.allocations.filter((a) => a.grantId === g.id).reduce((s, a) => s + a.amount, 0);
          expect(spent).toBeLessThanOrEqual(g.balance);
          expect(r.byGrant.find((b) => b.grantId === g.id)!.amount).toBe(spent);
        }
        for (const l of lines) {
          const paid = r.allocations.filter((a) => a.lineId === l.id).reduce((s, a) => s + a.amount, 0);
          expect(paid).toBeLessThanOrEqual(l.amount);
          if (r.complete) expect(paid).toBe(l.amount);
        }
        expect(r.payable).toBe(r.allocations.reduce((s, a) => s + a.amount, 0));
      }),
      { numRuns: 500 },
    );
  });

  it('pays in full exactly when any allocation exists: the payable total is a maximum flow (property)', () => {
    fc.assert(
      fc.property(instance, ({ grants, lines }) => {
        const r = allocatePoints(grants, lines);
        expect(r.payable).toBe(maxFlow(grants, lines));
        expect(r.complete).toBe(r.payable === r.needed);
      }),
      { numRuns: 500 },
    );
  });

  it('uses earlier-closing grants as much as possible: no exchange towards an earlier grant remains (property)', () => {
    fc.assert(
      fc.property(instance, ({ grants, lines }) => {
        expect(hasImprovingExchange(grants, lines, allocatePoints(grants, lines))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
