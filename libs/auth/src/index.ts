export * from './auth-config';
export * from './auth.module';
export * from './jwt-verifier';
export * from './jwt-auth.guard';
export * from './development-token';
