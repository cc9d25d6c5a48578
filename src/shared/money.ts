// The one money format of every surface (status bar tooltip, details, power view, Energy Sessions, CLI), so a
// cost reads the same wherever it shows (issue 19: "0.00 EUR", "< 0.000001 EUR" and "0.0000013 EUR" in one tool).
// Rule: the currency's own decimals (2 for EUR, 0 for JPY, 3 for KWD) from one minor unit up; below that, two
// significant figures, however small, so a non-zero cost never reads 0.00. Digits in en-US form whatever the
// locale (the extension host, the webview and a terminal each have their own), the ISO code after the number.
// Plain Intl only: imported by core and by the webviews.

/** Shown for a missing or non-finite amount (as the power view's other cells). */
const MISSING = '–';

interface MoneyFormat {
  readonly regular: Intl.NumberFormat;
  readonly small: Intl.NumberFormat;
  /** One minor unit: 0.01 for EUR, 1 for JPY. */
  readonly minorUnit: number;
}

const cache = new Map<string, MoneyFormat>();

function moneyFormat(currency: string): MoneyFormat {
  let f = cache.get(currency);
  if (!f) {
    let digits = 2;
    try {
      // Intl knows each currency's decimals; it throws for a malformed code ("EURO", "€"), which keeps 2.
      digits = new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      // An unknown code is still shown as given, with 2 decimals.
    }
    f = {
      regular: new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false }),
      small: new Intl.NumberFormat('en-US', { minimumSignificantDigits: 2, maximumSignificantDigits: 2, useGrouping: false }),
      minorUnit: 10 ** -digits,
    };
    cache.set(currency, f);
  }
  return f;
}

/** E.g. "0.15 EUR", "0.00040 EUR", "0.000000048 GBP", "12 JPY", "0.00 EUR" (only for a cost of exactly 0). */
export function formatMoney(amount: number, currency: string): string {
  if (!Number.isFinite(amount)) return `${MISSING} ${currency}`;
  const f = moneyFormat(currency);
  // A sum that rounds to at least one minor unit shows it; anything smaller keeps two significant figures.
  const number = amount !== 0 && Math.abs(amount) < f.minorUnit * 0.995 ? f.small.format(amount) : f.regular.format(amount);
  return `${number} ${currency}`;
}
