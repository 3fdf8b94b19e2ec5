// Builds the server into server/dist: what `npm start`, the Docker image, the cross-process
// tests and the benchmark run. Production runs plain JavaScript, not the TypeScript loader:
// tsx costs a loader thread and ~40 MB, and its keepNames wraps every closure the hot path
// creates in a defineProperty call (docs/BENCHMARKS.md, "Session of 2026-12-07 (midday)").
//
//   node scripts/build-server.mjs          build if any source is newer than the build
//   node scripts/build-server.mjs --force  build anyway
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = path.join(root, 'server/dist');
/** What `npm start` runs: `node ...SERVER_NODE_ARGS SERVER_ENTRY`. */
export const SERVER_ENTRY = path.join(out, 'main.mjs');
/**
 * Stack traces in logs point at the TypeScript sources. The memory reducer is off: it
 * shrinks an isolate's heap whenever V8 thinks it idle, which a server typed into a few
 * times a second (and its worker threads, between rounds) keeps being; each shrink is a full
 * collection and the pages it returns fault back in. It was 30 % of the server's CPU at a
 * story with two editors (docs/BENCHMARKS.md, "Session of 2026-12-07 (evening)"). The
 * collections that allocation asks for still run, and size the heap to what is live.
 */
export const SERVER_NODE_ARGS = ['--enable-source-maps', '--no-memory-reducer'];

const newest = (dir) => {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
};

/** True when `built` is missing or older than a file under `sources` (dirs or files). */
export const isStale = (built, sources) => {
  if (!fs.existsSync(built)) return true;
  const sourcesAt = Math.max(
    ...sources.map((s) => (fs.statSync(s).isDirectory() ? newest(s) : fs.statSync(s).mtimeMs)),
  );
  return fs.statSync(built).mtimeMs < sourcesAt;
};

/** Third-party packages stay in node_modules; the `@copydesk/shared` sources are bundled. */
const external = () => {
  const deps = (name) =>
    Object.keys(
      JSON.parse(fs.readFileSync(path.join(root, name, 'package.json'), 'utf8')).dependencies ?? {},
    );
  return [...new Set([...deps('server'), ...deps('shared')])].filter(
    (d) => !d.startsWith('@copydesk/'),
  );
};

export const serverBuildIsStale = () =>
  isStale(SERVER_ENTRY, [
    path.join(root, 'server/src'),
    path.join(root, 'shared/src'),
    fileURLToPath(import.meta.url),
  ]);

export const buildServer = async () => {
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    external: external(),
    logLevel: 'warning',
    sourcemap: 'linked',
  };
  // Written next to each other and beside a fresh main.mjs, so an interrupted build never
  // leaves a main.mjs that looks newer than the sources while its workers are missing.
  const temp = `${out}.building-${process.pid}`;
  fs.rmSync(temp, { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: {
      main: path.join(root, 'server/src/main.ts'),
      // Workers load by file name next to main.mjs (`new URL('./….mjs', import.meta.url)`).
      'sqlite-checkpoint-worker': path.join(
        root,
        'server/src/storage/sqlite-checkpoint-worker.mjs',
      ),
      'compaction-worker': path.join(root, 'server/src/sync/compaction-worker.mjs'),
    },
    format: 'esm',
    outdir: temp,
    outExtension: { '.js': '.mjs' },
    define: { COPYDESK_BUILT: 'true' },
  });
  // The activity worker starts from source text (activity/tracker-worker-source.ts).
  await build({
    ...common,
    sourcemap: false,
    entryPoints: [path.join(root, 'server/src/activity/tracker-worker.ts')],
    format: 'cjs',
    outfile: path.join(temp, 'tracker-worker.cjs'),
  });
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(temp, out);
  return SERVER_ENTRY;
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--force') || serverBuildIsStale()) {
    await buildServer();
    console.log(`built ${path.relative(root, SERVER_ENTRY)}`);
  }
}
