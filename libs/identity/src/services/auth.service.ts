import { APP_CONFIG, AppConfig, AppError, AuthUser, CacheVersions, CoalescingLoader, pooledPreparedQuery, RateLimiter, Role } from '@huigong/common';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuthUserCache, VersionedUser } from './auth-user-cache';
import { PasswordService } from './password.service';
import { SecurityEventsService } from './security-events.service';
import { UsersService } from './users.service';
import { VerifiedTokens } from './verified-tokens';

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  user: { id: string; username: string; displayName: string; roles: Role[]; organizationId: string };
}

interface AccessClaims {
  sub: string;
  typ: 'access';
  exp?: number;
  nbf?: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class AuthService {
  private readonly verified = new VerifiedTokens<AccessClaims>();
  /**
   * The request guard's user look-ups on a cache miss, batched: while one query is in flight the next
   * requests' users gather for the one after it (a flash crowd is thousands of users seen once each,
   * so nearly every request misses; bench/README, issue 7).
   */
  private readonly usersLoader = new CoalescingLoader<string, VersionedUser>((ids) => this.loadAuthUsers(ids));

  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly jwt: JwtService,
    private readonly dataSource: DataSource,
    private readonly limiter: RateLimiter,
    private readonly events: SecurityEventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly authUsers: AuthUserCache,
  ) {}

  async login(username: string, password: string, ip: string): Promise<TokenPair> {
    const name = username.trim().toLowerCase();
    await this.limiter.hit([`login-ip:${ip}`, `login-user:${name}`], this.config.loginRateLimit, this.config.loginRateWindowSeconds);
    const user = await this.users.findByUsername(name);
    const ok = await this.passwords.verify(user?.passwordHash, password);
    if (!user || !ok) throw new AppError('INVALID_CREDENTIALS', 'Wrong username or password', 401);
    if (user.disabledAt) {
      await this.events.record('disabled_login', user.id, { ip });
      throw new AppError('USER_DISABLED', 'This account is disabled', 401);
    }
    return this.issue(user.id, randomUUID());
  }

  /** Tokens for a user who proved who they are another way (e.g. member activation), as login returns them. */
  async issueForUser(userId: string): Promise<TokenPair> {
    if (!(await this.loadAuthUser(userId))) throw new AppError('USER_DISABLED', 'This account is disabled', 401);
    return this.issue(userId, randomUUID());
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const outcome = await this.dataSource.transaction(async (em) => {
      const [row] = await em.query(
        `SELECT id, user_id, family_id, expires_at < now() AS expired, revoked_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
        [sha256(refreshToken)],
      );
      if (!row) return { error: 'Unknown refresh token' } as const;
      if (row.revoked_at) {
        // a rotated token came back: somebody kept a copy; end the whole session family (committed)
        await em.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`, [row.family_id]);
        return { error: 'This refresh token was already used', reuse: row } as const;
      }
      if (row.expired) return { error: 'The refresh token has expired' } as const;
      await em.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE id = $1`, [row.id]);
      if (!(await this.loadAuthUser(row.user_id))) return { error: 'This account is disabled', code: 'USER_DISABLED' } as const;
      return { pair: await this.issue(row.user_id, row.family_id, em.query.bind(em)) } as const;
    });
    if ('pair' in outcome && outcome.pair) return outcome.pair;
    if ('reuse' in outcome) await this.events.record('refresh_token_reuse', outcome.reuse.user_id, { familyId: outcome.reuse.family_id });
    const error = 'error' in outcome ? outcome.error : 'Invalid refresh token';
    throw new AppError(('code' in outcome && outcome.code) || 'INVALID_REFRESH_TOKEN', error, 401);
  }

  async logout(refreshToken: string): Promise<void> {
    await this.dataSource.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL`, [sha256(refreshToken)]);
  }

  private async issue(userId: string, familyId: string, query = this.dataSource.query.bind(this.dataSource)): Promise<TokenPair> {
    const [u] = await query(`SELECT id, username, display_name, roles, organization_id FROM users WHERE id = $1`, [userId]);
    const accessToken = await this.jwt.signAsync({ sub: userId, typ: 'access' } satisfies AccessClaims, {
      expiresIn: this.config.accessTokenTtlSeconds,
      jwtid: randomUUID(),
    });
    const refreshToken = randomBytes(32).toString('base64url');
    await query(
      `INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [userId, familyId, sha256(refreshToken), this.config.refreshTokenTtlSeconds],
    );
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.config.accessTokenTtlSeconds,
      refreshToken,
      refreshExpiresIn: this.config.refreshTokenTtlSeconds,
      user: { id: u.id, username: u.username, displayName: u.display_name, roles: u.roles, organizationId: u.organization_id },
    };
  }

  /** Verifies an access token and loads its user; null when invalid, expired or the user is disabled. */
  async authenticate(token: string, cacheEpoch?: number): Promise<AuthUser | null> {
    let claims = this.verified.get(token);
    if (!claims) {
      try {
        claims = this.jwt.verify<AccessClaims>(token); // synchronous HMAC: no promise per request
      } catch {
        return null;
      }
      this.verified.remember(token, claims);
    }
    if (claims.typ !== 'access') return null;
    // the cache reads the identity version on every request: disabling or a role change takes effect at once
    return this.authUsers.get(claims.sub, (id) => this.loadAuthUserBatched(id), cacheEpoch);
  }

  /** The user as the database has them now (token refresh and issue read it here, never from the cache). */
  async loadAuthUser(userId: string): Promise<AuthUser | null> {
    return (await this.loadAuthUsers([userId.toLowerCase()])).get(userId.toLowerCase())?.user ?? null;
  }

  /** The guard's look-up, in the batch of whichever requests ask meanwhile (CoalescingLoader): one statement for all of them. */
  private async loadAuthUserBatched(userId: string): Promise<VersionedUser> {
    // a malformed id would fail the whole batch's uuid[] cast; no such user can exist anyway
    if (!UUID_RE.test(userId)) return { user: null, version: null };
    return (await this.usersLoader.load(userId.toLowerCase())) ?? { user: null, version: null };
  }

  /**
   * Enabled users by id (lower-case uuids), with their organization's type, and the `identity` cache
   * version of the same snapshot (AuthUserCache keeps them under it). Every id asked gets an answer.
   */
  private async loadAuthUsers(userIds: string[]): Promise<Map<string, VersionedUser>> {
    // a prepared statement: parsed and planned once per connection; it runs for every batch of cache misses
    const [row] = await pooledPreparedQuery<{ version: string | null; users: { id: string; username: string; organization_id: string; org_type: string; roles: Role[] }[] }>(
      this.dataSource,
      'identity_auth_users',
      `SELECT ${CacheVersions.sql('identity')} AS version,
              coalesce(json_agg(json_build_object('id', u.id, 'username', u.username, 'organization_id', u.organization_id, 'org_type', o.type, 'roles', u.roles)), '[]') AS users
         FROM users u JOIN organizations o ON o.id = u.organization_id
        WHERE u.id = ANY($1::uuid[]) AND u.disabled_at IS NULL`,
      [userIds],
    );
    const version = row?.version ?? null;
    const found = new Map(
      (row?.users ?? []).map((u) => [u.id, { id: u.id, username: u.username, organizationId: u.organization_id, organizationType: u.org_type, roles: u.roles }]),
    );
    return new Map(userIds.map((id) => [id, { user: found.get(id) ?? null, version }]));
  }
}
