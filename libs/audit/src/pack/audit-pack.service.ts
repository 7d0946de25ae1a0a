import { APP_CONFIG, AppConfig, AuthUser, CsvValue, toCsv, TransactionRunner } from '@huigong/common';
import { LedgerAuditQueryService, SealedBlockHeader } from '@huigong/ledger';
import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { CampaignAuditData, CampaignTraceService } from '../campaign/campaign-trace.service';
import { writeZip, ZipFile } from './zip-writer';

export interface AuditPack {
  fileName: string;
  zip: Buffer;
  manifestSha256: string;
}

/** Which block headers `blocks.*` holds, and how to fetch the rest. */
export interface BlockRange {
  /** the lowest block holding one of the pack's entries */
  from: number;
  /** the chain head when the pack was read */
  to: number;
  /** `linking`: every header from..to; `entry-blocks-only`: the entries' blocks and the head (the range was over the cap) */
  included: 'linking' | 'entry-blocks-only';
  /** headers from..to */
  linkingHeaders: number;
  /** AUDIT_PACK_MAX_BLOCK_HEADERS */
  maxLinkingHeaders: number;
  headersInPack: number;
  /** how to fetch the headers the pack left out; null when it has them all */
  rest: string | null;
}

/** order actions whose reason explains a refund or a return */
const REFUND_ACTIONS = new Set(['cancel', 'reject', 'request_return', 'approve_return', 'decline_return']);

const json = (v: unknown) => Buffer.from(JSON.stringify(v, null, 2) + '\n', 'utf8');
const csv = <H extends string>(header: readonly H[], rows: Iterable<readonly CsvValue[]>) => Buffer.from(toCsv(header, rows), 'utf8');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * The audit pack of one campaign: a zip of CSV (for spreadsheets) and JSON (for programs) files,
 * all read in one REPEATABLE READ snapshot, with `manifest.json` naming every file with its size
 * and SHA-256. Ledger entries come with their inclusion proofs (`proofs/<entryId>.json`, each
 * checkable with `node dist/tools/verify-proof.js`) and `blocks.*` holds every block header from
 * the earliest block involved up to the chain head, so the proofs' blocks link to the head — as
 * long as that range is at most AUDIT_PACK_MAX_BLOCK_HEADERS headers. The sealer closes a block
 * every tick, so an old campaign's range grows without bound: past the cap the pack holds only the
 * blocks of its entries and the head, and `manifest.ledger.blockRange` says how to fetch the rest
 * (GET /api/v1/ledger/blocks, paged).
 */
@Injectable()
export class AuditPackService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly traces: CampaignTraceService,
    private readonly ledgerAudit: LedgerAuditQueryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async build(user: AuthUser, campaignId: string): Promise<AuditPack> {
    return this.tx.run(
      async (em) => {
        const campaign = await this.traces.reach(user, campaignId, em);
        const data = await this.traces.collect(em, campaign);
        const entryIds = [...new Set([...data.transfers.map((t) => t.entryId), ...data.orders.flatMap((o) => o.ledgerEntries.map((e) => e.entryId))])].sort(
          (a, b) => a.length - b.length || (a < b ? -1 : 1),
        );
        const entries = await this.ledgerAudit.entries(entryIds, em);
        const { proofs, invalid } = await this.ledgerAudit.proofs(entryIds, em);
        const { blocks, blockRange } = await this.blocks(
          proofs.map((p) => p.block.height),
          em,
        );
        const files = this.files(data, entries, proofs, blocks);
        const manifest = {
          kind: 'huigong.campaign-audit-pack',
          version: 1,
          campaign: data.trace.campaign,
          generatedAt: data.trace.asOf,
          generatedBy: { userId: user.id, username: user.username },
          check: data.trace.check,
          ledger: {
            entries: entries.length,
            sealed: proofs.length,
            unsealedEntryIds: entries.filter((e) => !e.seal).map((e) => e.id),
            // sealed entries whose rows no longer match their seal: no proof can be given (run the verification)
            invalidProofs: invalid,
            head: blocks.length ? { height: blocks[blocks.length - 1].height, hash: blocks[blocks.length - 1].hash } : null,
            blockRange,
          },
          hashAlgorithm: 'sha256',
          files: files.map((f) => ({ name: f.name, bytes: f.data.length, sha256: sha256(f.data) })),
        };
        const manifestFile = { name: 'manifest.json', data: json(manifest) };
        const zip = writeZip([manifestFile, ...files], new Date(data.trace.asOf));
        return { fileName: `audit-pack-campaign-${campaign.id}.zip`, zip, manifestSha256: sha256(manifestFile.data) };
      },
      { isolation: 'REPEATABLE READ' },
    );
  }

  /**
   * The headers linking the entries' blocks to the chain head: the whole range when it holds at
   * most the configured number of headers, else only the entries' blocks and the head (bounded by
   * the entries, however long the chain has grown since).
   */
  private async blocks(heights: number[], em: EntityManager): Promise<{ blocks: SealedBlockHeader[]; blockRange: BlockRange | null }> {
    if (!heights.length) return { blocks: [], blockRange: null };
    const head = await this.ledgerAudit.chainHead(em);
    if (!head) return { blocks: [], blockRange: null };
    const from = heights.reduce((h, x) => Math.min(h, x), Number.POSITIVE_INFINITY);
    const linking = head.height - from + 1;
    const cap = this.config.auditPackMaxBlockHeaders;
    if (linking <= cap) {
      const blocks = await this.ledgerAudit.blockHeaders(from, em, linking);
      return { blocks, blockRange: { from, to: head.height, included: 'linking', linkingHeaders: linking, maxLinkingHeaders: cap, headersInPack: blocks.length, rest: null } };
    }
    const blocks = await this.ledgerAudit.blockHeadersAt([...new Set([...heights, head.height])], em);
    return {
      blocks,
      blockRange: {
        from,
        to: head.height,
        included: 'entry-blocks-only',
        linkingHeaders: linking,
        maxLinkingHeaders: cap,
        headersInPack: blocks.length,
        rest: `GET /api/v1/ledger/blocks?fromHeight=${from}&limit=5000, then again with fromHeight=nextFromHeight until it is null (or until height ${head.height}, the head this pack names)`,
      },
    };
  }

  private files(
    data: CampaignAuditData,
    entries: Awaited<ReturnType<LedgerAuditQueryService['entries']>>,
    proofs: Awaited<ReturnType<LedgerAuditQueryService['proofs']>>['proofs'],
    blocks: SealedBlockHeader[],
  ): ZipFile[] {
    const { trace, members, orders, payments, transfers, supplierNames, categories } = data;
    const memberById = new Map(members.map((m) => [m.memberId, m]));
    const traceByMember = new Map(trace.members.map((m) => [m.memberId, m]));
    const grantMember = new Map(members.filter((m) => m.grantAccountId).map((m) => [m.grantAccountId!, m]));
    const paymentsByOrder = new Map<string, typeof payments>();
    for (const p of payments) paymentsByOrder.set(p.orderId, [...(paymentsByOrder.get(p.orderId) ?? []), p]);
    const employeeNo = (memberId: string) => memberById.get(memberId)?.employeeNo ?? '';

    const distribution = members.map((m) => {
      const t = traceByMember.get(m.memberId)!;
      return {
        employeeNo: m.employeeNo,
        name: m.name,
        group: m.groupName,
        memberStatus: m.memberStatus,
        state: m.state,
        assignedFen: m.amountFen,
        grantAccountId: m.grantAccountId,
        creditedAt: m.creditedAt,
        creditedFen: t.creditedFen,
        spentFen: t.spentFen,
        refundedToGrantFen: t.refundedToGrantFen,
        refundedToPoolFen: t.refundedToPoolFen,
        refundedToBudgetFen: t.refundedToBudgetFen,
        expiredFen: t.expiredFen,
        leftFen: t.leftFen,
        heldFen: t.heldFen,
        netSpentFen: t.netSpentFen,
        balanced: t.balanced,
      };
    });
    const distributionHeader = [
      'employee_no', 'name', 'group', 'member_status', 'state', 'assigned_fen', 'grant_account_id', 'credited_at', 'credited_fen', 'spent_fen',
      'refunded_to_grant_fen', 'refunded_to_pool_fen', 'refunded_to_budget_fen', 'expired_fen', 'left_fen', 'held_fen', 'net_spent_fen', 'balanced',
    ] as const;

    const ordersJson = orders.map((o) => ({
      ...o,
      employeeNo: employeeNo(o.memberId),
      supplierName: supplierNames.get(o.supplierId) ?? null,
      campaignPayments: paymentsByOrder.get(o.id) ?? [],
      lines: o.lines.map((l) => ({ ...l, categoryCode: categories.get(l.categoryId)?.code ?? null, categoryName: categories.get(l.categoryId)?.name ?? null })),
    }));
    const orderLineRows = orders.flatMap((o) => {
      const paid = (paymentsByOrder.get(o.id) ?? []).reduce((s, p) => s + p.amountFen, 0);
      return o.lines.map((l) => [
        o.id, o.placedAt, employeeNo(o.memberId), o.supplierId, supplierNames.get(o.supplierId) ?? '', o.state, o.totalFen, paid,
        l.lineNo, l.productName, l.spec, categories.get(l.categoryId)?.code ?? '', categories.get(l.categoryId)?.name ?? '', l.unitPriceFen, l.quantity, l.amountFen,
      ]);
    });

    const deliveries = orders
      .filter((o) => o.shippedAt)
      .map((o) => [o.id, employeeNo(o.memberId), supplierNames.get(o.supplierId) ?? '', o.carrier, o.trackingNo, o.shippedAt, o.deliveredAt, o.completedAt, o.state]);

    const returns = orders
      .filter((o) => o.returnRequestedAt || (paymentsByOrder.get(o.id) ?? []).some((p) => p.refundRoute))
      .map((o) => {
        const ps = paymentsByOrder.get(o.id) ?? [];
        const why = [...o.history].reverse().find((h) => h.reason && REFUND_ACTIONS.has(h.action));
        return [
          o.id, employeeNo(o.memberId), supplierNames.get(o.supplierId) ?? '', o.state, o.cancelledAt, o.rejectedAt, o.returnRequestedAt, o.returnedAt,
          ps.filter((p) => p.refundRoute).reduce((s, p) => s + p.amountFen, 0), [...new Set(ps.map((p) => p.refundRoute).filter(Boolean))].join(' '), ps.find((p) => p.refundedAt)?.refundedAt ?? null, why?.reason ?? '',
        ];
      });

    const expiries = transfers
      .filter((t) => t.kind === 'campaign.expire' || t.kind === 'member.leave')
      .map((t) => [t.entryId, t.kind === 'campaign.expire' ? 'expired' : 'member_left', grantMember.get(t.debitAccountId)?.employeeNo ?? '', t.debitAccountId, t.creditAccountId, t.amount, t.at]);

    const entryRows = entries.flatMap((e) =>
      e.transfers.map((t) => [e.id, e.kind, e.reference, e.actor, e.createdAt, e.hash, e.seal?.blockHeight ?? null, e.seal?.blockHash ?? null, t.id, t.debitAccountId, t.creditAccountId, t.amount]),
    );

    return [
      { name: 'trace.json', data: json(trace) },
      { name: 'distribution.csv', data: csv(distributionHeader, distribution.map((d) => Object.values(d) as CsvValue[])) },
      { name: 'distribution.json', data: json(distribution) },
      {
        name: 'orders.csv',
        data: csv(
          ['order_id', 'placed_at', 'employee_no', 'supplier_id', 'supplier_name', 'state', 'order_total_fen', 'paid_by_campaign_fen', 'line_no', 'product_name', 'spec', 'category_code', 'category_name', 'unit_price_fen', 'quantity', 'line_amount_fen'],
          orderLineRows,
        ),
      },
      { name: 'orders.json', data: json(ordersJson) },
      { name: 'deliveries.csv', data: csv(['order_id', 'employee_no', 'supplier_name', 'carrier', 'tracking_no', 'shipped_at', 'delivered_at', 'completed_at', 'state'], deliveries) },
      {
        name: 'returns.csv',
        data: csv(['order_id', 'employee_no', 'supplier_name', 'state', 'cancelled_at', 'rejected_at', 'return_requested_at', 'returned_at', 'refunded_fen', 'refund_route', 'refunded_at', 'reason'], returns),
      },
      { name: 'expiries.csv', data: csv(['entry_id', 'kind', 'employee_no', 'grant_account_id', 'to_account_id', 'amount_fen', 'at'], expiries) },
      {
        name: 'ledger-entries.csv',
        data: csv(['entry_id', 'kind', 'reference', 'actor', 'created_at', 'entry_hash', 'block_height', 'block_hash', 'transfer_id', 'debit_account_id', 'credit_account_id', 'amount_fen'], entryRows),
      },
      { name: 'ledger-entries.json', data: json(entries) },
      { name: 'blocks.csv', data: csv(['height', 'prev_hash', 'merkle_root', 'entry_count', 'first_entry_id', 'last_entry_id', 'sealed_at', 'hash'], blocks.map((b) => [b.height, b.prevHash, b.merkleRoot, b.entryCount, b.firstEntryId, b.lastEntryId, b.sealedAt, b.hash])) },
      { name: 'blocks.json', data: json(blocks) },
      ...proofs.map((p) => ({ name: `proofs/${p.entry.id}.json`, data: json(p) })),
    ];
  }
}
