import { AuthUser } from '@huigong/common';
import { OrganizationsService } from '@huigong/identity';
import { Injectable } from '@nestjs/common';
import { QINGDAO_CITY_PREFIX } from '../demo';

const MAX_CACHED = 10_000;

/**
 * "Local" means local to the viewer's city: the first four digits (province + city) of their
 * organization's GB/T 2260 region code, Qingdao (3702) when the organization has none. Region codes
 * of organizations do not change, so the answer is cached per organization.
 */
@Injectable()
export class LocalityService {
  private readonly prefixes = new Map<string, string>();

  constructor(private readonly orgs: OrganizationsService) {}

  async cityPrefix(user: AuthUser): Promise<string> {
    const cached = this.prefixes.get(user.organizationId);
    if (cached) return cached;
    const org = await this.orgs.findById(user.organizationId);
    const prefix = org?.regionCode && /^\d{6}$/.test(org.regionCode) ? org.regionCode.slice(0, 4) : QINGDAO_CITY_PREFIX;
    if (this.prefixes.size >= MAX_CACHED) this.prefixes.clear();
    this.prefixes.set(user.organizationId, prefix);
    return prefix;
  }
}
