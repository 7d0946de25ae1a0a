// Every migration, in order. The schema changes only through these (never `synchronize`).
import { Foundation1764100000000 } from './1764100000000-foundation';
import { Ledger1764200000000 } from './1764200000000-ledger';
import { Catalog1764300000000 } from './1764300000000-catalog';
import { Points1764400000000 } from './1764400000000-points';
import { Ordering1764500000000 } from './1764500000000-ordering';
import { Settlement1764600000000 } from './1764600000000-settlement';
import { Audit1764700000000 } from './1764700000000-audit';
import { Reports1764800000000 } from './1764800000000-reports';
import { LedgerPerformance1765000000000 } from './1765000000000-ledger-performance';
import { AppRoleGrants1765100000000 } from './1765100000000-app-role-grants';
import { DistributionPerformance1765300000000 } from './1765300000000-distribution-performance';
import { DistributionHolderIndex1765600000000 } from './1765600000000-distribution-holder-index';
import { CheckoutPerformance1765650000000 } from './1765650000000-checkout-performance';
import { CacheVersions1765700000000 } from './1765700000000-cache-versions';
import { DistributionOverlap1765750000000 } from './1765750000000-distribution-overlap';
import { IdempotencyLockAndLookup1765850000000 } from './1765850000000-idempotency-lock-and-lookup';
import { DistributionHotMark1765900000000 } from './1765900000000-distribution-hot-mark';
import { AutoConfirmDueIndex1765960000000 } from './1765960000000-auto-confirm-due-index';
import { WelfareRuleSetter1765980000000 } from './1765980000000-welfare-rule-setter';
import { AgreementsInForceByTerm1766000000000 } from './1766000000000-agreements-in-force-by-term';

export const MIGRATIONS = [Foundation1764100000000, Ledger1764200000000, Catalog1764300000000, Points1764400000000, Ordering1764500000000, Settlement1764600000000, Audit1764700000000, Reports1764800000000, LedgerPerformance1765000000000, AppRoleGrants1765100000000, DistributionPerformance1765300000000, DistributionHolderIndex1765600000000, CheckoutPerformance1765650000000, CacheVersions1765700000000, DistributionOverlap1765750000000, IdempotencyLockAndLookup1765850000000, DistributionHotMark1765900000000, AutoConfirmDueIndex1765960000000, WelfareRuleSetter1765980000000, AgreementsInForceByTerm1766000000000];
