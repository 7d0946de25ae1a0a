import { AuthUser, CurrentUser, ErrorBodyDto, pageOf, Role, Roles, TransactionRunner } from '@huigong/common';
import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { CreateOrganizationDto, ListOrganizationsQuery, OrganizationDto, OrganizationPageDto } from '../dto/organization.dto';
import { OrganizationsService } from '../services/organizations.service';

@ApiTags('organizations')
@Controller('organizations')
export class OrganizationsController {
  constructor(
    private readonly orgs: OrganizationsService,
    private readonly tx: TransactionRunner,
  ) {}

  @Post()
  @Roles(Role.PlatformAdmin)
  @ApiOperation({ summary: 'Create an organization: a union (under a parent union), an enterprise or a supplier' })
  @ApiCreatedResponse({ type: OrganizationDto })
  @ApiUnprocessableEntityResponse({ description: 'PARENT_NOT_FOUND, INVALID_PARENT', type: ErrorBodyDto })
  create(@Body() dto: CreateOrganizationDto): Promise<OrganizationDto> {
    return this.tx.run((em) => this.orgs.create(em, dto));
  }

  @Get()
  @Roles(Role.PlatformAdmin, Role.Auditor, Role.UnionAdmin, Role.SupplierStaff, Role.Worker)
  @ApiOperation({ summary: 'List organizations in your scope (a union admin sees their union and those below it)' })
  @ApiOkResponse({ type: OrganizationPageDto })
  list(@CurrentUser() user: AuthUser, @Query() q: ListOrganizationsQuery): Promise<OrganizationPageDto> {
    return this.orgs.list(user, { type: q.type, parentId: q.parentId, ...pageOf(q) });
  }

  @Get(':id')
  @Roles(Role.PlatformAdmin, Role.Auditor, Role.UnionAdmin, Role.SupplierStaff, Role.Worker)
  @ApiOperation({ summary: 'One organization (403 OUT_OF_SCOPE outside your scope)' })
  @ApiOkResponse({ type: OrganizationDto })
  get(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<OrganizationDto> {
    return this.orgs.get(user, id);
  }
}
