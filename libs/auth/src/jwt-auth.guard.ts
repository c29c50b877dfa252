import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { Request } from 'express';
import { Principal } from '@app/contracts';
import { JwtVerifier, UnauthenticatedError } from './jwt-verifier';

type AuthenticatedRequest = Request & { principal?: Principal };

@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly verifier: JwtVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match?.[1])
      throw new UnauthenticatedError('send a bearer token: Authorization: Bearer <jwt>');
    request.principal = await this.verifier.verify(match[1]);
    return true;
  }
}

/** The authenticated caller, as the guard read it from the token. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new UnauthenticatedError('no authenticated caller');
  return principal;
});
