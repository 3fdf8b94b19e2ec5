export * from './api';
export * from './colors';
export * from './counters';
export * from './protocol';
export * from './schema';
export * from './wire';
