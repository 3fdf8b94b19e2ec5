import { Router } from 'express';
import type { Storage } from '../storage/storage';

/** /healthz: the process answers. /readyz: it can also reach its storage. */
export const healthRouter = (storage: Storage): Router => {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await storage.ping();
      res.json({ ok: true, storage: storage.kind });
    } catch (err) {
      res.status(503).json({
        error: { code: 'unavailable', message: `storage unreachable: ${(err as Error).message}` },
      });
    }
  });
  return router;
};
