import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';

let source: Promise<string> | null = null;

/**
 * The activity worker's code as one CommonJS script. Worker threads do not inherit the
 * parent's TypeScript loader, and loading tsx in the worker cost 60 MB (its own esbuild
 * service thread); bundled once per process with esbuild (already here for tsx), the worker
 * costs about 20 MB. The esbuild process is stopped as soon as the bundle is built.
 */
export const trackerWorkerSource = (): Promise<string> => {
  source ??= (async () => {
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
