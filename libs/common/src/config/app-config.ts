/**
 * Configuration comes from the environment only, validated once at start-up so a bad value stops
 * the process with a message naming the variable instead of failing somewhere later.
 */
export interface AppConfig {
  nodeEnv: string;
  production: boolean;
  databaseUrl: string;
  redisUrl: string;
  port: number;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  logLevel: string;
  corsOrigins: string[] | true;
  bodyLimit: string;
  queuePrefix: string;
  loginRateLimit: number;
  loginRateWindowSeconds: number;
  /** checkouts per member and per client address within the window (a factory behind one NAT shares an address) */
  checkoutRateLimitUser: number;
  checkoutRateLimitIp: number;
  checkoutRateWindowSeconds: number;
  /** how long a rate-limit check may wait for Redis before letting the request through */
  rateLimitTimeoutMs: number;
  /**
   * how long a group of several checkouts may wait for one lock (a stock row, a member's lock)
   * before it is split and its checkouts go alone; 0 lets groups wait as long as it takes
   */
  checkoutLockTimeoutMs: number;
  /** CHECKOUT_FOLD_BEGIN: a checkout group's BEGIN travels with its first statement (SQL EXECUTE of a prepared statement) */
  checkoutFoldBegin: boolean;
  /** checkouts one API process lets wait for a group; past it a checkout is refused 503 CHECKOUT_BUSY */
  checkoutMaxWaiting: number;
  /**
   * how long shutdown waits for the checkouts already taken to be placed; below the orchestrator's
   * grace period (Docker's default stop timeout is 10 s), so that what is left is logged, not killed
   */
  checkoutDrainTimeoutMs: number;
  /** how long a product search result may be served from memory (stock and sales counts drift by at most this); 0 turns the cache off */
  catalogSearchCacheTtlMs: number;
  /** PostgreSQL connections per API process for product searches, beside DB_POOL_SIZE (their own sessions plan once) */
  catalogSearchDbPoolSize: number;
  autoConfirmDays: number;
  /** how often the worker sweeps for delivered orders past AUTO_CONFIRM_DAYS whose job was lost; 0 when AUTO_CONFIRM_SWEEP_INTERVAL_MS=off */
  autoConfirmSweepIntervalMs: number;
  /**
   * how often the worker reconciles what should be in Redis with what PostgreSQL says (due campaign
   * jobs, the job schedulers), so a Redis that restarted empty loses nothing; 0 when JOB_RECONCILE_INTERVAL_MS=off
   */
  jobReconcileIntervalMs: number;
  demoProducts: number;
  /** cron pattern (5 or 6 fields) of the worker's ledger verification, or null when LEDGER_VERIFY_CRON=off */
  ledgerVerifyCron: string | null;
  /** IANA time zone the cron pattern is read in */
  ledgerVerifyTimezone: string;
  /** days after completion before an order is settled (the return window); 0 settles at once */
  settlementHoldDays: number;
  /** cron pattern of the scheduled settlement run, or null when SETTLEMENT_SCHEDULE=off */
  settlementSchedule: string | null;
  /** IANA time zone the schedule is read in */
  settlementTimezone: string;
  /** an audit pack holds every block header linking its entries to the chain head only up to this many; past it, just the entries' blocks and the head */
  auditPackMaxBlockHeaders: number;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, reason: string) {
    super(`Invalid configuration: ${variable} ${reason}`);
  }
}

const DEV_JWT_SECRET = 'huigong-development-secret-do-not-use-in-production';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const v = Number(raw);
  if (v < min || v > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

function url(env: NodeJS.ProcessEnv, name: string, dflt: string, protocols: string[]): string {
  const raw = env[name] || dflt;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')} (got ${parsed.protocol})`);
  }
  return raw;
}

// Cron patterns as BullMQ's job scheduler reads them: 5 fields (minute hour day month weekday) or
// 6 (seconds first); numbers, *, ranges, lists, steps and day/month names, each number in its range.
const CRON_FIELD = /^(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?)*$/;
const CRON_RANGES: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];

/** `on` or `off` (the default when unset). */
function onOff(env: NodeJS.ProcessEnv, name: string, dflt: boolean): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (!raw) return dflt;
  if (raw === 'on' || raw === 'off') return raw === 'on';
  throw new ConfigError(name, `must be "on" or "off", got "${env[name]}"`);
}

/** A cron pattern, or null when the variable says "off" (no schedule). */
function cron(env: NodeJS.ProcessEnv, name: string, dflt: string): string | null {
  const raw = (env[name] ?? '').trim() || dflt;
  if (raw === 'off') return null;
  const fields = raw.split(/\s+/);
  const bad = () => new ConfigError(name, `must be a cron pattern of 5 or 6 fields (e.g. "0 3 * * *") or "off", got "${raw}"`);
  if (fields.length < 5 || fields.length > 6) throw bad();
  const ranges = fields.length === 6 ? [[0, 59] as [number, number], ...CRON_RANGES] : CRON_RANGES;
  fields.forEach((f, i) => {
    if (!CRON_FIELD.test(f)) throw bad();
    const [lo, hi] = ranges[i];
    for (const m of f.matchAll(/(\/?)(\d+)/g)) {
      const n = Number(m[2]);
      // step values (after "/") only need to be positive
      if (m[1] ? n < 1 : n < lo || n > hi) throw bad();
    }
  });
  return fields.join(' ');
}

/** Milliseconds of at least `min`, or 0 when the variable says "off" or 0. */
function intervalMs(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === 'off' || raw === '0') return 0;
  return int({ [name]: raw }, name, dflt, min, max);
}

function timeZone(env: NodeJS.ProcessEnv, name: string, dflt: string): string {
  const raw = env[name] || dflt;
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw });
  } catch {
    throw new ConfigError(name, `must be an IANA time zone such as Asia/Shanghai, got "${raw}"`);
  }
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const nodeEnv = env.NODE_ENV || 'development';
  const production = nodeEnv === 'production';
  const jwtSecret = env.JWT_SECRET || (production ? '' : DEV_JWT_SECRET);
  if (!jwtSecret) throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production');
  if (production && jwtSecret.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  const logLevel = env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info');
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const cors = env.CORS_ORIGINS;
  const bodyLimit = env.BODY_LIMIT || '1mb';
  if (!/^\d+(b|kb|mb)$/i.test(bodyLimit)) throw new ConfigError('BODY_LIMIT', 'must look like 512kb or 1mb');
  const queuePrefix = env.QUEUE_PREFIX || '{huigong}';
  return {
    nodeEnv,
    production,
    databaseUrl: url(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/huigong', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    port: int(env, 'PORT', 3000, 0, 65535),
    jwtSecret,
    accessTokenTtlSeconds: int(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 10, 86400),
    refreshTokenTtlSeconds: int(env, 'REFRESH_TOKEN_TTL_SECONDS', 30 * 86400, 60, 365 * 86400),
    logLevel,
    corsOrigins: !cors ? (production ? [] : true) : cors === '*' ? true : cors.split(',').map((s) => s.trim()),
    bodyLimit,
    queuePrefix,
    loginRateLimit: int(env, 'LOGIN_RATE_LIMIT', 10, 1, 100000),
    loginRateWindowSeconds: int(env, 'LOGIN_RATE_WINDOW_SECONDS', 60, 1, 86400),
    checkoutRateLimitUser: int(env, 'CHECKOUT_RATE_LIMIT_USER', 20, 1, 1000000),
    checkoutRateLimitIp: int(env, 'CHECKOUT_RATE_LIMIT_IP', 600, 1, 10000000),
    checkoutRateWindowSeconds: int(env, 'CHECKOUT_RATE_WINDOW_SECONDS', 60, 1, 86400),
    rateLimitTimeoutMs: int(env, 'RATE_LIMIT_TIMEOUT_MS', 200, 10, 10000),
    checkoutLockTimeoutMs: int(env, 'CHECKOUT_LOCK_TIMEOUT_MS', 500, 0, 60000),
    checkoutFoldBegin: onOff(env, 'CHECKOUT_FOLD_BEGIN', true),
    checkoutMaxWaiting: int(env, 'CHECKOUT_MAX_WAITING', 5000, 1, 1000000),
    checkoutDrainTimeoutMs: int(env, 'CHECKOUT_DRAIN_TIMEOUT_MS', 8000, 1, 600000),
    catalogSearchCacheTtlMs: int(env, 'CATALOG_SEARCH_CACHE_TTL_MS', 5000, 0, 60000),
    catalogSearchDbPoolSize: int(env, 'CATALOG_SEARCH_DB_POOL_SIZE', 8, 1, 1000),
    autoConfirmDays: int(env, 'AUTO_CONFIRM_DAYS', 7, 0, 365),
    autoConfirmSweepIntervalMs: intervalMs(env, 'AUTO_CONFIRM_SWEEP_INTERVAL_MS', 300_000, 1000, 86_400_000),
    jobReconcileIntervalMs: intervalMs(env, 'JOB_RECONCILE_INTERVAL_MS', 60_000, 200, 3_600_000),
    demoProducts: int(env, 'DEMO_PRODUCTS', 3000, 0, 1000000),
    ledgerVerifyCron: cron(env, 'LEDGER_VERIFY_CRON', '30 3 * * *'),
    ledgerVerifyTimezone: timeZone(env, 'LEDGER_VERIFY_TZ', 'Asia/Shanghai'),
    settlementHoldDays: int(env, 'SETTLEMENT_HOLD_DAYS', 7, 0, 90),
    settlementSchedule: cron(env, 'SETTLEMENT_SCHEDULE', '0 2 * * *'),
    settlementTimezone: timeZone(env, 'SETTLEMENT_TIMEZONE', 'Asia/Shanghai'),
    auditPackMaxBlockHeaders: int(env, 'AUDIT_PACK_MAX_BLOCK_HEADERS', 20_000, 1, 1_000_000),
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
