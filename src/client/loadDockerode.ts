import * as path from 'node:path';
import type DockerType from 'dockerode';

/** Loads a sibling bundle of dist/ on first use (a runtime require of a computed path: esbuild leaves it alone). */
export function loadBundle<T>(name: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(__dirname, name)) as T;
}

/** dockerode, from dist/dockerode.js. */
export function loadDockerode(): typeof DockerType {
  return loadBundle<{ Docker: typeof DockerType }>('dockerode.js').Docker;
}
