// `npm start`: build the client and the server if either is missing or older than its
// sources, then run the built server.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildServer,
  isStale,
  SERVER_ENTRY,
  SERVER_NODE_ARGS,
  serverBuildIsStale,
} from './build-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const clientIndex = path.join(root, 'client/dist/index.html');
if (isStale(clientIndex, [path.join(root, 'client'), path.join(root, 'shared/src')])) {
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
