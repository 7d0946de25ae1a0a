import { createSecretKey } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@huigong/common';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthController } from './controllers/auth.controller';
import { OrganizationsController } from './controllers/organizations.controller';
import { UsersController } from './controllers/users.controller';
import { Organization } from './entities/organization.entity';
import { RefreshToken } from './entities/refresh-token.entity';
import { User } from './entities/user.entity';
import { AuthGuard } from './guards/auth.guard';
import { AccessScopeService } from './services/access-scope.service';
import { AuthService } from './services/auth.service';
import { AuthUserCache } from './services/auth-user-cache';
import { OrganizationsService } from './services/organizations.service';
import { PasswordService } from './services/password.service';
import { SecurityEventsService } from './services/security-events.service';
import { UsersService } from './services/users.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Organization, User, RefreshToken]),
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      // a KeyObject: jsonwebtoken otherwise rebuilds the key (after a failed public-key parse) on every verify
      useFactory: (config: AppConfig) => ({ secret: createSecretKey(Buffer.from(config.jwtSecret, 'utf8')), signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } }),
    }),
  ],
  controllers: [AuthController, OrganizationsController, UsersController],
  providers: [AuthService, AuthUserCache, UsersService, OrganizationsService, PasswordService, AccessScopeService, SecurityEventsService, AuthGuard],
  exports: [AuthService, UsersService, OrganizationsService, AccessScopeService, SecurityEventsService, AuthGuard, PasswordService],
})
export class IdentityModule {}
