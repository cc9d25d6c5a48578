// How energy profiles word energy, shares and code locations: the flame graph webview and the editor (CodeLens,
// line heat) show the same figures the same way. Browser-safe: no Node built-ins.

/** Joules with precision that follows the size: "0.042 J", "2.10 J", "123 J", "4.51 kJ". */
export function joulesText(joules: number): string {
  if (!Number.isFinite(joules)) return '– J';
  const a = Math.abs(joules);
  if (a >= 10_000) return `${(joules / 1000).toFixed(2)} kJ`;
  if (a >= 100) return `${joules.toFixed(0)} J`;
  if (a >= 1) return `${joules.toFixed(2)} J`;
  return `${joules.toFixed(3)} J`;
}

/** A 0..1 share as "34.0%". */
export function percentText(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : '–%';
}

/** "app.js:10" (the file's base name), or '' when the frame has no file. */
export function locationText(f: { readonly file?: string; readonly line?: number }): string {
  if (!f.file) return '';
  const base = f.file.split(/[\\/]/).pop() ?? f.file;
  return f.line ? `${base}:${f.line}` : base;
}

/** Whether a frame's file is a path on disk (not `node:internal/...`, `<frozen ...>` or a URL), so it can be opened. */
export function isDiskPath(file: string | undefined): file is string {
  return file !== undefined && (file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file));
}
