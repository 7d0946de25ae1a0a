import { AppConfig, AuthUser, IdempotencyService, Role, TransactionRunner } from '@huigong/common';
import { OrderSettlementService } from '@huigong/ordering';
import { RunSettlementService } from './run-settlement.service';
import { StatementReader } from './statement-reader.service';

describe('RunSettlementService.run', () => {
  it('hashes the request with the supplier id as stored: a replay in upper case is the same request', async () => {
    const hashes: string[] = [];
    const tx = { run: <T>(work: (em: unknown) => Promise<T>) => work({}) };
    // the key was used before: the stored run comes back, nothing is settled again
    const idempotency = {
      run: (_em: unknown, key: { requestHash: string }) => {
        hashes.push(key.requestHash);
        return Promise.resolve({ response: { id: 'run-1' }, replayed: true });
      },
    };
    const service = new RunSettlementService(tx as unknown as TransactionRunner, {} as OrderSettlementService, {} as StatementReader, idempotency as unknown as IdempotencyService, {} as AppConfig);
    const user: AuthUser = { id: 'u', username: 'finance', organizationId: 'p', organizationType: 'platform', roles: [Role.PlatformAdmin] };
    const supplierId = '6f1c2f7e-8a55-4c3e-9d1a-0b6f3c2d1e0a';
    for (const spelling of [supplierId, supplierId.toUpperCase()]) {
      expect(await service.run({ trigger: 'api', user, supplierId: spelling, idempotencyKey: 'k' })).toMatchObject({ id: 'run-1', replayed: true });
    }
    expect(hashes).toHaveLength(2);
    expect(hashes[1]).toBe(hashes[0]);
  });
});
