import type { ServerResponse } from 'node:http';

/**
 * Answers with a JSON text the caller already holds (a cached body, as text or UTF-8 bytes), as Express's `res.json` would
 * (same Content-Type and Content-Length) minus the work: no JSON.stringify, no content-type parsing,
 * and the headers and body leave in one write. Node drops the body of a HEAD answer itself.
 * A route that answers this way (`@Res()`) bypasses Nest's interceptors and Express's json
 * settings: a global interceptor added later does not see or wrap its body.
 */
export function sendJson(res: ServerResponse, body: string | Buffer, status = 200): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
