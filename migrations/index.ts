// Every migration, in order. The schema changes only through these (never `synchronize`).
import { Foundation1764100000000 } from './1764100000000-foundation';
import { Ledger1764200000000 } from './1764200000000-ledger';
import { Catalog1764300000000 } from './1764300000000-catalog';
import { Points1764400000000 } from './1764400000000-points';
import { Ordering1764500000000 } from './1764500000000-ordering';
import { LedgerPerformance1765000000000 } from './1765000000000-ledger-performance';

export const MIGRATIONS = [Foundation1764100000000, Ledger1764200000000, Catalog1764300000000, Points1764400000000, Ordering1764500000000, LedgerPerformance1765000000000];
