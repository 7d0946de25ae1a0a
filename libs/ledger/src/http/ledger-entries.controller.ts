import { AuthUser, CurrentUser, ErrorBodyDto, Role, Roles } from '@huigong/common';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LedgerIdParam } from './dto/ledger-accounts.dto';
import { EntriesQuery, EntryProofDto, LedgerEntryDto, LedgerEntryListDto } from './dto/ledger-entries.dto';
import { ScopedLedgerReadsService } from './scoped-ledger-reads.service';

const READERS = [Role.PlatformAdmin, Role.Auditor, Role.UnionAdmin, Role.SupplierStaff, Role.Worker];

@ApiTags('ledger')
@Controller('ledger/entries')
export class LedgerEntriesController {
  constructor(private readonly reads: ScopedLedgerReadsService) {}

  @Get()
  @Roles(...READERS)
  @ApiOperation({ summary: 'Entries of a business reference (e.g. order:<id>) that touch an account in your scope, oldest first (at most 1,000)' })
  @ApiOkResponse({ type: LedgerEntryListDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED', type: ErrorBodyDto })
  async list(@CurrentUser() user: AuthUser, @Query() q: EntriesQuery): Promise<LedgerEntryListDto> {
    return { items: await this.reads.entriesByReference(user, q.reference) };
  }

  @Get(':id')
  @Roles(...READERS)
  @ApiOperation({ summary: 'One entry with its transfers, hash and seal (403 OUT_OF_SCOPE unless it touches an account in your scope)' })
  @ApiOkResponse({ type: LedgerEntryDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  get(@CurrentUser() user: AuthUser, @Param() p: LedgerIdParam): Promise<LedgerEntryDto> {
    return this.reads.entry(user, p.id);
  }

  @Get(':id/proof')
  @Roles(...READERS)
  @ApiOperation({
    summary: 'Inclusion proof: the entry, its hash, its Merkle path and every block header up to the chain head',
    description: 'Check it offline with `node dist/tools/verify-proof.js proof.json` (libs/ledger/SEALING.md §5).',
  })
  @ApiOkResponse({ type: EntryProofDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'NOT_YET_SEALED (try again in a moment); LEDGER_INCONSISTENT (stored rows no longer match their seal)', type: ErrorBodyDto })
  proof(@CurrentUser() user: AuthUser, @Param() p: LedgerIdParam): Promise<EntryProofDto> {
    return this.reads.proof(user, p.id) as Promise<EntryProofDto>;
  }
}
