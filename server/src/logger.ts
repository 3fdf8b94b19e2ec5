import { pino } from 'pino';

export type Logger = pino.Logger;

export const createLogger = (level: string): Logger =>
  pino({
    level,
    base: { service: 'copydesk' },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'req.headers.cookie'],
      remove: true,
    },
  });
