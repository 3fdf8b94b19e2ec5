import { LIMITS } from '@copydesk/shared';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { LoginLimiter } from '../auth/login-limiter';
import type { TokenService } from '../auth/tokens';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import type { StoryService } from '../stories/story-service';
import { errorHandler } from './error-handler';
import { healthRouter } from './health-routes';
import { requireJson } from './json-only';
import { apiRouter } from './routes';
import { staticClient } from './static-client';
import type { LiveSync } from './status-route';

export interface HttpAppOptions {
  storage: Storage;
  tokens: TokenService;
  stories: StoryService;
  logger: Logger;
  clientDist: string;
  loginLimiter: LoginLimiter;
  live: LiveSync;
  /** Express `trust proxy` (who may set X-Forwarded-For / X-Forwarded-Proto). */
  trustProxy: boolean | number | string;
  /** Feature routers (history, activity, comments, export), mounted under /api first. */
  featureRouters?: Router[];
  /** Other dependencies /readyz must see healthy (e.g. Redis). */
  readiness?: () => Record<string, boolean>;
  /** GET /metrics (Prometheus text). */
  metrics?: Router;
}

/**
 * The Content-Security-Policy the built client runs under. The one relaxation for code is
 * `style-src 'unsafe-inline'`: CodeMirror (style-mod) injects its themes as <style> elements
 * at run time. Scripts are same-origin files only; `img-src data:` is for CodeMirror's inline
 * SVG backgrounds (images cannot run script).
 */
export const CSP_DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

export const createHttpApp = (options: HttpAppOptions): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { ...CSP_DIRECTIVES },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(healthRouter(options.storage, options.readiness));
  if (options.metrics) app.use(options.metrics);
  // No CORS middleware on purpose: other origins get no Access-Control-* headers.
  app.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use('/api', requireJson);
  app.use('/api', express.json({ limit: LIMITS.jsonBodyBytes, strict: true }));
  for (const router of options.featureRouters ?? []) app.use('/api', router);
  app.use('/api', apiRouter(options));
  app.use(staticClient(options.clientDist));
  app.use(errorHandler(options.logger));
  return app;
};
