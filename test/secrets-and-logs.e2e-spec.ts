import { migrateDatabase } from '@huigong/common';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { freePort } from './support/processes';
import { cleanup, eventually, seedDemo, testConfig } from './support/test-app';

const ROOT = join(__dirname, '..');

/** Tracked files (or, without git, the tree minus what is never committed). */
function repoFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  } catch {
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (['node_modules', 'dist', '.git', '.test-results', 'coverage'].includes(name)) continue;
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else out.push(relative(ROOT, p));
      }
    };
    walk(ROOT);
    return out;
  }
}

/** Values the README documents as development / demo defaults, or that only exist in tests and benches. */
const DOCUMENTED_DEFAULTS = new Set(['huigong-demo', 'huigong-development-secret-do-not-use-in-production', 'postgres']);

const SECRET_FILE = /(^|\/)(\.env(\.(?!example$)[\w.-]+)?|id_rsa|id_ed25519|id_ecdsa|[^/]+\.(pem|key|p12|pfx|jks|keystore))$/;
const SECRET_CONTENT: [string, RegExp][] = [
  ['private key', /-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----/],
  ['AWS access key', /\bAKIA[0-9A-Z]{16}\b/],
  ['GitHub token', /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/],
  ['Slack token', /\bxox[abprs]-[A-Za-z0-9-]{10,}/],
  ['Stripe key', /\b[sr]k_live_[0-9a-zA-Z]{20,}/],
  ['npm token', /_authToken\s*=\s*[^\s$]+|\bnpm_[A-Za-z0-9]{36}\b/],
  ['signed JWT', /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}/],
];
/** `SECRET=value`, `password: "value"` in code and config that ships (tests and benches use throwaway fixtures). */
const ASSIGNMENT = /\b([A-Z_]*(?:SECRET|PASSWORD|PASSWD|TOKEN|API_KEY)[A-Z_]*|secret|password|apiKey)\b\s*[:=]\s*(['"`]?)([^\s'"`$,;)}{]{6,})/g;
const SHIPPED = /^(apps|libs|migrations|scripts|tools)\/(?!.*\.(spec|e2e-spec)\.ts$)|^(Dockerfile|docker-compose\.yml|\.ci\/|package\.json)/;

describe('no secrets in the repository', () => {
  const files = repoFiles();

  it('scans a real file list', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'libs/common/src/config/app-config.ts']));
  });

  it('has scanners that catch planted secrets (so a clean result means something)', () => {
    expect(['.env', 'deploy/.env.production', 'certs/server.key', 'a/id_rsa'].every((f) => SECRET_FILE.test(f))).toBe(true);
    expect(SECRET_FILE.test('.env.example')).toBe(false);
    const key = ['-----BEGIN', 'PRIVATE KEY-----'].join(' ');
    expect(SECRET_CONTENT.some(([, re]) => re.test(`x\n${key}\nMIIE`))).toBe(true);
    expect(SECRET_CONTENT.some(([, re]) => re.test(['AKIA', 'IOSFODNN7EXAMPLE'].join('')))).toBe(true);
    const planted = ["JWT_SECRET: 'prod-secret-1234567'", 'password = "hunter22hunter"', 'REDIS_PASSWORD=s3cr3t-value'];
    expect(planted.map((l) => [...l.matchAll(ASSIGNMENT)].length)).toEqual([1, 1, 1]);
  });

  it('tracks no key, certificate or .env file', () => {
    expect(files.filter((f) => SECRET_FILE.test(f))).toEqual([]);
  });

  it('holds no private key, cloud or CI token, or signed JWT in any file', () => {
    const found: string[] = [];
    for (const f of files) {
      if (f === 'package-lock.json' || !statSync(join(ROOT, f), { throwIfNoEntry: false })?.isFile()) continue;
      const text = readFileSync(join(ROOT, f), 'utf8');
      for (const [what, re] of SECRET_CONTENT) if (re.test(text)) found.push(`${f}: ${what}`);
    }
    expect(found).toEqual([]);
  });

  it('assigns no secret or password literal in shipped code and config other than the documented development defaults', () => {
    const found: string[] = [];
    for (const f of files.filter((x) => SHIPPED.test(x))) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      const code = /\.(ts|js|mjs|cjs)$/.test(f);
      for (const m of text.matchAll(ASSIGNMENT)) {
        const [, , quote, value] = m;
        // in code, an unquoted value is an identifier or expression (config.jwtSecret, dto.password), not a literal
        if (code && !quote) continue;
        if (/^(true|false|null|undefined|string|number|required|optional)$/i.test(value)) continue;
        if (!DOCUMENTED_DEFAULTS.has(value)) found.push(`${f}: ${m[0].slice(0, 80)}`);
      }
    }
    expect(found).toEqual([]);
  });
});

describe('logs carry no password, token or secret (e2e, the API as it runs in production)', () => {
  const config = testConfig();
  const jwtSecret = `log-test-${randomBytes(24).toString('hex')}`;
  const password = `Pw-${randomBytes(9).toString('base64url')}`;
  let api: ChildProcess;
  let output = '';
  let base: string;

  beforeAll(async () => {
    await migrateDatabase(config.databaseUrl);
    await seedDemo(config);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = spawn(process.execPath, ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        TS_NODE_TRANSPILE_ONLY: 'true',
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        NODE_ENV: 'production',
        JWT_SECRET: jwtSecret,
        DATABASE_URL: config.databaseUrl,
        REDIS_URL: config.redisUrl,
        QUEUE_PREFIX: config.queuePrefix,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'trace',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    api.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    api.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    await eventually(async () => (await fetch(`${base}/health`)).ok, 150_000, 'the API to start');
  }, 180_000);

  afterAll(async () => {
    if (api && api.exitCode === null) {
      const exited = new Promise((r) => api.once('exit', r));
      api.kill('SIGTERM');
      await exited;
    }
    await cleanup(config);
  });

  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${base}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });

  it('logs the requests of a login session without the password, the tokens or the JWT secret', async () => {
    const admin = (await (await post('/auth/login', { username: 'admin', password: 'huigong-demo' })).json()) as { accessToken: string; refreshToken: string };
    const { organizationId: org } = (await (await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${admin.accessToken}` } })).json()) as { organizationId: string };
    expect((await post('/users', { organizationId: org, username: 'log-probe', displayName: '日志探针', password, roles: ['auditor'] }, admin.accessToken)).status).toBe(201);
    expect((await post('/auth/login', { username: 'log-probe', password: `${password}-wrong` })).status).toBe(401);
    const login = await post('/auth/login', { username: 'log-probe', password });
    expect(login.status).toBe(200);
    const pair = (await login.json()) as { accessToken: string; refreshToken: string };
    const me = await fetch(`${base}/api/v1/me?probe=1`, { headers: { authorization: `Bearer ${pair.accessToken}`, cookie: `session=${pair.refreshToken}` } });
    expect(me.status).toBe(200);
    const refreshed = (await (await post('/auth/refresh', { refreshToken: pair.refreshToken })).json()) as { accessToken: string; refreshToken: string };
    // a failing request with a token, so error logging is exercised too
    expect((await post('/unions', { nope: pair.accessToken }, pair.accessToken)).status).toBeGreaterThanOrEqual(400);
    await eventually(async () => output.includes('/api/v1/me?probe=1') && output.includes('/api/v1/auth/refresh'), 10_000, 'the request log lines');

    const secrets = { password, wrongPassword: `${password}-wrong`, jwtSecret, access: pair.accessToken, refresh: pair.refreshToken, refreshed: refreshed.refreshToken, refreshedAccess: refreshed.accessToken, admin: admin.accessToken };
    const leaked = Object.entries(secrets).filter(([, v]) => output.includes(v) || output.includes(v.split('.').pop()!));
    expect(leaked.map(([k]) => k)).toEqual([]);
    expect(output).not.toMatch(/Bearer\s+ey/);
    expect(output).not.toMatch(/\$argon2id\$/); // nor password hashes
  });
});
