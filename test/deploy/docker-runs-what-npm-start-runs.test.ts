import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVER_ENTRY, SERVER_NODE_ARGS } from '../../scripts/build-server.mjs';
import { REPO_ROOT } from '../helpers/server';

/** The JSON-array form of the Dockerfile's last CMD (the container's PID 1). */
const dockerCommand = (): string[] => {
  const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const lines = dockerfile.split('\n').filter((line) => /^CMD\s+\[/.test(line));
  const last = lines.at(-1);
  if (!last) throw new Error('the Dockerfile has no CMD in JSON-array form');
  return JSON.parse(last.replace(/^CMD\s+/, '')) as string[];
};

/**
 * The image cannot run scripts/start.mjs (node must be PID 1 to get `docker stop`'s SIGTERM),
 * so it repeats the command by hand; a flag added to SERVER_NODE_ARGS (source maps in logs,
 * the memory reducer off) and forgotten there would make production differ from what the
 * tests and the benchmark run.
 */
describe('the Docker image', () => {
  it('runs the built server with the same node flags as npm start', () => {
    const [node, ...rest] = dockerCommand();
    expect(node).toBe('node');
    const entry = rest.at(-1) ?? '';
    expect(path.resolve(REPO_ROOT, entry)).toBe(SERVER_ENTRY);
    expect(rest.slice(0, -1)).toEqual([...SERVER_NODE_ARGS]);
  });
});
