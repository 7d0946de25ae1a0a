import { AuthUser, CacheVersions } from '@huigong/common';
import { Injectable } from '@nestjs/common';

/** A user as read together with the `identity` version of the same snapshot (null: the version row is missing). */
export interface VersionedUser {
  user: AuthUser | null;
  version: string | null;
}

/** Users kept at most; past it the cache starts afresh (a few hundred bytes each). */
const MAX_USERS = 20_000;

/**
 * The users the request guard has loaded, keyed by the `identity` cache version (migration
 * 1765700000000): a change of a user's roles, organization or disabled state, or of an organization's
 * type, replaces the version at its commit, and every request reads the version (a read shared by
 * concurrent requests, CacheVersions) before using an entry. So disabling a user or changing roles
 * still takes effect on the next request, in every API process, while a request by a known user costs
 * no query of its own. A user not held is read together with the version of the same snapshot (one
 * statement) while the shared version read runs alongside, so a request that misses waits for one
 * round trip, not two in a row. Unknown and disabled users are not kept: their next request asks again.
 */
@Injectable()
export class AuthUserCache {
  private readonly users = new Map<string, AuthUser>();
  private version: string | null = null;

  constructor(private readonly versions: CacheVersions) {}

  /**
   * `epoch`: CacheVersions.epoch() when the request arrived. `load` must read the user and the
   * `identity` version in one statement that starts after this call (AuthService's batched look-up):
   * a user the cache does not hold is kept only if that version is the one the shared read saw.
   */
  async get(userId: string, load: (id: string) => Promise<VersionedUser>, epoch?: number): Promise<AuthUser | null> {
    if (this.users.has(userId)) {
      const version = await this.versions.current('identity', epoch);
      if (version === null) return (await load(userId)).user;
      this.seen(version);
      const hit = this.users.get(userId);
      // a copy: the request owns its user object
      if (hit) return { ...hit, roles: [...hit.roles] };
    }
    // not held (or dropped meanwhile): read with the version it belongs to, in one snapshot; the shared
    // version read goes alongside, not before it, since later caches of this request rely on one read
    // having completed after the request arrived (CacheVersions.latest)
    const [{ user, version }, current] = await Promise.all([load(userId), this.versions.current('identity', epoch)]);
    if (version === null || current === null) return user;
    // the shared read decides what the cache holds (as for hits); a look-up whose snapshot had another
    // version (it began before a change, or the shared read did) is answered, not kept
    this.seen(current);
    if (user && this.version === version) {
      if (this.users.size >= MAX_USERS) this.users.clear();
      this.users.set(userId, { ...user, roles: [...user.roles] });
    }
    return user;
  }

  /** A version read after some request arrived: entries kept under another one are dropped. */
  private seen(version: string): void {
    if (version !== this.version) {
      this.users.clear();
      this.version = version;
    }
  }
}
