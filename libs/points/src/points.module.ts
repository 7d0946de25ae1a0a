import { IdentityModule } from '@huigong/identity';
import { LedgerModule } from '@huigong/ledger';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdjustmentsController } from './budget/adjustments.controller';
import { BudgetAdjustment } from './budget/budget-adjustment.entity';
import { BudgetAdjustmentsService } from './budget/budget-adjustments.service';
import { BudgetQueryService } from './budget/budget-query.service';
import { Deposit } from './budget/deposit.entity';
import { RecordDepositService } from './budget/record-deposit.service';
import { AddCampaignMembersService } from './campaigns/add-campaign-members.service';
import { ApproveCampaignService } from './campaigns/approve-campaign.service';
import { CancelCampaignService } from './campaigns/cancel-campaign.service';
import { Campaign } from './campaigns/campaign.entity';
import { CampaignQueryService } from './campaigns/campaign-query.service';
import { CampaignTransition } from './campaigns/campaign-transition.entity';
import { CampaignTransitionsService } from './campaigns/campaign-transitions.service';
import { CampaignsController } from './campaigns/campaigns.controller';
import { CreateCampaignService } from './campaigns/create-campaign.service';
import { PointsDemoSeeder } from './demo/points-demo.seeder';
import { CampaignDistribution } from './distribution/campaign-distribution.entity';
import { CampaignWindowService } from './distribution/campaign-window.service';
import { DistributionRunner } from './distribution/distribution-runner.service';
import { MePointsController } from './me/me-points.controller';
import { MemberPointsService } from './me/member-points.service';
import { PointsQueryService } from './me/points-query.service';
import { PointsTraceQueryService } from './trace/points-trace-query.service';
import { ActivateMemberService } from './roster/activate-member.service';
import { ActivationCodesService } from './roster/activation-codes.service';
import { ActivationController } from './roster/activation.controller';
import { ACTIVATION_NOTIFIER, LoggingActivationNotifier } from './roster/activation.notifier';
import { Member } from './roster/member.entity';
import { MemberLeaveService } from './roster/member-leave.service';
import { MembersController } from './roster/members.controller';
import { MembersService } from './roster/members.service';
import { RosterImportService } from './roster/roster-import.service';
import { UnionAccess } from './shared/union-access.service';
import { Agreement } from './unions/agreement.entity';
import { AgreementCreditService } from './unions/agreement-credit.service';
import { OnboardUnionService } from './unions/onboard-union.service';
import { SignAgreementService } from './unions/sign-agreement.service';
import { UnionAccountsService } from './unions/union-accounts.service';
import { UnionDirectoryService } from './unions/union-directory.service';
import { UnionProfile } from './unions/union-profile.entity';
import { UnionsController } from './unions/unions.controller';
import { WelfareCapService } from './welfare/welfare-cap.service';
import { WelfareRule } from './welfare/welfare-rule.entity';
import { WelfareRulesController } from './welfare/welfare-rules.controller';
import { WelfareRulesService } from './welfare/welfare-rules.service';
import { PointsReportingService } from './reporting/points-reporting.service';
import { CampaignAuditQueryService } from './audit/campaign-audit-query.service';

/**
 * Points allocation: unions, agreements, deposits and budgets; the roster and member activation;
 * welfare campaigns, their distribution and their windows. Money moves only through the ledger.
 * The worker process adds POINTS_PROCESSORS (see distribution/points-processors.ts).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([UnionProfile, Agreement, Deposit, BudgetAdjustment, Member, Campaign, CampaignTransition, CampaignDistribution, WelfareRule]),
    IdentityModule,
    LedgerModule,
  ],
  controllers: [UnionsController, AdjustmentsController, MembersController, ActivationController, CampaignsController, WelfareRulesController, MePointsController],
  providers: [
    UnionAccess,
    UnionAccountsService,
    OnboardUnionService,
    UnionDirectoryService,
    SignAgreementService,
    AgreementCreditService,
    BudgetQueryService,
    RecordDepositService,
    BudgetAdjustmentsService,
    RosterImportService,
    MembersService,
    MemberLeaveService,
    ActivationCodesService,
    ActivateMemberService,
    { provide: ACTIVATION_NOTIFIER, useClass: LoggingActivationNotifier },
    WelfareRulesService,
    WelfareCapService,
    CampaignTransitionsService,
    CreateCampaignService,
    ApproveCampaignService,
    CancelCampaignService,
    AddCampaignMembersService,
    CampaignQueryService,
    DistributionRunner,
    CampaignWindowService,
    MemberPointsService,
    PointsQueryService,
    CampaignAuditQueryService,
    PointsTraceQueryService,
    PointsDemoSeeder,
    PointsReportingService,
  ],
  exports: [AgreementCreditService, PointsQueryService, PointsReportingService, CampaignAuditQueryService, PointsTraceQueryService, DistributionRunner, CampaignWindowService, PointsDemoSeeder, ACTIVATION_NOTIFIER],
})
export class PointsModule {}
