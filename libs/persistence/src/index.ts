export * from './create-database';
export * from './database-url';
export * from './data-source.factory';
export * from './migrate';
export * from './transient-error';
