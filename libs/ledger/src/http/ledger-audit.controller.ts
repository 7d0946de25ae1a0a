import { Role, Roles } from '@huigong/common';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LedgerVerifier } from '../verify/ledger-verifier.service';
import { LedgerVerificationDto } from './dto/ledger-entries.dto';

@ApiTags('audit')
@Controller('audit/ledger')
export class LedgerAuditController {
  constructor(private readonly verifier: LedgerVerifier) {}

  @Get('verify')
  @Roles(Role.Auditor, Role.PlatformAdmin)
  @ApiOperation({
    summary: 'Verify the whole ledger now: entry hashes, Merkle roots, the hash chain, balanced entries, account totals, zero sum',
    description: 'Answers 200 either way: `ok` tells, `firstProblem` names the first wrong entry, block or account. The run is recorded (readiness turns `degraded` while the latest run failed). Takes about 10 s per million entries.',
  })
  @ApiOkResponse({ type: LedgerVerificationDto })
  verify(): Promise<LedgerVerificationDto> {
    return this.verifier.verify();
  }
}
