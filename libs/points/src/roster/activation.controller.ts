import { ErrorBodyDto, Public } from '@huigong/common';
import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { ActivateMemberService } from './activate-member.service';
import { ActivateMemberDto, ActivationResultDto } from './activation.dto';

@ApiTags('members')
@Controller('members')
export class ActivationController {
  constructor(private readonly activation: ActivateMemberService) {}

  @Post('activate')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'A member activates their account with phone, employee number and the union’s activation code, sets a password and is logged in' })
  @ApiOkResponse({ type: ActivationResultDto })
  @ApiUnauthorizedResponse({ description: 'INVALID_ACTIVATION (phone, number or code wrong; not told which), ACTIVATION_CODE_EXPIRED', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'ALREADY_ACTIVATED, USERNAME_TAKEN', type: ErrorBodyDto })
  @ApiTooManyRequestsResponse({ description: 'RATE_LIMITED', type: ErrorBodyDto })
  activate(@Body() dto: ActivateMemberDto, @Req() req: Request): Promise<ActivationResultDto> {
    return this.activation.activate(dto, req.ip ?? 'unknown');
  }
}
