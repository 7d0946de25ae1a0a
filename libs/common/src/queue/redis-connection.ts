import Redis, { RedisOptions } from 'ioredis';

export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

/**
 * Producers and probes give up quickly while Redis is away (the outbox keeps the job, health
 * reports it); consumers (BullMQ workers) need `maxRetriesPerRequest: null` so they block and
 * reconnect instead of crashing.
 */
export function createRedis(url: string, role: 'producer' | 'consumer' | 'probe', overrides: RedisOptions = {}): Redis {
  const opts: RedisOptions = {
    ...redisOptionsFromUrl(url),
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
  if (role === 'consumer') opts.maxRetriesPerRequest = null;
  else {
    opts.maxRetriesPerRequest = 1;
    opts.commandTimeout = 2000;
  }
  const r = new Redis({ ...opts, ...overrides });
  r.on('error', () => undefined); // reconnects by itself; health checks report the state
  return r;
}
