import * as path from 'node:path';
import type DockerType from 'dockerode';

/** Loads dist/dockerode.js on first use (a runtime require of a computed path: esbuild leaves it alone). */
export function loadDockerode(): typeof DockerType {
  const file = path.join(__dirname, 'dockerode.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(file) as { Docker: typeof DockerType }).Docker;
}
