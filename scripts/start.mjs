// `npm start`: build the client and the server if either is missing or older than its
// sources, then run the built server.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildServer,
  SERVER_ENTRY,
  SERVER_NODE_ARGS,
  serverBuildIsStale,
} from './build-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const newest = (dir) => {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
};
const built = path.join(root, 'client/dist/index.html');
const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
const sourcesAt = Math.max(
  newest(path.join(root, 'client')),
  newest(path.join(root, 'shared/src')),
);
if (builtAt < sourcesAt) {
  console.log('Building the client…');
  const result = spawnSync('npm', ['run', 'build', '-w', 'client'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
if (serverBuildIsStale()) {
  console.log('Building the server…');
  await buildServer();
}
const server = spawnSync(process.execPath, [...SERVER_NODE_ARGS, SERVER_ENTRY], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(server.status ?? 0);
