import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordHeaders } from './request-context.middleware';

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
});
