import { errorMessage } from '../../core/errors';
// Literal values as Prometheus 2.42 reads them: Go string unquoting, Go number parsing, Prometheus durations,
// and RE2 regular expressions (approximated with JavaScript's engine, rejecting what RE2 does not support).

/** Go's strconv.Unquote for PromQL strings (the lexer has already validated escapes). */
export function unquote(literal: string): string {
  const q = literal[0];
  const body = literal.slice(1, literal.length > 1 && literal.endsWith(q) ? -1 : undefined);
  if (q === '`') return body;
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/gs, (_m, e: string) => {
    switch (e[0]) {
      case 'a':
        return '\x07';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'v':
        return '\v';
      case 'x':
        return String.fromCharCode(parseInt(e.slice(1), 16));
      case 'u':
      case 'U': {
        const cp = parseInt(e.slice(1), 16);
        return cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      }
      default:
        return /^[0-7]{3}$/.test(e) ? String.fromCharCode(parseInt(e, 8)) : e;
    }
  });
}

/** Go's ParseInt(s, 0, 64) then ParseFloat(s, 64), as the PromQL parser reads number tokens; undefined if invalid. */
export function goNumberError(s: string): string | undefined {
  // Only 2.54's lexer lets underscores into a number; Go accepts them between digits (strconv's underscoreOK).
  if (s.includes('_')) {
    if (!/^(0[xX]_?)?[0-9a-fA-F]+(_[0-9a-fA-F]+)*(\.[0-9]*)?([eE][+-]?[0-9]+)?$/.test(s) || /\._|_\./.test(s)) {
      return `strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`;
    }
    s = s.replace(/_/g, '');
  }
  if (/^0[xX][0-9a-fA-F]+$/.test(s) || /^(inf|nan)$/i.test(s)) return undefined;
  if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    return Number.isFinite(Number(s)) ? undefined : `strconv.ParseFloat: parsing ${JSON.stringify(s)}: value out of range`;
  }
  return `strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`;
}

export function parseNumber(s: string): number {
  if (/^[-+]?inf$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[-+]?nan$/i.test(s)) return NaN;
  return Number(s.replace(/_/g, ''));
}

const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86400e3, 7 * 86400e3, 86400e3, 3600e3, 60e3, 1e3, 1];

/** Milliseconds, or the error Prometheus' parser gives for the duration token. */
export function parseDuration(s: string): { ms: number } | { error: string } {
  const m = DURATION.exec(s);
  if (!m) return { error: `not a valid duration string: ${JSON.stringify(s)}` };
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) if (m[i + 1]) ms += Number(m[i + 1]) * UNIT_MS[i];
  if (ms > 9223372036854) return { error: 'duration out of range' };
  if (ms === 0) return { error: 'duration must be greater than 0' };
  return { ms };
}

export type RegexCheck = { ok: true; matchesEmpty?: boolean } | { ok: false; error: string };

/** Compiles a label-matcher regex the way Prometheus anchors it; matchesEmpty is undefined when unknown. */
export function checkRegex(re: string): RegexCheck {
  // RE2 (Go 1.19) groups: `(?:`, `(?P<name>`, `(?flags)` and `(?flags:` only; no lookaround, no backreferences.
  if (/\(\?(?!P<\w+>|[imsU-]*[:)])/.test(re.replace(/\\./g, '')) || /\\[1-9]/.test(re)) {
    return { ok: false, error: `error parsing regexp: invalid or unsupported Perl syntax` };
  }
  // RE2 knows only these escapes of letters (JavaScript lets any letter through).
  const esc = /\\(.)/gs;
  for (let m = esc.exec(re); m; m = esc.exec(re)) {
    if (/[A-Za-z]/.test(m[1]) && !'afnrtvxdDsSwWbBAzpPQEC'.includes(m[1]))
      return { ok: false, error: `error parsing regexp: invalid escape sequence: \`\\${m[1]}\`` };
  }
  // RE2 features JavaScript lacks: named groups in Go spelling, POSIX classes, inline flags. Translate the
  // common ones; if the rest cannot be compiled, stay silent rather than guess.
  let js = re.replace(/\(\?P</g, '(?<').replace(/\[:(\^?)(alpha|digit|alnum|space|upper|lower|word|xdigit|punct):\]/g, 'a');
  let flags = '';
  const inline = /^\(\?([imsU]+)\)/.exec(js);
  if (inline) {
    if (inline[1].includes('i')) flags += 'i';
    if (inline[1].includes('s')) flags += 's';
    js = js.slice(inline[0].length);
  }
  if (/\(\?[a-zA-Z]/.test(js)) return { ok: true };
  try {
    const compiled = new RegExp(`^(?:${js})$`, flags);
    return { ok: true, matchesEmpty: compiled.test('') };
  } catch (err) {
    const certain =
      /Unterminated group|Unmatched '\)'|Nothing to repeat|Unterminated character class|Range out of order in character class|Invalid capture group name|\\ at end of pattern/.exec(
        errorMessage(err),
      );
    if (!certain) return { ok: true };
    const what: Record<string, string> = {
      'Unterminated group': 'missing closing )',
      "Unmatched ')'": 'unexpected )',
      'Nothing to repeat': 'missing argument to repetition operator',
      'Unterminated character class': 'missing closing ]',
      'Range out of order in character class': 'invalid character class range',
      'Invalid capture group name': 'invalid named capture',
      '\\ at end of pattern': 'trailing backslash at end of expression',
    };
    return { ok: false, error: `error parsing regexp: ${what[certain[0]]}: \`^(?:${re})$\`` };
  }
}
