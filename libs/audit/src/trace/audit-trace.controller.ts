import { AuthUser, CurrentUser, ErrorBodyDto, Role, Roles } from '@huigong/common';
import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MemberTraceDto, OrderTraceDto } from './audit-trace.dto';
import { MemberTraceService } from './member-trace.service';
import { OrderTraceService } from './order-trace.service';

@ApiTags('audit')
@Controller('audit')
export class AuditTraceController {
  constructor(
    private readonly orders: OrderTraceService,
    private readonly members: MemberTraceService,
  ) {}

  @Get('orders/:id/trace')
  @Roles(Role.Auditor, Role.PlatformAdmin)
  @ApiOperation({
    summary: 'Trace an order backwards (checkout → grants → campaigns → union budget → deposits) and forwards (completion → payable → statement → payout), each step with its ledger entries, hashes and seals',
  })
  @ApiOkResponse({ type: OrderTraceDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  order(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<OrderTraceDto> {
    return this.orders.trace(user, id) as Promise<OrderTraceDto>;
  }

  @Get('members/:id/trace')
  @Roles(Role.Auditor, Role.PlatformAdmin)
  @ApiOperation({ summary: 'Trace a member: grants (campaign, amount, expiry), orders, refunds and expiries, each with its ledger entries, hashes and seals' })
  @ApiOkResponse({ type: MemberTraceDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  member(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<MemberTraceDto> {
    return this.members.trace(user, id) as Promise<MemberTraceDto>;
  }
}
