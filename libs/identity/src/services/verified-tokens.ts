/**
 * Access tokens whose signature has been checked, by their exact text. A client sends the same token
 * on every request for its lifetime, and checking it (decode, HMAC, JSON) cost as much of each request
 * as the rest of the guard. The signature of a given text under a given key never changes, so only
 * time can make a remembered token invalid: expiry is checked on every use, as jsonwebtoken does.
 * Tokens with a not-before time are not remembered. Bounded; when full it starts over.
 */
export class VerifiedTokens<C extends { exp?: number; nbf?: number }> {
  private readonly tokens = new Map<string, C>();

  constructor(private readonly max = 10_000) {}

  /** The claims of a token verified before and not expired now; undefined otherwise. */
  get(token: string, nowMs = Date.now()): C | undefined {
    const claims = this.tokens.get(token);
    if (!claims) return undefined;
    if (!live(claims, nowMs)) {
      this.tokens.delete(token);
      return undefined;
    }
    return claims;
  }

  /** Remembers a token that has just passed verification. */
  remember(token: string, claims: C, nowMs = Date.now()): void {
    if (claims.nbf !== undefined || !live(claims, nowMs)) return;
    if (this.tokens.size >= this.max) this.tokens.clear();
    this.tokens.set(token, claims);
  }
}

/** jsonwebtoken's rule: expired once the current whole second reaches `exp`. A token without exp is not remembered. */
function live(claims: { exp?: number }, nowMs: number): boolean {
  return typeof claims.exp === 'number' && Math.floor(nowMs / 1000) < claims.exp;
}
