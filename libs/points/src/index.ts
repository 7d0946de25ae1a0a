// The public face of the points context. Other contexts use PointsQueryService; the worker process
// adds POINTS_PROCESSORS; the demo seeder calls PointsDemoSeeder.
export { PointsModule } from './points.module';
export { CheckoutMember, PointsQueryService, RefundTarget, SpendableGrant } from './me/points-query.service';
export { PointsTraceQueryService } from './trace/points-trace-query.service';
export type { GrantProvenance, GrantEntryIds, DepositTrace, MemberIdentity } from './trace/points-trace-query.service';
export { POINTS_PROCESSORS, DistributionProcessor, CampaignWindowProcessor, runWhenDue } from './distribution/points.processors';
export { CampaignJobReconciler, CampaignReconcileResult, CAMPAIGN_RECONCILE_LOCK, LAGGING_CAMPAIGNS_SQL } from './distribution/campaign-job-reconciler.service';
export { NotYetError } from './distribution/not-yet.error';
export { DistributionRunner, DistributionOptions, DistributionResult, DEFAULT_CHUNK_SIZE, DEFAULT_PARALLEL_CHUNKS } from './distribution/distribution-runner.service';
export { CampaignWindowService, CloseOptions, CloseResult } from './distribution/campaign-window.service';
export { CAMPAIGN_LIFECYCLE, CampaignStatus, CampaignAction } from './campaigns/campaign.lifecycle';
export { CAMPAIGN_JOBS, campaignJobIds } from './campaigns/campaign-jobs.outbox';
export { ACTIVATION_NOTIFIER, ActivationNotifier, ActivationNotice, LoggingActivationNotifier } from './roster/activation.notifier';
export { PointsDemoSeeder, DEMO_UNION_NAME, DEMO_MEMBERS, DEMO_GRANT_FEN, DEMO_DEPOSIT_FEN, DEMO_WORKER } from './demo/points-demo.seeder';
export { PointsReportingService } from './reporting/points-reporting.service';
export type { UnionCreditFigures } from './reporting/points-reporting.service';
export { CampaignAuditQueryService, CampaignAuditView, CampaignMemberAuditView } from './audit/campaign-audit-query.service';
export { AgreementCreditService, AGREEMENT_JOBS, agreementJobIds } from './unions/agreement-credit.service';
export { AgreementCreditProcessor, AgreementCreditReconciler, CREDIT_RECONCILE_LOCK } from './unions/agreement-credit.processor';
export type { CreditReconcileResult } from './unions/agreement-credit.processor';
