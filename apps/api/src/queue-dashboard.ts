import { ALL_QUEUES, hasRole, QueueRegistry, Role } from '@huigong/common';
import { AuthService } from '@huigong/identity';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board for platform admins. It is plain Express, outside Nest's guards, so it checks the token
 * itself: a Bearer header, or the `hg_token` cookie for a browser (set it to the login's accessToken).
 */
export function mountQueueDashboard(app: NestExpressApplication): void {
  const queues = app.get(QueueRegistry);
  const auth = app.get(AuthService);
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: ALL_QUEUES.map((q) => new BullMQAdapter(queues.get(q))), serverAdapter: adapter });
  const guard = async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    const cookie = /(?:^|;\s*)hg_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const token = header?.startsWith('Bearer ') ? header.slice(7) : cookie;
    const user = token ? await auth.authenticate(token).catch(() => null) : null;
    if (!user) return res.status(401).json({ error: { code: 'UNAUTHORIZED', message: 'A platform admin token is required' } });
    if (!hasRole(user, Role.PlatformAdmin)) return res.status(403).json({ error: { code: 'FORBIDDEN', message: 'Platform admins only' } });
    next();
  };
  app.use(QUEUE_DASHBOARD_PATH, guard, adapter.getRouter());
}
