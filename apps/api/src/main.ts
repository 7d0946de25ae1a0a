import 'reflect-metadata';
import { ConfigError, loadConfig } from '@huigong/common';
import cluster from 'node:cluster';
import { createApiApp } from './create-api-app';

/** A worker that dies sooner than this after it started is a start-up failure: stop, do not loop. */
const MIN_UPTIME_MS = 10_000;

async function serve(): Promise<void> {
  const config = loadConfig();
  const { app } = await createApiApp(config);
  await app.listen(config.port, process.env.HOST || '0.0.0.0');
}

/**
 * API_WORKERS processes (node:cluster) share the port: the primary accepts connections and hands
 * them to its workers in turn. Each worker has its own in-memory caches (search pages, users,
 * verified tokens), all kept coherent through the database's cache versions. A worker that dies is
 * replaced; one that dies during start-up stops the whole API with its exit code.
 */
function supervise(workers: number): void {
  let stopping = false;
  const started = new Map<number, number>();
  const fork = () => {
    const w = cluster.fork();
    started.set(w.id, Date.now());
  };
  cluster.on('exit', (w, code, signal) => {
    const uptime = Date.now() - (started.get(w.id) ?? 0);
    started.delete(w.id);
    if (stopping) {
      if (!started.size) process.exit(process.exitCode ?? 0);
      return;
    }
    console.error(`API worker ${w.process.pid} exited (${signal ?? code}) after ${uptime} ms`);
    if (uptime < MIN_UPTIME_MS) return stop(typeof code === 'number' && code !== 0 ? code : 1);
    fork();
  });
  const stop = (code: number) => {
    stopping = true;
    process.exitCode = code;
    if (!started.size) process.exit(code);
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  for (let i = 0; i < workers; i++) fork();
}

function main(): void {
  let workers: number;
  try {
    workers = loadConfig().apiWorkers;
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
  if (workers > 1 && cluster.isPrimary) return supervise(workers);
  serve().catch((err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
}

main();
