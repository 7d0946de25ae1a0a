import { Injectable } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';

/**
 * argon2id (OWASP parameters: 19 MiB, t=2, p=1). @node-rs/argon2 ships per-platform binaries as
 * plain packages, no install script: the `argon2` package's prebuilt glibc binary crashed on these
 * machines (segmentation fault on the first hash).
 */
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

@Injectable()
export class PasswordService {
  hash(password: string): Promise<string> {
    return hash(password, OPTIONS);
  }

  async verify(stored: string | null | undefined, password: string): Promise<boolean> {
    if (!stored) {
      // spend the same time for an unknown user so timing does not reveal which usernames exist
      await hash(password, OPTIONS);
      return false;
    }
    try {
      return await verify(stored, password);
    } catch {
      return false;
    }
  }
}
