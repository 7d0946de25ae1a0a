import { AuthUser, CurrentUser, ErrorBodyDto, Role, Roles, TransactionRunner } from '@huigong/common';
import { Controller, Get, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuditPackService } from '../pack/audit-pack.service';
import { CampaignTraceDto } from './campaign-trace.dto';
import { CampaignTraceService } from './campaign-trace.service';

/** auditors and platform admins everywhere; a union admin for the campaigns of their union and those below */
const READERS = [Role.Auditor, Role.PlatformAdmin, Role.UnionAdmin];

@ApiTags('audit')
@Controller('audit/campaigns')
export class CampaignAuditController {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly traces: CampaignTraceService,
    private readonly packs: AuditPackService,
  ) {}

  @Get(':id/trace')
  @Roles(...READERS)
  @ApiOperation({
    summary: 'Trace a campaign forwards: where every fen of its pool went, per member, order, supplier and category, with the check that the parts add up to the reserved total',
    description:
      'Computed from the ledger transfers on the campaign pool and the members’ grants, joined to the order payments, in one consistent snapshot. ' +
      '`check.ok` is false (and `check.problems` says why) when anything does not add up or a transfer fits no known flow. Union admins: only their unions’ campaigns (403 OUT_OF_SCOPE).',
  })
  @ApiOkResponse({ type: CampaignTraceDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: 'OUT_OF_SCOPE', type: ErrorBodyDto })
  trace(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<CampaignTraceDto> {
    return this.tx.run(
      async (em) => {
        const campaign = await this.traces.reach(user, id, em);
        return (await this.traces.collect(em, campaign)).trace;
      },
      { isolation: 'REPEATABLE READ' },
    );
  }

  @Get(':id/pack')
  @Roles(...READERS)
  @ApiProduces('application/zip')
  @ApiOperation({
    summary: 'The campaign’s audit pack: one zip with the distribution list, orders, deliveries, returns, expiries, ledger entries with inclusion proofs, block headers and a manifest of SHA-256 hashes',
    description:
      'Files: manifest.json (size and SHA-256 of every other file; header X-Manifest-SHA256 carries the manifest’s own hash), trace.json, distribution.csv/.json, orders.csv/.json, ' +
      'deliveries.csv, returns.csv, expiries.csv, ledger-entries.csv/.json, blocks.csv/.json (every header from the earliest block involved to the chain head when that is at most AUDIT_PACK_MAX_BLOCK_HEADERS, default 20,000; else only the entries’ blocks and the head — manifest.ledger.blockRange says which, and GET /api/v1/ledger/blocks pages the rest) and proofs/<entryId>.json ' +
      '(check each with `node dist/tools/verify-proof.js`). CSV files are UTF-8 with BOM and CRLF.',
  })
  @ApiOkResponse({ description: 'application/zip', schema: { type: 'string', format: 'binary' } })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: 'OUT_OF_SCOPE', type: ErrorBodyDto })
  async pack(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Res() res: Response): Promise<void> {
    const pack = await this.packs.build(user, id);
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="${pack.fileName}"`);
    res.setHeader('X-Manifest-SHA256', pack.manifestSha256);
    res.status(200).end(pack.zip);
  }
}
