import { DynamicModule, Module } from '@nestjs/common';
import { AUTH_CONFIG, AuthConfig } from './auth-config';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtVerifier } from './jwt-verifier';

@Module({})
export class AuthModule {
  static forRoot(config: AuthConfig): DynamicModule {
    return {
      module: AuthModule,
      providers: [{ provide: AUTH_CONFIG, useValue: config }, JwtVerifier, JwtAuthGuard],
      exports: [JwtVerifier, JwtAuthGuard],
    };
  }
}
