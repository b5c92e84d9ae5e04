export * from './client';
export * from './timeline';
export { login, logout, ensureSession, LoginError, safeNext } from './auth';
