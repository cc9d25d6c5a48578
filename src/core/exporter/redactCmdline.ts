/**
 * Redaction of secrets in the cmdline label. Scaphandre publishes every process's full command line and so do we
 * (dashboards key on it), but on a shared host or in stack mode anyone who can scrape the exporter would read
 * `--db-password=…` or `--grafana-token …`. The label concatenates argv with no separator (Scaphandre's form), so
 * redaction has to work on the argv elements before they are joined: after joining, `--token` and its value run
 * together with the next flag and nothing can tell where the secret ends.
 */

export const REDACTED = '<redacted>';

/**
 * Names that hold secrets, matched anywhere in a flag, env-style or header name (case-insensitive): password,
 * passwd, passphrase, secret, token, api-key/apikey/api_key, access-key, private-key, credential(s), bearer,
 * and auth / authorization / pwd / pass as whole words (so `--author` or `--passes` are left alone).
 */
const SECRET_PART = /passw(?:or)?d|passphrase|secret|token|api[-_.]?key|access[-_.]?key|private[-_.]?key|credentials?|bearer|signature/i;
const SECRET_WORD = /^(?:auth|authorization|pwd|pass)$/i;

/** Whether a flag, variable or header name (`--db-password`, `-Dspring.datasource.password`, `GITHUB_TOKEN`) names a secret. */
export function isSecretName(name: string): boolean {
  const bare = name.replace(/^-+/, '').replace(/:$/, '');
  if (bare === '' || /^no-/i.test(bare)) return false;
  if (SECRET_PART.test(bare)) return true;
  // Whole words only (x-auth, http.auth, mysql-pwd, auth), so `--author` or `--passes` are left alone.
  return bare.split(/[-_.]/).some((w) => SECRET_WORD.test(w));
}

/** `scheme://user:password@host` → `scheme://user:<redacted>@host`, and `?token=x` query values, anywhere in a string. */
function redactUrlCredentials(s: string): string {
  return s
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^/\s@]*@/gi, `$1:${REDACTED}@`)
    .replace(/([?&;]([^=&;#\s]+)=)[^&;#\s]+/g, (m, head: string, name: string) => (isSecretName(name) ? `${head}${REDACTED}` : m));
}

/** One token: `--name=value`, `NAME=value` or `Name: value` with a secret name keeps the name and loses the value. */
function redactToken(tok: string): { out: string; secretFlag: boolean } {
  const eq = tok.indexOf('=');
  if (eq > 0) {
    const name = tok.slice(0, eq);
    // A flag (-x, --x, -Dx) or an env-style name; not a value that happens to contain '=' (base64 padding, a URL query).
    if (/^(?:-{1,2}[\w.-]+|[A-Za-z_][\w.-]*)$/.test(name) && isSecretName(name)) {
      return { out: eq + 1 < tok.length ? `${name}=${REDACTED}` : tok, secretFlag: false };
    }
    return { out: redactUrlCredentials(tok), secretFlag: false };
  }
  // `--token VALUE`, `-H 'Authorization: Bearer VALUE'` split on spaces: the next token is the secret.
  const flag = /^(?:-{1,2}[\w.-]+|[A-Za-z][\w-]*:)$/.test(tok) ? isSecretName(tok) : /^(?:bearer|basic)$/i.test(tok);
  return { out: redactUrlCredentials(tok), secretFlag: flag };
}

/** A list of tokens where a secret flag's value is the token after it (unless that is another flag). */
function redactTokens(tokens: readonly string[], split: boolean): string[] {
  const out: string[] = [];
  let pending = false;
  for (const tok of tokens) {
    if (pending && tok !== '' && !tok.startsWith('-')) {
      // `Authorization: Bearer x`: the scheme stays readable, the credential after it does not.
      const scheme = /^(?:bearer|basic|digest)$/i.test(tok);
      out.push(scheme ? tok : REDACTED);
      pending = scheme;
      continue;
    }
    // A `sh -c "… --password x …"` or a title rewritten by setproctitle is one element holding a whole command.
    if (split && /\s/.test(tok)) {
      const parts = tok.split(/(\s+)/);
      const words = redactTokens(
        parts.filter((_, i) => i % 2 === 0),
        false,
      );
      out.push(parts.map((p, i) => (i % 2 === 0 ? words[i / 2] : p)).join(''));
      pending = false;
      continue;
    }
    const r = redactToken(tok);
    out.push(r.out);
    pending = r.secretFlag;
  }
  return out;
}

/**
 * argv with the values of secret-looking arguments replaced by `<redacted>`: `--password=x`, `--token x` (the
 * element after a secret flag), `DB_PASSWORD=x` (env style, e.g. under `env`), `Authorization: Bearer x`, and the
 * password of `scheme://user:pass@host` URLs; inside elements holding spaces (`sh -c '…'`) too. Short flags whose
 * value is glued on (`mysql -pSECRET`) cannot be told from other flags and are not redacted.
 */
export function redactArgv(argv: readonly string[]): string[] {
  return redactTokens(argv, true);
}

/**
 * The cmdline label with secrets redacted, Scaphandre's form (argv joined with no separator), redacted once per
 * process (pid + start time) so a scrape-rate sampler does not redo the work. The argv is the one ProcScanner
 * already read for the process's identity.
 */
export class RedactedCmdlines {
  private readonly cache = new Map<string, string>();

  get(pid: number, start: number, argv: readonly string[]): string {
    const key = `${pid}:${start}`;
    let c = this.cache.get(key);
    if (c === undefined) {
      c = redactArgv(argv).join('');
      this.cache.set(key, c);
    }
    return c;
  }

  /** Drops the processes that are gone (the cache only grows past twice the live count before a sweep). */
  trim(live: ReadonlyMap<number, { start: number }>): void {
    if (this.cache.size <= live.size * 2 + 64) return;
    for (const key of this.cache.keys()) {
      const [pid, start] = key.split(':').map(Number);
      if (live.get(pid)?.start !== start) this.cache.delete(key);
    }
  }
}
