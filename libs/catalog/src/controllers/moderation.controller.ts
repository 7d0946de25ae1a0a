import { AuthUser, CurrentUser, ErrorBodyDto, PageQueryDto, pageOf, Role, Roles, TransactionRunner } from '@huigong/common';
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ModerationPageDto, ProductStatusDto } from '../dto/product.dto';
import { CatalogReasonDto } from '../dto/supplier.dto';
import { ProductLifecycleService } from '../services/product-lifecycle.service';

@ApiTags('catalog moderation')
@Controller('catalog')
export class ModerationController {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly lifecycle: ProductLifecycleService,
  ) {}

  @Get('moderation/queue')
  @Roles(Role.PlatformAdmin, Role.Auditor)
  @ApiOperation({ summary: 'Products waiting for review, oldest first' })
  @ApiOkResponse({ type: ModerationPageDto })
  queue(@Query() q: PageQueryDto): Promise<ModerationPageDto> {
    return this.lifecycle.queue(pageOf(q));
  }

  @Post('products/:id/approve')
  @HttpCode(200)
  @Roles(Role.PlatformAdmin)
  @ApiOperation({ summary: 'Approve a product under review: it becomes active and visible' })
  @ApiOkResponse({ type: ProductStatusDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'INVALID_TRANSITION (not pending review), SUPPLIER_NOT_ACTIVE', type: ErrorBodyDto })
  async approve(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<ProductStatusDto> {
    return { id, status: await this.tx.run((em) => this.lifecycle.approve(em, user, id)) };
  }

  @Post('products/:id/reject')
  @HttpCode(200)
  @Roles(Role.PlatformAdmin)
  @ApiOperation({ summary: 'Reject a product under review, with a reason the supplier sees' })
  @ApiOkResponse({ type: ProductStatusDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, REASON_REQUIRED', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'INVALID_TRANSITION (not pending review)', type: ErrorBodyDto })
  async reject(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: CatalogReasonDto): Promise<ProductStatusDto> {
    return { id, status: await this.tx.run((em) => this.lifecycle.reject(em, user, id, dto.reason)) };
  }
}
