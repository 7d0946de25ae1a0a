// The public face of the identity context.
export type { Organization } from './entities/organization.entity';
export { OrganizationType } from './entities/organization.entity';
export type { User } from './entities/user.entity';
export { AuthGuard } from './guards/auth.guard';
export { IdentityModule } from './identity.module';
export { AccessScopeService } from './services/access-scope.service';
export { AuthService, TokenPair } from './services/auth.service';
export { CreateOrganizationInput, OrganizationsService } from './services/organizations.service';
export { PasswordService } from './services/password.service';
export { SecurityEventsService } from './services/security-events.service';
export { CreateUserInput, UsersService } from './services/users.service';
