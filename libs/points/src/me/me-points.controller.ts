import { AuthUser, CurrentUser, ErrorBodyDto, Role, Roles } from '@huigong/common';
import { Controller, Get } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MePointsDto } from './me-points.dto';
import { MemberPointsService } from './member-points.service';

@ApiTags('points')
@Controller('me')
export class MePointsController {
  constructor(private readonly points: MemberPointsService) {}

  @Get('points')
  @Roles(Role.Worker)
  @ApiOperation({ summary: 'My points: per campaign the balance, what it may buy, when the window opens and closes; and my history' })
  @ApiOkResponse({ type: MePointsDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: this user is not an active union member', type: ErrorBodyDto })
  mine(@CurrentUser() user: AuthUser): Promise<MePointsDto> {
    return this.points.forUser(user);
  }
}
