import { AuthUser, CacheVersions } from '@huigong/common';
import { Injectable } from '@nestjs/common';

/** Users kept at most; past it the cache starts afresh (a few hundred bytes each). */
const MAX_USERS = 20_000;

/**
 * The users the request guard has loaded, keyed by the `identity` cache version (migration
 * 1765700000000): a change of a user's roles, organization or disabled state, or of an organization's
 * type, replaces the version at its commit, and every request reads the version (a read shared by
 * concurrent requests, CacheVersions) before using an entry. So disabling a user or changing roles
 * still takes effect on the next request, in every API process, while a request by a known user costs
 * no query of its own. Unknown and disabled users are not kept: their next request asks again.
 */
@Injectable()
export class AuthUserCache {
  private readonly users = new Map<string, AuthUser>();
  private version: string | null = null;

  constructor(private readonly versions: CacheVersions) {}

  /** `epoch`: CacheVersions.epoch() when the request arrived. */
  async get(userId: string, load: (id: string) => Promise<AuthUser | null>, epoch?: number): Promise<AuthUser | null> {
    const version = await this.versions.current('identity', epoch);
    if (version === null) return load(userId);
    if (version !== this.version) {
      this.users.clear();
      this.version = version;
    }
    const hit = this.users.get(userId);
    // a copy: the request owns its user object
    if (hit) return { ...hit, roles: [...hit.roles] };
    const user = await load(userId);
    // kept only if no newer version was seen meanwhile (the load then may predate it)
    if (user && this.version === version) {
      if (this.users.size >= MAX_USERS) this.users.clear();
      this.users.set(userId, { ...user, roles: [...user.roles] });
    }
    return user;
  }
}
