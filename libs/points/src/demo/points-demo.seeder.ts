import { AuthUser, Role, TransactionRunner } from '@huigong/common';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RecordDepositService } from '../budget/record-deposit.service';
import { ApproveCampaignService } from '../campaigns/approve-campaign.service';
import { CreateCampaignService } from '../campaigns/create-campaign.service';
import { DistributionRunner } from '../distribution/distribution-runner.service';
import { ActivateMemberService } from '../roster/activate-member.service';
import { RosterImportService } from '../roster/roster-import.service';
import { UnionAccountsService } from '../unions/union-accounts.service';
import { SignAgreementService } from '../unions/sign-agreement.service';
import { WelfareRulesService } from '../welfare/welfare-rules.service';

export const DEMO_UNION_NAME = '青岛港集团工会';
export const DEMO_MEMBERS = 300;
export const DEMO_DEPOSIT_FEN = 50_000_000; // ¥500,000
export const DEMO_GRANT_FEN = 50_000; // 500 points
export const DEMO_WORKER = { employeeNo: 'QDG0001', name: '王师傅', phone: '13800138000', group: '装卸一队' };

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高', '林', '何', '郭', '马', '罗'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '强', '磊', '军', '洋', '勇', '艳', '杰', '涛', '明', '超', '秀英', '建国', '海燕', '志强', '晓东'];
const GROUPS = ['装卸一队', '装卸二队', '机修班', '调度中心', '后勤保障部'];

/**
 * The points part of the demo: 青岛港集团工会 gets an agreement, a ¥500,000 deposit, the welfare
 * caps, a roster of 300 members (the demo `worker` among them, already activated) and an open
 * Spring Festival campaign of 500 points each, distributed right here (synchronously), so a fresh
 * `npm start` shows the worker's points at once. Goes through the same use cases as the API.
 */
@Injectable()
export class PointsDemoSeeder {
  private readonly logger = new Logger(PointsDemoSeeder.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly dataSource: DataSource,
    private readonly accounts: UnionAccountsService,
    private readonly agreements: SignAgreementService,
    private readonly deposits: RecordDepositService,
    private readonly rules: WelfareRulesService,
    private readonly roster: RosterImportService,
    private readonly campaigns: CreateCampaignService,
    private readonly approval: ApproveCampaignService,
    private readonly distribution: DistributionRunner,
    private readonly activation: ActivateMemberService,
  ) {}

  async seed(): Promise<{ unionId: string; campaignId: string } | null> {
    const [union] = await this.dataSource.query(`SELECT id FROM organizations WHERE type = 'union' AND name = $1 ORDER BY created_at LIMIT 1`, [DEMO_UNION_NAME]);
    const users: { id: string; username: string; organization_id: string }[] = await this.dataSource.query(
      `SELECT id, username, organization_id FROM users WHERE username IN ('admin', 'union-admin', 'worker')`,
    );
    const user = (name: string) => users.find((u) => u.username === name);
    if (!union || !user('admin') || !user('union-admin')) {
      this.logger.warn('demo union or users missing: points demo data not loaded');
      return null;
    }
    const unionId: string = union.id;
    const admin = actor(user('admin')!, 'platform', Role.PlatformAdmin);
    const unionAdmin = actor(user('union-admin')!, 'union', Role.UnionAdmin);

    await this.tx.run((em) => this.accounts.ensureProfile(em, unionId, { cityRegionCode: '370200', contactName: '工会办公室', contactPhone: '0532-8298 2000', onboardedBy: admin.id }));
    const [{ today, start, end }] = await this.dataSource.query(
      `SELECT d::text AS today, (d - 30)::text AS start, (d + 335)::text AS end FROM (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS d) t`,
    );
    await this.agreements.sign(admin, unionId, {
      number: 'HG-QDG-DEMO-001',
      signedOn: start,
      termStart: start,
      termEnd: end,
      expectedHeadcount: DEMO_MEMBERS,
      expectedAmountFen: 60_000_000,
      creditLimitFen: 10_000_000,
      documentRef: 'contracts/demo/HG-QDG-DEMO-001.pdf',
    });
    await this.deposits.record(admin, unionId, { amountFen: DEMO_DEPOSIT_FEN, bankReference: 'ICBC-DEMO-000001', receivedOn: today, note: '年度职工福利预存款' });
    await this.rules.setPlatform(admin, { annualCapFen: 200_000, note: '平台默认：每人每年 2,000 元' });
    await this.rules.setPlatform(admin, { regionPrefix: '37', annualCapFen: 150_000, note: '山东省：每人每年 1,500 元' });

    const lines = ['employee_no,name,phone,group,join_date', `${DEMO_WORKER.employeeNo},${DEMO_WORKER.name},${DEMO_WORKER.phone},${DEMO_WORKER.group},2012-03-01`];
    for (let i = 2; i <= DEMO_MEMBERS; i++) {
      const name = SURNAMES[(i * 7) % SURNAMES.length] + GIVEN[(i * 13) % GIVEN.length];
      const joined = `${2000 + (i % 24)}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
      lines.push(`QDG${String(i).padStart(4, '0')},${name},138${String(i).padStart(8, '0')},${GROUPS[i % GROUPS.length]},${joined}`);
    }
    await this.roster.import(unionAdmin, unionId, lines.join('\n'), false);

    const [{ opens, closes }] = await this.dataSource.query(`SELECT now() AS opens, now() + interval '30 days' AS closes`);
    const campaign = await this.campaigns.create(unionAdmin, unionId, {
      name: '春节慰问',
      purpose: 'Spring Festival welfare: 500 points for every member, to spend on local produce and goods',
      amountMode: 'flat',
      pointsPerMemberFen: DEMO_GRANT_FEN,
      opensAt: new Date(opens).toISOString(),
      closesAt: new Date(closes).toISOString(),
    });
    await this.approval.approve(unionAdmin, campaign.id, '工会委员会审议通过（演示数据）');
    await this.distribution.run(campaign.id);

    const worker = user('worker');
    if (worker) {
      const [m] = await this.dataSource.query(`SELECT id FROM members WHERE union_id = $1 AND employee_no = $2`, [unionId, DEMO_WORKER.employeeNo]);
      await this.tx.run((em) => this.activation.linkUser(em, m.id, worker.id));
    }
    this.logger.log(`points demo data loaded: ${DEMO_MEMBERS} members, campaign ${campaign.id} distributed`);
    return { unionId, campaignId: campaign.id };
  }
}

function actor(u: { id: string; username: string; organization_id: string }, organizationType: string, role: Role): AuthUser {
  return { id: u.id, username: u.username, organizationId: u.organization_id, organizationType, roles: [role] };
}
