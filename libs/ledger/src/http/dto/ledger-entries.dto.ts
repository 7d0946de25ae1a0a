import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class EntriesQuery {
  @ApiProperty({ example: 'order:3f2a…', description: 'business reference the entries were posted with' })
  @IsString()
  @Length(1, 200)
  reference: string;
}

export class TransferDto {
  @ApiProperty() id: string;
  @ApiProperty() debitAccountId: string;
  @ApiProperty() creditAccountId: string;
  @ApiProperty({ description: 'fen' }) amount: number;
}

export class SealDto {
  @ApiProperty() blockHeight: number;
  @ApiProperty() blockHash: string;
}

export class LedgerEntryDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'order' }) kind: string;
  @ApiProperty() idempotencyKey: string;
  @ApiProperty() reference: string;
  @ApiProperty({ nullable: true, type: String }) actor: string | null;
  @ApiProperty({ nullable: true, type: Object }) metadata: Record<string, unknown> | null;
  @ApiProperty({ example: '2026-11-26T19:20:34.123456Z' }) createdAt: string;
  @ApiProperty({ description: 'SHA-256 of the canonical encoding (libs/ledger/SEALING.md)' }) hash: string;
  @ApiProperty({ type: [TransferDto] }) transfers: TransferDto[];
  @ApiProperty() replayed: boolean;
  @ApiProperty({ type: SealDto, nullable: true, description: 'null until sealed (normally within a second)' }) seal: SealDto | null;
}

export class LedgerEntryListDto {
  @ApiProperty({ type: [LedgerEntryDto] }) items: LedgerEntryDto[];
}

export class CanonicalTransferDto {
  @ApiProperty() debitAccountId: string;
  @ApiProperty() creditAccountId: string;
  @ApiProperty({ description: 'fen, decimal string' }) amount: string;
}

export class CanonicalEntryDto {
  @ApiProperty() id: string;
  @ApiProperty() kind: string;
  @ApiProperty() idempotencyKey: string;
  @ApiProperty({ nullable: true, type: String }) reference: string | null;
  @ApiProperty({ nullable: true, type: String }) actor: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: Object }) metadata: unknown;
  @ApiProperty({ type: [CanonicalTransferDto] }) transfers: CanonicalTransferDto[];
}

export class BlockHeaderDto {
  @ApiProperty() height: number;
  @ApiProperty() prevHash: string;
  @ApiProperty() merkleRoot: string;
  @ApiProperty() entryCount: number;
  @ApiProperty() firstEntryId: string;
  @ApiProperty() lastEntryId: string;
  @ApiProperty() sealedAt: string;
}

export class ChainHeadDto {
  @ApiProperty() height: number;
  @ApiProperty() hash: string;
}

export class EntryProofDto {
  @ApiProperty({ enum: [1] }) version: 1;
  @ApiProperty({ type: CanonicalEntryDto }) entry: CanonicalEntryDto;
  @ApiProperty() entryHash: string;
  @ApiProperty() leafIndex: number;
  @ApiProperty({ type: BlockHeaderDto }) block: BlockHeaderDto;
  @ApiProperty() blockHash: string;
  @ApiProperty({ type: [String], description: 'RFC 6962 audit path, leaf to root' }) auditPath: string[];
  @ApiProperty({ type: [BlockHeaderDto], description: 'every later header up to the head' }) chain: BlockHeaderDto[];
  @ApiProperty({ type: ChainHeadDto }) head: ChainHeadDto;
}

export class VerificationProblemDto {
  @ApiProperty({ enum: ['entry', 'block', 'account', 'ledger'] }) kind: string;
  @ApiProperty({ description: 'entry id, block height or account id' }) id: string;
  @ApiProperty() reason: string;
}

export class LedgerVerificationDto {
  @ApiProperty() ok: boolean;
  @ApiProperty() entries: number;
  @ApiProperty() blocks: number;
  @ApiProperty() accounts: number;
  @ApiProperty({ description: 'entries not sealed yet (checked for balance, not for hashes)' }) unsealed: number;
  @ApiProperty() durationMs: number;
  @ApiProperty({ type: ChainHeadDto, nullable: true, description: 'recomputed chain head: compare with a head you trust' }) head: ChainHeadDto | null;
  @ApiPropertyOptional({ type: VerificationProblemDto }) firstProblem?: VerificationProblemDto;
}
