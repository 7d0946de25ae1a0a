import { LedgerAuditQueryService, VerificationRecord } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';

/** The recorded ledger verifications (nightly job and on-demand runs) for platform admins and auditors. */
@Injectable()
export class LedgerVerificationHistoryService {
  constructor(private readonly ledgerAudit: LedgerAuditQueryService) {}

  async recent(limit: number): Promise<{ status: 'ok' | 'failed' | 'never_run'; latest: VerificationRecord | null; lastSuccessAt: string | null; items: VerificationRecord[] }> {
    const items = await this.ledgerAudit.verifications(limit);
    const latest = items[0] ?? null;
    const lastSuccess = latest?.ok ? latest : ((await this.ledgerAudit.verifications(1, undefined, true))[0] ?? null);
    return { status: !latest ? 'never_run' : latest.ok ? 'ok' : 'failed', latest, lastSuccessAt: lastSuccess?.at ?? null, items };
  }
}
