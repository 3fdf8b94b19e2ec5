import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** Defined (true) by scripts/build-server.mjs: the worker was bundled beside the server. */
declare const COPYDESK_BUILT: boolean | undefined;

let source: Promise<string> | null = null;

/**
 * The activity worker's code as one CommonJS script. Worker threads do not inherit the
 * parent's TypeScript loader, and loading tsx in the worker cost 60 MB (its own esbuild
 * service thread); bundled once per process with esbuild (already here for tsx), the worker
 * costs about 20 MB. The esbuild process is stopped as soon as the bundle is built. The built
 * server (scripts/build-server.mjs) carries the bundle ready-made.
 */
export const trackerWorkerSource = (): Promise<string> => {
  source ??= (async () => {
    if (typeof COPYDESK_BUILT !== 'undefined') {
      return fs.readFile(new URL('./tracker-worker.cjs', import.meta.url), 'utf8');
    }
    // Run from source (tests, `npm run dev`): esbuild is loaded only here.
    const { build, stop } = await import('esbuild');
    try {
      const result = await build({
        entryPoints: [fileURLToPath(new URL('./tracker-worker.ts', import.meta.url))],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        write: false,
        logLevel: 'silent',
      });
      const file = result.outputFiles[0];
      if (!file) throw new Error('esbuild produced no activity worker bundle');
      return file.text;
    } finally {
      await stop();
    }
  })();
  // A failed build is tried again by the next worker start, not remembered.
  source.catch(() => {
    source = null;
  });
  return source;
};
