import { AuthUser, CurrentUser, ErrorBodyDto, PageQueryDto, pageOf, Role, Roles, TransactionRunner, validationFailed } from '@huigong/common';
import { Body, Controller, Get, Headers, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { StockAdjustmentDto, StockLevelDto, StockMovementPageDto } from '../dto/stock.dto';
import { StockAdjustmentsService } from '../services/stock-adjustments.service';

@ApiTags('catalog stock')
@Controller('catalog/skus')
export class StockController {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly adjustments: StockAdjustmentsService,
  ) {}

  @Post(':id/stock-adjustments')
  @Roles(Role.SupplierStaff)
  @ApiOperation({ summary: "Adjust a SKU's stock (own SKUs only); recorded as an 'adjustment' movement; never below zero" })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'optional: a replay with the same key returns the first result and changes nothing' })
  @ApiCreatedResponse({ type: StockLevelDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'STOCK_WOULD_GO_NEGATIVE (details: available), IDEMPOTENCY_KEY_REUSED', type: ErrorBodyDto })
  adjust(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: StockAdjustmentDto,
    @Headers('idempotency-key') key?: string,
  ): Promise<StockLevelDto> {
    if (key !== undefined && !/^[\x21-\x7e]{1,100}$/.test(key)) {
      throw validationFailed([{ field: 'Idempotency-Key', reasons: ['1-100 printable ASCII characters without spaces'] }]);
    }
    return this.tx.run((em) => this.adjustments.adjust(em, user, id, dto.delta, dto.reason, key));
  }

  @Get(':id/movements')
  @Roles(Role.SupplierStaff, Role.PlatformAdmin, Role.Auditor)
  @ApiOperation({ summary: 'Stock movements of a SKU, newest first, with its current stock' })
  @ApiOkResponse({ type: StockMovementPageDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  movements(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Query() q: PageQueryDto): Promise<StockMovementPageDto> {
    return this.adjustments.movements(user, id, pageOf(q));
  }
}
