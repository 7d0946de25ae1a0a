import { AppError, AuthUser, Role, TransactionRunner } from '@huigong/common';
import { OrganizationsService, OrganizationType, UsersService } from '@huigong/identity';
import { Injectable } from '@nestjs/common';
import { OnboardUnionDto, UnionDto } from './union.dto';
import { UnionAccountsService } from './union-accounts.service';
import { UnionDirectoryService } from './union-directory.service';

/** A platform admin onboards a union: its organization (under its parent), profile, accounts and first admin, in one unit of work. */
@Injectable()
export class OnboardUnionService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly orgs: OrganizationsService,
    private readonly users: UsersService,
    private readonly accounts: UnionAccountsService,
    private readonly directory: UnionDirectoryService,
  ) {}

  async onboard(actor: AuthUser, dto: OnboardUnionDto): Promise<UnionDto> {
    if (!dto.organizationId === !dto.name) {
      throw AppError.unprocessable('INVALID_ONBOARDING', 'Give either name (a new union) or organizationId (an existing union organization)', {
        fields: ['name', 'organizationId'],
      });
    }
    const { unionId, admin } = await this.tx.run(async (em) => {
      let unionId = dto.organizationId;
      if (!unionId) {
        const org = await this.orgs.create(em, { type: OrganizationType.Union, name: dto.name!, parentId: dto.parentId ?? null, regionCode: dto.regionCode ?? null });
        unionId = org.id;
      }
      const { created } = await this.accounts.ensureProfile(em, unionId, {
        cityRegionCode: dto.cityRegionCode ?? null,
        contactName: dto.contactName ?? null,
        contactPhone: dto.contactPhone ?? null,
        onboardedBy: actor.id,
      });
      if (!created) throw AppError.conflict('UNION_ALREADY_ONBOARDED', `Union ${unionId} is already onboarded`, { unionId });
      const admin = dto.admin
        ? await this.users.create(actor, { organizationId: unionId, username: dto.admin.username, displayName: dto.admin.displayName, password: dto.admin.password, roles: [Role.UnionAdmin] }, em)
        : null;
      return { unionId, admin };
    });
    const union = await this.directory.get(actor, unionId);
    return { ...union, admin: admin ? { id: admin.id, username: admin.username } : undefined };
  }
}
