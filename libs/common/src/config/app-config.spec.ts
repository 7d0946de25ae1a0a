import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('uses the documented defaults in development', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/huigong');
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.port).toBe(3000);
    expect(c.jwtSecret.length).toBeGreaterThan(10);
  });

  it('requires JWT_SECRET in production and names it', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['BODY_LIMIT', 'huge'],
    ['LEDGER_VERIFY_CRON', 'nightly'],
    ['LEDGER_VERIFY_CRON', '0 3 * *'],
    ['LEDGER_VERIFY_CRON', '0 3 * * * * *'],
    ['LEDGER_VERIFY_TZ', 'Mars/Olympus'],
    ['LEDGER_VERIFY_CRON', '61 3 * * *'],
    ['SETTLEMENT_HOLD_DAYS', '-1'],
    ['SETTLEMENT_SCHEDULE', '0 2 * *'],
    ['SETTLEMENT_SCHEDULE', '61 2 * * *'],
    ['SETTLEMENT_SCHEDULE', '0 2 * * 8'],
    ['SETTLEMENT_TIMEZONE', 'Mars/Olympus'],
    ['AUTO_CONFIRM_SWEEP_INTERVAL_MS', 'hourly'],
    ['AUTO_CONFIRM_SWEEP_INTERVAL_MS', '999'],
    ['AUTO_CONFIRM_SWEEP_INTERVAL_MS', '86400001'],
    ['JOB_RECONCILE_INTERVAL_MS', 'minutely'],
    ['JOB_RECONCILE_INTERVAL_MS', '199'],
    ['JOB_RECONCILE_INTERVAL_MS', '3600001'],
  ])('rejects a bad %s with a message naming it', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as Error).message).toContain(name);
  });

  it('reads the ledger verification schedule: a cron pattern in a time zone, or off', () => {
    expect(loadConfig({})).toMatchObject({ ledgerVerifyCron: '30 3 * * *', ledgerVerifyTimezone: 'Asia/Shanghai' });
    expect(loadConfig({ LEDGER_VERIFY_CRON: ' */2  * * * * * ', LEDGER_VERIFY_TZ: 'UTC' })).toMatchObject({ ledgerVerifyCron: '*/2 * * * * *', ledgerVerifyTimezone: 'UTC' });
    expect(loadConfig({ LEDGER_VERIFY_CRON: 'off' }).ledgerVerifyCron).toBeNull();
    expect(loadConfig({ LEDGER_VERIFY_CRON: '0 2,14 * * MON-FRI' }).ledgerVerifyCron).toBe('0 2,14 * * MON-FRI');
  });

  it('reads the auto-confirm sweep interval: 5 minutes by default, at least a second, or off', () => {
    expect(loadConfig({}).autoConfirmSweepIntervalMs).toBe(300_000);
    expect(loadConfig({ AUTO_CONFIRM_SWEEP_INTERVAL_MS: '60000' }).autoConfirmSweepIntervalMs).toBe(60_000);
    expect(loadConfig({ AUTO_CONFIRM_SWEEP_INTERVAL_MS: ' OFF ' }).autoConfirmSweepIntervalMs).toBe(0);
    expect(loadConfig({ AUTO_CONFIRM_SWEEP_INTERVAL_MS: '0' }).autoConfirmSweepIntervalMs).toBe(0);
  });

  it('reads the job reconciler interval: a minute by default, within bounds, or off', () => {
    expect(loadConfig({}).jobReconcileIntervalMs).toBe(60_000);
    expect(loadConfig({ JOB_RECONCILE_INTERVAL_MS: '1000' }).jobReconcileIntervalMs).toBe(1000);
    expect(loadConfig({ JOB_RECONCILE_INTERVAL_MS: 'off' }).jobReconcileIntervalMs).toBe(0);
    expect(loadConfig({ JOB_RECONCILE_INTERVAL_MS: '0' }).jobReconcileIntervalMs).toBe(0);
  });

  it('reads CHECKOUT_FOLD_BEGIN: on by default, on or off, anything else refused by name', () => {
    expect(loadConfig({}).checkoutFoldBegin).toBe(true);
    expect(loadConfig({ CHECKOUT_FOLD_BEGIN: 'off' }).checkoutFoldBegin).toBe(false);
    expect(loadConfig({ CHECKOUT_FOLD_BEGIN: ' ON ' }).checkoutFoldBegin).toBe(true);
    expect(() => loadConfig({ CHECKOUT_FOLD_BEGIN: 'false' })).toThrow(/CHECKOUT_FOLD_BEGIN/);
  });

  it('reads the audit pack’s cap on linking block headers, within bounds', () => {
    expect(loadConfig({}).auditPackMaxBlockHeaders).toBe(20_000);
    expect(loadConfig({ AUDIT_PACK_MAX_BLOCK_HEADERS: '3' }).auditPackMaxBlockHeaders).toBe(3);
    expect(() => loadConfig({ AUDIT_PACK_MAX_BLOCK_HEADERS: '0' })).toThrow(/AUDIT_PACK_MAX_BLOCK_HEADERS/);
    expect(() => loadConfig({ AUDIT_PACK_MAX_BLOCK_HEADERS: 'many' })).toThrow(/AUDIT_PACK_MAX_BLOCK_HEADERS/);
  });

  it('reads the settlement schedule: a cron pattern, or off', () => {
    expect(loadConfig({}).settlementSchedule).toBe('0 2 * * *');
    expect(loadConfig({}).settlementTimezone).toBe('Asia/Shanghai');
    expect(loadConfig({ SETTLEMENT_SCHEDULE: '*/15 1-5 1,15 * 0' }).settlementSchedule).toBe('*/15 1-5 1,15 * 0');
    expect(loadConfig({ SETTLEMENT_SCHEDULE: 'off' }).settlementSchedule).toBeNull();
    expect(loadConfig({ SETTLEMENT_HOLD_DAYS: '0' }).settlementHoldDays).toBe(0);
  });
});
