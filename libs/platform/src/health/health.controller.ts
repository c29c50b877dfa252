import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';

export interface HealthCheck {
  name: string;
  /** Resolves when the dependency answers; rejects with the reason otherwise. */
  check(): Promise<void>;
  /** Releases what the check holds open, at shutdown. */
  close?(): Promise<void>;
}

export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');
const CHECK_TIMEOUT_MS = 2000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[]) {}

  @Get()
  @ApiOperation({ summary: 'Reports whether the service and its dependencies answer' })
  async health(@Res() response: Response): Promise<void> {
    const results = await Promise.all(this.checks.map((check) => runCheck(check)));
    const healthy = results.every((result) => result.status === 'up');
    response.status(healthy ? 200 : 503).json({
      status: healthy ? 'ok' : 'unavailable',
      checks: Object.fromEntries(results.map((result) => [result.name, result])),
    });
  }
}

async function runCheck(
  check: HealthCheck,
): Promise<{ name: string; status: string; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([check.check(), timeout]);
    return { name: check.name, status: 'up' };
  } catch (error) {
    return { name: check.name, status: 'down', error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
