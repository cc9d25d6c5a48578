import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

/**
 * Who pushed a result: the labels that let many CI runners feed one engine and a chart follow one test across
 * commits. `session` is the test or session name; it must be stable across commits (never a temp path) or every
 * commit starts a new line on the chart.
 */
export interface PushIdentity {
  readonly repository: string;
  readonly branch: string;
  readonly commit: string;
  readonly session: string;
  readonly host: string;
}

/** The longest label value we send: a label is a name, not a payload (and the Pushgateway puts values in its URL). */
export const MAX_LABEL_LENGTH = 200;

type Env = Readonly<Record<string, string | undefined>>;

/** git's answer in `cwd`, or undefined outside a repository or without git. */
function git(cwd: string, args: string[]): string | undefined {
  try {
    const out = execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    return out === '' ? undefined : out;
  } catch {
    return undefined;
  }
}

/**
 * A remote URL as a repository name: credentials dropped (an https://user:token@ remote must never reach a label), the
 * host kept, ".git" dropped: "https://x:t@github.com/a/b.git" and "git@github.com:a/b.git" both give "github.com/a/b".
 */
export function repositoryName(remote: string): string {
  const scp = /^[^@/]+@([^:/]+):(.+)$/.exec(remote);
  let name: string;
  if (scp) name = `${scp[1]}/${scp[2]}`;
  else {
    try {
      const u = new URL(remote);
      name = u.protocol === 'file:' ? u.pathname : `${u.host}${u.pathname}`;
    } catch {
      name = remote; // a local path as remote
    }
  }
  return name.replace(/\.git\/?$/, '').replace(/\/+$/, '');
}

/**
 * The identity from CI variables first (a CI checkout is often a detached HEAD, whose branch git cannot name), then
 * git in `cwd`: GitHub Actions (GITHUB_*), GitLab CI (CI_*), else git. Anything unknown is "unknown", said once.
 */
export function pushIdentity(session: string, cwd: string, env: Env = process.env): PushIdentity {
  const server = env.GITHUB_SERVER_URL ? new URL(env.GITHUB_SERVER_URL).host : 'github.com';
  const remote = git(cwd, ['config', '--get', 'remote.origin.url']);
  const repository =
    (env.GITHUB_REPOSITORY && `${server}/${env.GITHUB_REPOSITORY}`) ||
    (env.CI_PROJECT_URL && repositoryName(env.CI_PROJECT_URL)) ||
    (remote && repositoryName(remote)) ||
    git(cwd, ['rev-parse', '--show-toplevel'])?.split('/').pop();
  // GITHUB_HEAD_REF is a pull request's source branch; GITHUB_REF_NAME is then "123/merge".
  const branch =
    env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || env.CI_COMMIT_REF_NAME || git(cwd, ['symbolic-ref', '--short', '-q', 'HEAD']);
  const commit = env.GITHUB_SHA || env.CI_COMMIT_SHA || git(cwd, ['rev-parse', 'HEAD']);
  return {
    repository: clip(repository ?? 'unknown'),
    branch: clip(branch ?? 'unknown'),
    commit: clip(commit ?? 'unknown'),
    session: clip(session),
    host: clip(os.hostname()),
  };
}

function clip(s: string): string {
  return s.length > MAX_LABEL_LENGTH ? s.slice(0, MAX_LABEL_LENGTH) : s;
}
