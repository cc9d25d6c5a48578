// Whether a PromQL construct (a function, a syntax, a modifier) exists in the target's language: since which
// version, behind which `--enable-feature` flag while experimental, stable from which version, removed in which.
// The checker, completion and hover all decide with `availability`, so they never disagree.
import { atLeast, type PromqlTarget } from './target';
import { type PromqlFeature } from '../../shared/promqlTarget';

export interface Gate {
  /** First Prometheus version that parses it (absent: 2.42 or earlier). */
  readonly since?: string;
  /** The flag it needs while experimental. */
  readonly feature?: PromqlFeature;
  /** From this version on it needs no flag. */
  readonly stableSince?: string;
  /** First version that no longer knows it (holt_winters: 3.0.0). */
  readonly removedIn?: string;
}

export type Availability =
  { readonly ok: true } | { readonly ok: false; readonly why: 'not-yet' | 'removed' | 'not-enabled'; readonly needs: string };

export function availability(g: Gate, t: PromqlTarget): Availability {
  if (g.removedIn && atLeast(t, g.removedIn)) return { ok: false, why: 'removed', needs: `Prometheus before ${g.removedIn}` };
  if (g.since && !atLeast(t, g.since)) return { ok: false, why: 'not-yet', needs: `Prometheus ${g.since} or later` };
  if (g.feature && !(g.stableSince && atLeast(t, g.stableSince)) && !t.features.has(g.feature)) {
    return { ok: false, why: 'not-enabled', needs: `--enable-feature=${g.feature}` };
  }
  return { ok: true };
}

/** For hover and completion details: "since Prometheus 3.7 · experimental (--enable-feature=…) · stable since 3.14". */
export function describeGate(g: Gate): string | undefined {
  const parts: string[] = [];
  if (g.since) parts.push(`since Prometheus ${g.since}`);
  if (g.feature) parts.push(`experimental (needs --enable-feature=${g.feature})`);
  if (g.stableSince) parts.push(`stable since ${g.stableSince}`);
  if (g.removedIn) parts.push(`removed in ${g.removedIn}`);
  return parts.length ? parts.join(' · ') : undefined;
}
