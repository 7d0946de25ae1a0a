import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Writable } from 'node:stream';
import { storage } from 'nestjs-pino/storage';
import { recordHeaders, requestContextMiddleware } from './request-context.middleware';

describe('recordHeaders', () => {
  it('records what helmet sets and removes, so replaying it gives the same answer headers', () => {
    const mw = helmet({ contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } }, frameguard: { action: 'deny' } });
    const headers = new Map<string, string>([['x-powered-by', 'Express']]);
    const res = {
      setHeader: (n: string, v: string) => void headers.set(n.toLowerCase(), String(v)),
      removeHeader: (n: string) => void headers.delete(n.toLowerCase()),
    };
    let nexted = false;
    mw({ headers: {}, method: 'GET', url: '/api/v1/me' } as IncomingMessage, res as unknown as ServerResponse, () => (nexted = true));
    expect(nexted).toBe(true);

    const recorded = recordHeaders(mw);
    const replayed = new Map<string, string>([['x-powered-by', 'Express']]);
    for (const n of recorded.removed) replayed.delete(n.toLowerCase());
    for (const [n, v] of recorded.set) replayed.set(n.toLowerCase(), v);
    expect(Object.fromEntries(replayed)).toEqual(Object.fromEntries(headers));
    expect(replayed.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(replayed.has('x-powered-by')).toBe(false);
  });

  it('refuses a middleware that does not finish at once (its headers could depend on the request)', () => {
    expect(() => recordHeaders((_req, _res, next) => void setImmediate(next))).toThrow(/synchronously/);
  });

  it('refuses a middleware whose headers depend on the request (a nonce, a URL)', () => {
    const perRequest = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
      res.setHeader('Content-Security-Policy', `script-src 'nonce-${req.url}'`);
      next();
    };
    expect(() => recordHeaders(perRequest)).toThrow(/different headers for different requests/);
  });
});

describe('requestContextMiddleware request lines', () => {
  it('logs a request the client abandoned before it was answered as aborted, an answered one as completed', async () => {
    const lines: Record<string, unknown>[] = [];
    const waiters: (() => void)[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(String(chunk)));
        waiters.splice(0).forEach((w) => w());
        cb();
      },
    });
    const lineCount = async (n: number) => {
      while (lines.length < n) await new Promise<void>((r) => waiters.push(r));
    };
    const mw = requestContextMiddleware({ logger: pino(sink), headers: { set: [], removed: [] } });
    let reachedHang!: () => void;
    const hangReached = new Promise<void>((r) => (reachedHang = r));
    const server = createServer((req, res) =>
      mw(req, res, () => {
        if (req.url === '/hang') reachedHang(); // never answered
        else {
          // a line logged while serving the request (nestjs-pino's per-request store) carries its req
          storage.getStore()!.logger.info('inside the handler');
          res.end('ok');
        }
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      await new Promise<void>((resolve, reject) => httpRequest({ port, host: '127.0.0.1', path: '/ok' }, (res) => res.resume().on('end', resolve)).on('error', reject).end());
      await lineCount(2);
      const client = httpRequest({ port, host: '127.0.0.1', path: '/hang' });
      client.on('error', () => undefined);
      client.end();
      await hangReached;
      client.destroy();
      await lineCount(3);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    expect(lines[0]).toMatchObject({ msg: 'inside the handler', req: { url: '/ok' } });
    expect(lines[1]).toMatchObject({ msg: 'request completed', req: { url: '/ok' }, res: { statusCode: 200 } });
    expect((lines[0].req as { id: string }).id).toBe((lines[1].req as { id: string }).id);
    expect(lines[1].aborted).toBeUndefined();
    expect(lines[2]).toMatchObject({ msg: 'request aborted', aborted: true, req: { url: '/hang' } });
  });
});
