import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

/** Serves the built client with an SPA fallback; hashed assets are cached for a year. */
export const staticClient = (distDir: string): Router => {
  const router = express.Router();
  const index = path.join(distDir, 'index.html');
  router.use(
    '/assets',
    express.static(path.join(distDir, 'assets'), { immutable: true, maxAge: '365d', index: false }),
  );
  router.use(express.static(distDir, { index: false }));
  router.get(/^\/(?!api\/|yjs\/).*/, (_req, res) => {
    if (!fs.existsSync(index)) {
      res.status(503).type('text/plain').send('The client is not built yet: run `npm run build`.');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
};
