import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Store, storage } from 'nestjs-pino/storage';
import type { Logger } from 'pino';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
type Req = IncomingMessage & { originalUrl?: string; user?: { id: string } };

const REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * The headers a helmet middleware sets (and removes) on every response, recorded once. Our helmet
 * configurations are static (no nonces, nothing read from the request), so replaying the recording
 * gives the same headers without running helmet's dozen middlewares per request.
 */
export function recordHeaders(middleware: Middleware): { set: [string, string][]; removed: string[] } {
  // recorded for two different requests: a configuration that reads the request (a nonce, a
  // function directive) would give two different recordings, and replaying one would be wrong
  const first = recordOnce(middleware, { headers: { host: 'a.example' }, method: 'GET', url: '/a' });
  const second = recordOnce(middleware, { headers: { host: 'b.example', 'user-agent': 'b' }, method: 'POST', url: '/b?x=1' });
  if (JSON.stringify(first) !== JSON.stringify(second)) throw new Error('the header middleware sets different headers for different requests: it cannot be recorded');
  return first;
}

function recordOnce(middleware: Middleware, request: object): { set: [string, string][]; removed: string[] } {
  const set: [string, string][] = [];
  const removed: string[] = [];
  const res = {
    setHeader: (name: string, value: string | number | string[]) => void set.push([name, String(value)]),
    removeHeader: (name: string) => void removed.push(name),
  };
  let done = false;
  middleware(request as IncomingMessage, res as unknown as ServerResponse, (err) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('the header middleware did not finish synchronously: it cannot be recorded');
  return { set, removed };
}

export interface RequestContextOptions {
  /** the process's root logger: request lines are written with it */
  logger: Logger;
  /** security headers for every response (a recording, see recordHeaders) */
  headers: { set: [string, string][]; removed: string[] };
  /** requests that get other headers instead (the docs UI, the queue dashboard): their own middleware */
  otherHeaders?: { test: (url: string) => boolean; middleware: Middleware };
  /** requests that are not logged (health probes) */
  quiet?: (url: string) => boolean;
}

/**
 * What every request needs before routing, in one middleware instead of pino-http, nestjs-pino's
 * binding middleware and helmet:
 * - a request id (the caller's X-Request-Id when it is sane, else a uuid), echoed in X-Request-Id;
 * - the security headers;
 * - one log line when the response is finished or the connection closed: `req` (id, method, URL),
 *   `res.statusCode`, `responseTime`, `userId` when authenticated, level info as pino-http wrote it
 *   ('request completed', 'request errored' for 5xx, 'request aborted' when closed unanswered);
 * - the request's logger for nestjs-pino's AsyncLocalStorage, so that lines logged while serving
 *   the request carry `req` too. The child logger is built only when such a line is written: pino
 *   serializes a child's bindings when it is created, which cost ~5 % of a request's CPU when it
 *   was done for every request whether it logged or not.
 */
export function requestContextMiddleware(opts: RequestContextOptions): Middleware {
  const { logger, headers } = opts;
  const removed = headers.removed;
  const set = headers.set;
  return (incoming, res, next) => {
    const req = incoming as Req;
    const start = Date.now();
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    (req as { id?: unknown }).id = id;
    res.setHeader('X-Request-Id', id);
    const url = req.originalUrl ?? req.url ?? '';
    if (opts.otherHeaders?.test(url)) {
      opts.otherHeaders.middleware(req, res, (err) => (err ? next(err) : proceed()));
    } else {
      for (let i = 0; i < removed.length; i++) res.removeHeader(removed[i]);
      for (let i = 0; i < set.length; i++) res.setHeader(set[i][0], set[i][1]);
      proceed();
    }

    function proceed(): void {
      const reqBinding = { id, method: req.method, url };
      if (!opts.quiet?.(url)) {
        let logged = false;
        const done = () => {
          if (logged) return;
          logged = true;
          res.removeListener('close', done);
          res.removeListener('finish', done);
          const line: Record<string, unknown> = { req: reqBinding, res: { statusCode: res.statusCode }, responseTime: Date.now() - start };
          if (req.user?.id !== undefined) line.userId = req.user.id;
          // closed before the response was sent (the client gave up, a timeout): as pino-http wrote it
          if (!res.writableEnded || req.readableAborted) {
            line.aborted = true;
            logger.info(line, 'request aborted');
          } else if (res.statusCode >= 500) {
            line.err = new Error(`failed with status code ${res.statusCode}`);
            logger.info(line, 'request errored');
          } else logger.info(line, 'request completed');
        };
        res.on('close', done);
        res.on('finish', done);
      }
      storage.run(lazyStore(logger, reqBinding), next);
    }
  };
}

/** nestjs-pino's per-request store, whose logger (a child bound to the request) is made on first use. */
function lazyStore(root: Logger, reqBinding: object): Store {
  const store = new Store(root);
  let child: Logger | undefined;
  Object.defineProperty(store, 'logger', {
    get: () => (child ??= root.child({ req: reqBinding })),
    // PinoLogger.assign() replaces it with a child of its own
    set: (value: Logger) => {
      child = value;
    },
    enumerable: true,
  });
  return store;
}
