import { IdempotencyService, requestHash, validationFailed } from '@huigong/common';
import { EntityManager } from 'typeorm';

/**
 * An optional `Idempotency-Key` on a value-moving request, through the platform's shared
 * IdempotencyService (same transaction as the work: a replay returns the first result, a refused
 * request leaves no trace). Without a key the request relies on its natural idempotency (the
 * lifecycle refuses a second approval, a bank reference is recorded once).
 */
export async function idempotent<T>(
  service: IdempotencyService,
  em: EntityManager,
  req: { scope: string; userId: string; key?: string; body: unknown },
  work: () => Promise<T>,
): Promise<T> {
  if (req.key === undefined) return work();
  if (!/^[\x21-\x7e]{1,100}$/.test(req.key)) {
    throw validationFailed([{ field: 'Idempotency-Key', reasons: ['must be 1-100 printable ASCII characters without spaces'] }]);
  }
  const { response } = await service.run(em, { scope: req.scope, userId: req.userId, key: req.key, requestHash: requestHash(req.body) }, work);
  return response;
}
