import { Router } from 'express';
import type { Storage } from '../storage/storage';

/** /healthz: the process answers. /readyz: it can also reach its storage (and Redis). */
export const healthRouter = (
  storage: Storage,
  readiness: () => Record<string, boolean> = () => ({}),
): Router => {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await storage.ping();
      const others = readiness();
      const down = Object.entries(others).filter(([, ok]) => !ok);
      if (down.length > 0) {
        res.status(503).json({
          error: {
            code: 'unavailable',
            message: `not reachable: ${down.map(([name]) => name).join(', ')}`,
          },
        });
        return;
      }
      res.json({ ok: true, storage: storage.kind, ...others });
    } catch (err) {
      res.status(503).json({
        error: { code: 'unavailable', message: `storage unreachable: ${(err as Error).message}` },
      });
    }
  });
  return router;
};
