import { AuthUser, CurrentUser, ErrorBodyDto, pageOf, Public, Role, Roles, TransactionRunner } from '@huigong/common';
import { Body, Controller, Get, HttpCode, Ip, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import {
  ApprovalResultDto,
  ApproveSupplierDto,
  CertificationDto,
  ListSuppliersQuery,
  CatalogOptionalReasonDto,
  CatalogReasonDto,
  SupplierApplicationDto,
  SupplierApplicationResultDto,
  SupplierDetailDto,
  SupplierDto,
  SupplierPageDto,
} from '../dto/supplier.dto';
import { SupplierApplicationsService } from '../services/supplier-applications.service';
import { SupplierReviewService } from '../services/supplier-review.service';

@ApiTags('suppliers')
@Controller('suppliers')
export class SuppliersController {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly applications: SupplierApplicationsService,
    private readonly review: SupplierReviewService,
  ) {}

  @Post('applications')
  @Public()
  @ApiOperation({ summary: 'A company applies to become a supplier (company, contact, region, what it sells, certification)' })
  @ApiCreatedResponse({ type: SupplierApplicationResultDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'SUPPLIER_ALREADY_APPLIED: the company has an open application or an account', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ description: 'UNKNOWN_CATEGORY, CATEGORY_FORBIDDEN (cash equivalents)', type: ErrorBodyDto })
  @ApiTooManyRequestsResponse({ description: 'RATE_LIMITED: too many applications from this address', type: ErrorBodyDto })
  async apply(@Body() dto: SupplierApplicationDto, @Ip() ip: string): Promise<SupplierApplicationResultDto> {
    const s = await this.tx.run((em) => this.applications.apply(em, dto, ip));
    return { id: s.id, status: s.status, createdAt: s.createdAt };
  }

  @Get()
  @Roles(Role.PlatformAdmin, Role.Auditor)
  @ApiOperation({ summary: 'Suppliers and applications, newest first, by status or name' })
  @ApiOkResponse({ type: SupplierPageDto })
  list(@CurrentUser() user: AuthUser, @Query() q: ListSuppliersQuery): Promise<SupplierPageDto> {
    return this.applications.list(user, { status: q.status, q: q.q, ...pageOf(q) });
  }

  @Get(':id')
  @Roles(Role.PlatformAdmin, Role.Auditor, Role.SupplierStaff)
  @ApiOperation({ summary: 'One supplier with its history (supplier staff: their own only, 403 OUT_OF_SCOPE otherwise)' })
  @ApiOkResponse({ type: SupplierDetailDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  async get(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<SupplierDetailDto> {
    const { supplier, history } = await this.applications.get(user, id);
    return { ...supplier, history };
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Roles(Role.PlatformAdmin)
  @ApiOperation({ summary: 'Approve an application: creates the supplier organization and its first staff account (password returned once if generated)' })
  @ApiOkResponse({ type: ApprovalResultDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'INVALID_TRANSITION (not pending), USERNAME_TAKEN', type: ErrorBodyDto })
  approve(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ApproveSupplierDto): Promise<ApprovalResultDto> {
    return this.tx.run((em) => this.review.approve(em, user, id, dto));
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Roles(Role.PlatformAdmin)
  @ApiOperation({ summary: 'Reject an application, with a reason' })
  @ApiOkResponse({ type: SupplierDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, REASON_REQUIRED', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'INVALID_TRANSITION (not pending)', type: ErrorBodyDto })
  reject(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: CatalogReasonDto): Promise<SupplierDto> {
    return this.tx.run((em) => this.review.reject(em, user, id, dto.reason));
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @Roles(Role.PlatformAdmin)
  @ApiOperation({ summary: 'Suspend an approved supplier: all its products disappear from browsing and cannot be bought' })
  @ApiOkResponse({ type: SupplierDto })
  @ApiConflictResponse({ description: 'INVALID_TRANSITION (not approved)', type: ErrorBodyDto })
  suspend(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: CatalogReasonDto): Promise<SupplierDto> {
    return this.tx.run((em) => this.review.suspend(em, user, id, dto.reason));
  }

  @Post(':id/reinstate')
  @HttpCode(200)
  @Roles(Role.PlatformAdmin)
  @ApiOperation({ summary: 'Reinstate a suspended supplier: its active products are listed again' })
  @ApiOkResponse({ type: SupplierDto })
  @ApiConflictResponse({ description: 'INVALID_TRANSITION (not suspended)', type: ErrorBodyDto })
  reinstate(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: CatalogOptionalReasonDto): Promise<SupplierDto> {
    return this.tx.run((em) => this.review.reinstate(em, user, id, dto.reason));
  }

  @Put(':id/certification')
  @Roles(Role.PlatformAdmin)
  @ApiOperation({ summary: "Record a verified certification and the origin region it covers (null removes it); products' certified origin follows" })
  @ApiOkResponse({ type: SupplierDto })
  @ApiConflictResponse({ description: 'INVALID_TRANSITION (not an approved or suspended supplier)', type: ErrorBodyDto })
  certify(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: CertificationDto): Promise<SupplierDto> {
    return this.tx.run((em) => this.review.certify(em, user, id, dto.certification, dto.certifiedRegionCode));
  }
}
