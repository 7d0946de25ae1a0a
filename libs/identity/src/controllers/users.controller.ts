import { AuthUser, CurrentUser, ErrorBodyDto, pageOf, Role, Roles } from '@huigong/common';
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CreateUserDto, ListUsersQuery, UserDto, UserPageDto } from '../dto/user.dto';
import { UsersService } from '../services/users.service';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Roles(Role.PlatformAdmin, Role.UnionAdmin)
  @ApiOperation({ summary: 'Create a user in an organization in your scope; roles must fit the organization type' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiConflictResponse({ description: 'USERNAME_TAKEN', type: ErrorBodyDto })
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateUserDto): Promise<UserDto> {
    return this.users.create(user, dto);
  }

  @Get()
  @Roles(Role.PlatformAdmin, Role.Auditor, Role.UnionAdmin)
  @ApiOperation({ summary: 'List users in your scope' })
  @ApiOkResponse({ type: UserPageDto })
  list(@CurrentUser() user: AuthUser, @Query() q: ListUsersQuery): Promise<UserPageDto> {
    return this.users.list(user, { organizationId: q.organizationId, role: q.role, ...pageOf(q) });
  }

  @Get(':id')
  @Roles(Role.PlatformAdmin, Role.Auditor, Role.UnionAdmin)
  @ApiOperation({ summary: 'One user in your scope' })
  @ApiOkResponse({ type: UserDto })
  get(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<UserDto> {
    return this.users.get(user, id);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @Roles(Role.PlatformAdmin, Role.UnionAdmin)
  @ApiOperation({ summary: 'Disable a user: their tokens stop working at once' })
  @ApiOkResponse({ type: UserDto })
  disable(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<UserDto> {
    return this.users.setDisabled(user, id, true);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @Roles(Role.PlatformAdmin, Role.UnionAdmin)
  @ApiOperation({ summary: 'Enable a disabled user' })
  @ApiOkResponse({ type: UserDto })
  enable(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<UserDto> {
    return this.users.setDisabled(user, id, false);
  }
}
