import { APP_CONFIG, AppConfig, AppError, ApiIdempotencyKey, AuthUser, RateLimiter, CurrentUser, ErrorBodyDto, IdempotencyKey, Role, Roles, validationFailed } from '@huigong/common';
import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CheckoutDto, CheckoutResultDto } from '../dto/checkout.dto';
import { CheckoutService } from '../services/checkout.service';

@ApiTags('orders')
@Controller('checkout')
export class CheckoutController {
  constructor(
    private readonly checkouts: CheckoutService,
    private readonly limiter: RateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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
  @ApiForbiddenResponse({ description: 'NOT_A_MEMBER: the caller is not an active member of any union (no membership, or has left)', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'WINDOW_CLOSED (no campaign window of yours is open); OUT_OF_STOCK (details: skuId, requested, available); IDEMPOTENCY_KEY_REUSED (same key, different body)', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({
    description: 'INSUFFICIENT_POINTS (details: needed, available, shortfall); NOT_ELIGIBLE (details: skuId, campaigns); LIMIT_EXCEEDED (details: skuId, limit, alreadyBought, requested, remaining); SKU_NOT_AVAILABLE (details: skuIds); ADDRESS_NOT_FOUND',
    type: ErrorBodyDto,
  })
  @ApiTooManyRequestsResponse({ description: 'RATE_LIMITED: too many checkouts by this member or from this address (header Retry-After)', type: ErrorBodyDto })
  @ApiServiceUnavailableResponse({ description: 'CHECKOUT_BUSY: this API process already has CHECKOUT_MAX_WAITING checkouts waiting, or is shutting down (details.shuttingDown) (header Retry-After: 1); DATABASE_UNAVAILABLE', type: ErrorBodyDto })
  async checkout(
    @CurrentUser() user: AuthUser,
    @Req() req: Request,
    @IdempotencyKey() key: string,
    @Body() dto: CheckoutDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CheckoutResultDto> {
    if (dto.address !== undefined && dto.addressId !== undefined) {
      throw validationFailed([{ field: 'addressId', reasons: ['give either addressId or address, not both'] }]);
    }
    // a flood of checkouts (a script, a stuck client) is refused before it takes locks or connections
    try {
      await this.limiter.hitLimits(
        [
          { key: `checkout-user:${user.id}`, limit: this.config.checkoutRateLimitUser },
          { key: `checkout-ip:${req.ip ?? 'unknown'}`, limit: this.config.checkoutRateLimitIp },
        ],
        this.config.checkoutRateWindowSeconds,
      );
    } catch (err) {
      // ...but a client retrying a checkout that went through still gets its result (checked only
      // once the limit is hit, so the normal path costs no extra query)
      if (!(err instanceof AppError && err.code === 'RATE_LIMITED') || !(await this.checkouts.isAnsweredRetry(user, key))) throw err;
    }
    const result = await this.checkouts.checkout(user, key, dto);
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return result;
  }
}
