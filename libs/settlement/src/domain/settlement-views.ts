/** What the settlement API returns. Plain data: the DTO classes in dto/ document it for Swagger. */
export interface StatementLineView {
  lineNo: number;
  orderId: string;
  unionId: string;
  completedAt: string;
  amountFen: number;
  /** the order_completion entry that credited the supplier's payable */
  completionEntryId: string;
}

export interface PayoutView {
  id: string;
  statementId: string;
  amountFen: number;
  bankReference: string;
  paidOn: string;
  /** the supplier_payout entry: supplier payable → supplier paid out */
  ledgerEntryId: string;
  recordedBy: string;
  recordedAt: string;
}

export interface StatementSummaryView {
  id: string;
  number: string;
  runId: string;
  supplierId: string;
  supplierOrganizationId: string;
  payableAccountId: string;
  periodStart: string;
  periodEnd: string;
  lineCount: number;
  totalFen: number;
  issuedAt: string;
  status: 'issued' | 'paid';
}

export interface StatementDetailView extends StatementSummaryView {
  /** one page of the lines, in line order */
  lines: StatementLineView[];
  linesPage: { total: number; limit: number; offset: number };
  payout: PayoutView | null;
}

export interface RunView {
  id: string;
  trigger: 'api' | 'cli' | 'schedule';
  requestedBy: string | null;
  supplierId: string | null;
  cutoff: string;
  statementCount: number;
  orderCount: number;
  totalFen: number;
  startedAt: string;
  finishedAt: string;
  statements: StatementSummaryView[];
}

/** Where an order stands in settlement (for the audit trace). */
export interface OrderSettlementView {
  statement: StatementSummaryView;
  line: StatementLineView;
  payout: PayoutView | null;
}
