import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { ReadinessRegistry } from './readiness.registry';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessRegistry) {}

  @Get()
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: string } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({ summary: "Readiness: PostgreSQL, Redis and the contexts' own checks (ledger, catalog-search) answer; 503 names what is down" })
  @ApiOkResponse({ schema: { example: { status: 'ok', checks: { postgres: { ok: true }, redis: { ok: true } } } } })
  @ApiServiceUnavailableResponse({ schema: { example: { status: 'unavailable', down: ['redis'], checks: { redis: { ok: false, detail: 'connection refused' } } } } })
  async ready(@Res({ passthrough: true }) res: Response): Promise<Record<string, unknown>> {
    const r = await this.readiness.run();
    const down = Object.entries(r.checks).filter(([, c]) => !c.ok).map(([n]) => n);
    res.status(r.ready ? 200 : 503);
    return { status: r.ready ? (r.degraded ? 'degraded' : 'ok') : 'unavailable', down, checks: r.checks };
  }
}
