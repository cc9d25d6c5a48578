// The number and duration scanners of Prometheus' lexer: 2.42's scanNumber, 2.54's (underscores between digits,
// hexadecimal with `0x_`), the unit run of a duration, and 3.6's keywords inside duration expressions (step, range,
// min_of ...). Each reads from the lexer's cursor and says whether what it read is well formed.
import { EOF, isAlpha, isAlphaNumeric, type Lexer } from './lexCursor';

export function acceptRemainingDuration(l: Lexer): boolean {
  if (!l.accept('smhdwy')) return false;
  l.accept('s');
  while (l.accept('0123456789')) {
    while (l.accept('0123456789'));
    if (!l.accept('smhdw')) return false;
    l.accept('s');
  }
  return !isAlphaNumeric(l.next());
}

export function scanNumber(l: Lexer): boolean {
  return l.options.numbers254 ? scanNumber254(l) : scanNumber242(l);
}

function scanNumber242(l: Lexer): boolean {
  let digits = '0123456789';
  if (l.accept('0') && l.accept('xX')) digits = '0123456789abcdefABCDEF';
  l.acceptRun(digits);
  if (l.accept('.')) l.acceptRun(digits);
  if (l.accept('eE')) {
    l.accept('+-');
    l.acceptRun('0123456789');
  }
  return !isAlphaNumeric(l.peek());
}

/** 2.54's scanNumber: digits with single underscores between them, one dot, one exponent. */
function scanNumber254(l: Lexer): boolean {
  const initial = l.pos;
  let digits = '0123456789';
  if (l.accept('0') && l.accept('xX')) {
    l.accept('_');
    digits = '0123456789abcdefABCDEF';
  }
  l.accept('.');
  l.accept(digits);
  let dot = false;
  let exponent = false;
  while (l.is(digits + '._eE')) {
    if (l.is('.') && dot) {
      l.accept('.');
      return false;
    }
    if (l.is('eE') && exponent) {
      l.accept('eE');
      return false;
    }
    if (l.accept('.')) {
      dot = true;
      if (l.accept('_.')) return false;
      if (digits.length > 10) return false;
      continue;
    }
    if (l.accept('eE')) {
      exponent = true;
      l.accept('+-');
      if (l.accept('._eE') || l.peek() === EOF) return false;
      continue;
    }
    if (l.accept('_')) {
      if (l.accept('._eE') || l.peek() === EOF) return false;
      continue;
    }
    l.acceptRun(digits);
  }
  if (l.pos === initial) return false;
  return !isAlphaNumeric(l.peek());
}

/** Reads a duration keyword (step, range, min_of ...) whose first letter was just read; false if none. */
export function scanDurationKeyword(l: Lexer): boolean {
  while (isAlpha(l.next()));
  l.backup();
  if (!l.options.durationKeywords?.has(l.input.slice(l.start, l.pos).toLowerCase())) return false;
  l.emit('KEYWORD');
  return true;
}
