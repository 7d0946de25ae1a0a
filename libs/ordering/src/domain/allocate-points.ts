/**
 * Which grant pays how much of which line.
 *
 * A checkout's lines must be paid from the member's grants, each line only from grants whose
 * campaign admits its category, drawing first on the grants whose window closes earliest (so
 * points that would expire soonest are used first). A line-by-line greedy can fail where a
 * solution exists (it may spend an early grant on a line another grant could have paid, leaving a
 * line only that grant admits unpaid), so this is a small max-flow:
 *
 *   source ─balance─► grant ─(eligible)─► line ─amount─► sink
 *
 * Grants are taken in priority order and each pushes as much as it can along augmenting paths.
 * A path may re-route what earlier grants pay (from one line to another) but never reduces an
 * earlier grant's total, so the result is the lexicographically greatest use of the grants in
 * priority order (the greedy algorithm on the polymatroid of feasible grant totals), and the
 * total is a maximum flow: if it falls short of the lines' total, no allocation exists at all.
 * Sizes are tiny (a few grants, at most a few dozen lines); all amounts are integer fen.
 */
export interface AllocationGrant {
  id: string;
  balance: number;
}

export interface AllocationLine {
  id: string;
  amount: number;
  /** ids of the grants that may pay this line */
  eligibleGrantIds: string[];
}

export interface Allocation {
  lineId: string;
  grantId: string;
  amount: number;
}

export interface AllocationResult {
  /** true when every line is paid in full */
  complete: boolean;
  needed: number;
  /** the most the grants can pay towards these lines (= needed when complete) */
  payable: number;
  allocations: Allocation[];
  /** per grant, in the priority order given, what it pays (0 included) */
  byGrant: { grantId: string; amount: number }[];
}

/**
 * @param grants in priority order (earliest window close first)
 * @param lines any order; amounts > 0
 */
export function allocatePoints(grants: AllocationGrant[], lines: AllocationLine[]): AllocationResult {
  const G = grants.length;
  const L = lines.length;
  const gIndex = new Map(grants.map((g, i) => [g.id, i]));
  // eligible[i] = line indexes grant i may pay; flow[i][j] = what grant i pays of line j
  const eligible: number[][] = grants.map(() => []);
  lines.forEach((l, j) => {
    for (const gid of new Set(l.eligibleGrantIds)) {
      const i = gIndex.get(gid);
      if (i !== undefined) eligible[i].push(j);
    }
  });
  const flow: number[][] = grants.map(() => new Array<number>(L).fill(0));
  const used = new Array<number>(G).fill(0);
  const paid = new Array<number>(L).fill(0);

  for (let s = 0; s < G; s++) {
    for (;;) {
      const room = grants[s].balance - used[s];
      if (room <= 0) break;
      const path = augmentingPath(s, eligible, flow, paid, lines);
      if (!path) break;
      // bottleneck: the grant's room, each re-routed flow, and the last line's unpaid rest
      let amount = room;
      for (let k = 1; k < path.length; k += 2) {
        const lj = path[k];
        if (k + 1 < path.length) amount = Math.min(amount, flow[path[k + 1]][lj]);
        else amount = Math.min(amount, lines[lj].amount - paid[lj]);
      }
      // apply: forward on grant→line edges, backward on the re-routed ones
      for (let k = 1; k < path.length; k += 2) {
        flow[path[k - 1]][path[k]] += amount;
        if (k + 1 < path.length) flow[path[k + 1]][path[k]] -= amount;
      }
      paid[path[path.length - 1]] += amount;
      used[s] += amount;
    }
  }

  const allocations: Allocation[] = [];
  for (let i = 0; i < G; i++) {
    for (let j = 0; j < L; j++) if (flow[i][j] > 0) allocations.push({ lineId: lines[j].id, grantId: grants[i].id, amount: flow[i][j] });
  }
  const needed = lines.reduce((a, l) => a + l.amount, 0);
  const payable = paid.reduce((a, p) => a + p, 0);
  return {
    complete: payable === needed,
    needed,
    payable,
    allocations,
    byGrant: grants.map((g, i) => ({ grantId: g.id, amount: used[i] })),
  };
}

/**
 * BFS in the residual graph from grant `s` to a line with an unpaid rest. Returns the path as
 * alternating [grant, line, grant, line, ...] indexes (grant→line forward, line→grant backward
 * along an existing flow), or null.
 */
function augmentingPath(s: number, eligible: number[][], flow: number[][], paid: number[], lines: AllocationLine[]): number[] | null {
  const G = eligible.length;
  const L = lines.length;
  const lineFrom = new Array<number>(L).fill(-1); // grant we reached the line from
  const grantFrom = new Array<number>(G).fill(-1); // line we reached the grant from
  const seenGrant = new Array<boolean>(G).fill(false);
  seenGrant[s] = true;
  const queue: number[] = [s];
  while (queue.length) {
    const g = queue.shift()!;
    for (const j of eligible[g]) {
      if (lineFrom[j] !== -1) continue;
      lineFrom[j] = g;
      if (paid[j] < lines[j].amount) return tracePath(j, lineFrom, grantFrom);
      // the line is fully paid: re-route some of what another grant pays for it
      for (let k = 0; k < G; k++) {
        if (!seenGrant[k] && flow[k][j] > 0) {
          seenGrant[k] = true;
          grantFrom[k] = j;
          queue.push(k);
        }
      }
    }
  }
  return null;
}

function tracePath(lastLine: number, lineFrom: number[], grantFrom: number[]): number[] {
  const path: number[] = [];
  let j = lastLine;
  for (;;) {
    const g = lineFrom[j];
    path.unshift(g, j);
    const prev = grantFrom[g];
    if (prev === -1) return path;
    j = prev;
  }
}
