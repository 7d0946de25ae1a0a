import { ApiIdempotencyKey, AuthUser, CurrentUser, ErrorBodyDto, IdempotencyKey, Role, Roles, validationFailed } from '@huigong/common';
import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { CheckoutDto, CheckoutResultDto } from '../dto/checkout.dto';
import { CheckoutService } from '../services/checkout.service';

@ApiTags('orders')
@Controller('checkout')
export class CheckoutController {
  constructor(private readonly checkouts: CheckoutService) {}

  @Post()
  @HttpCode(201)
  @Roles(Role.Worker)
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Check out: one order per supplier, paid from your grants (earliest-closing first) in one transaction',
    description:
      'Checks the window (database clock), eligibility (campaign categories), per-member limits, stock and points, then places the orders, takes the points (one ledger entry grants → order escrow) and decrements stock. A refusal changes nothing. A replayed Idempotency-Key returns the first result with `replayed: true`.',
  })
  @ApiCreatedResponse({ type: CheckoutResultDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: every bad field, including a missing or malformed Idempotency-Key header, unknown fields, both or neither of addressId/address', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'WINDOW_CLOSED (no campaign window of yours is open); OUT_OF_STOCK (details: skuId, requested, available); IDEMPOTENCY_KEY_REUSED (same key, different body)', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({
    description: 'INSUFFICIENT_POINTS (details: needed, available, shortfall); NOT_ELIGIBLE (details: skuId, campaigns); LIMIT_EXCEEDED (details: skuId, limit, alreadyBought, requested, remaining); SKU_NOT_AVAILABLE (details: skuIds); ADDRESS_NOT_FOUND',
    type: ErrorBodyDto,
  })
  async checkout(
    @CurrentUser() user: AuthUser,
    @IdempotencyKey() key: string,
    @Body() dto: CheckoutDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CheckoutResultDto> {
    if (dto.address !== undefined && dto.addressId !== undefined) {
      throw validationFailed([{ field: 'addressId', reasons: ['give either addressId or address, not both'] }]);
    }
    const result = await this.checkouts.checkout(user, key, dto);
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return result;
  }
}
