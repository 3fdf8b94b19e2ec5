import { LIMITS } from '@copydesk/shared';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { TokenService } from '../auth/tokens';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import type { StoryService } from '../stories/story-service';
import { errorHandler } from './error-handler';
import { healthRouter } from './health-routes';
import { apiRouter } from './routes';
import { staticClient } from './static-client';

export interface HttpAppOptions {
  storage: Storage;
  tokens: TokenService;
  stories: StoryService;
  logger: Logger;
  clientDist: string;
}

export const createHttpApp = (options: HttpAppOptions): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, uniquelocal');
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          // CodeMirror injects its theme as <style> elements.
          'style-src': ["'self'", "'unsafe-inline'"],
          'connect-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'object-src': ["'none'"],
          'frame-ancestors': ["'none'"],
          'upgrade-insecure-requests': null,
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(healthRouter(options.storage));
  app.use('/api', express.json({ limit: LIMITS.jsonBodyBytes, strict: true }));
  app.use('/api', apiRouter(options));
  app.use(staticClient(options.clientDist));
  app.use(errorHandler(options.logger));
  return app;
};
