import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A private redis-server for tests that stop and start it; never the shared one. */
export class PrivateRedis {
  private proc?: ChildProcess;
  constructor(readonly port: number) {}

  static async create(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.start();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) return;
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = new Redis({ port: this.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    for (let i = 0; i < 200; i++) {
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') {
          probe.disconnect();
          return;
        }
      } catch {
        probe.disconnect();
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    throw new Error(`redis-server did not start on ${this.port}`);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }
}

const PG_BIN = process.env.PG_BIN || '/usr/lib/postgresql/15/bin';

function run(cmd: string, args: string[], asUser?: string): Promise<string> {
  // initdb and postgres refuse to run as root: drop to the given user (the packaged `postgres`)
  const [file, argv] = asUser ? ['setpriv', ['--reuid', asUser, '--regid', asUser, '--init-groups', '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const p = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    p.stderr!.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

/**
 * A private PostgreSQL 15 cluster (initdb in a temp dir, pg_ctl on a free port) for tests that stop,
 * restart or crash the database server; never the shared one. Trust auth, user `postgres`.
 */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly user: string | undefined,
  ) {}

  static async create(): Promise<PrivatePostgres> {
    const { mkdtempSync, chownSync } = await import('node:fs');
    const { tmpdir, userInfo } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'hg-pg-'));
    // as root, the cluster belongs to the `postgres` user
    const user = userInfo().uid === 0 ? 'postgres' : undefined;
    if (user) {
      const { execFileSync } = await import('node:child_process');
      const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', user]).toString().trim());
      chownSync(dir, uid, gid);
    }
    const pg = new PrivatePostgres(await freePort(), dir, user);
    await run(join(PG_BIN, 'initdb'), ['-D', pg.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], user);
    await pg.start();
    return pg;
  }

  get dataDir(): string {
    return `${this.dir}/data`;
  }

  /** A URL for `database` on this cluster. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    // fsync off is safe for a crash of the server process (the OS keeps the pages); synchronous
    // commit stays on, or an immediate stop would lose commits the clients were told about
    const opts = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off -c full_page_writes=off -c max_connections=200`;
    await run(`${PG_BIN}/pg_ctl`, ['-D', this.dataDir, '-l', `${this.dir}/server.log`, '-o', opts, '-w', '-t', '60', 'start'], this.user);
  }

  /** `fast`: clean shutdown, clients disconnected; `immediate`: as a crash (recovery on next start). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await run(`${PG_BIN}/pg_ctl`, ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop'], this.user).catch((err: Error) => {
      if (!/not running|No such file|does not exist/i.test(err.message)) throw err;
    });
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    const { rmSync } = await import('node:fs');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A TypeScript entry script under test/support run as a real child process (killable with SIGKILL). */
export class ChildApp {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d) => (this.output += d));
    proc.stderr!.on('data', (d) => (this.output += d));
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  }

  static spawn(script: string, env: NodeJS.ProcessEnv): ChildApp {
    const { join } = require('node:path') as typeof import('node:path');
    const root = join(__dirname, '..', '..');
    const proc = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join('test', 'support', script)], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', TS_NODE_PROJECT: 'tsconfig.json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ChildApp(proc);
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Resolves once the child printed a line matching `pattern`; rejects if it exits first. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const start = Date.now();
    while (!pattern.test(this.output)) {
      if (!this.running) throw new Error(`child exited before ${pattern}: ${this.output}`);
      if (Date.now() - start > timeoutMs) throw new Error(`child did not print ${pattern} within ${timeoutMs} ms: ${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async kill9(): Promise<NodeJS.Signals | null> {
    if (this.running) this.proc.kill('SIGKILL');
    return (await this.exited).signal;
  }
}
