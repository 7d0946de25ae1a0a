import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class CampaignPointsDto {
  @ApiProperty() campaignId: string;
  @ApiProperty({ example: '2025 春节慰问' }) name: string;
  @ApiProperty({ nullable: true, type: String }) purpose: string | null;
  @ApiProperty({ enum: ['draft', 'approved', 'distributing', 'open', 'closed', 'settled', 'cancelled'] }) status: string;
  @ApiProperty({ description: 'credited: the grant is in the member’s account; pending: distribution has not reached it yet' }) grantState: string;
  @ApiProperty({ description: 'fen granted by the campaign' }) grantedFen: number;
  @ApiProperty({ description: 'fen left to spend (0 after the window closed: unspent points returned)' }) balanceFen: number;
  @ApiProperty({ nullable: true, type: [String], description: 'catalog category ids/codes the points may buy; null = anything' }) allowedCategoryIds: string[] | null;
  @ApiProperty() opensAt: Date;
  @ApiProperty() closesAt: Date;
  @ApiProperty({ description: 'the window is open now (database clock) and the points may be spent' }) spendable: boolean;
  @ApiProperty({ nullable: true, type: String }) grantAccountId: string | null;
}

export class PointsHistoryLineDto {
  @ApiProperty() entryId: string;
  @ApiProperty() at: string;
  @ApiProperty() campaignId: string;
  @ApiProperty() campaignName: string;
  @ApiProperty({ example: 'campaign.grant', description: 'campaign.grant, campaign.expire, member.leave, or an ordering entry kind' }) kind: string;
  @ApiProperty({ description: 'fen: positive = received, negative = spent or returned' }) amountFen: number;
  @ApiProperty() reference: string;
}

export class MePointsDto {
  @ApiProperty() memberId: string;
  @ApiProperty() unionId: string;
  @ApiProperty() unionName: string;
  @ApiProperty() employeeNo: string;
  @ApiProperty({ description: 'fen spendable now, over all open campaigns' }) spendableFen: number;
  @ApiProperty({ description: 'fen in all grants (including windows not open yet)' }) balanceFen: number;
  @ApiProperty({ type: [CampaignPointsDto] }) campaigns: CampaignPointsDto[];
  @ApiProperty({ type: [PointsHistoryLineDto], description: 'the latest movements of the member’s grant accounts, newest first' }) history: PointsHistoryLineDto[];
  @ApiPropertyOptional({ description: 'more history exists than shown' }) historyTruncated?: boolean;
}
