// The one door to @prometheus-io/lezer-promql. The package ships ESM-only type declarations (its CommonJS build
// has none), so this CommonJS project loads its CommonJS build with require and takes the types in import
// mode; every server module imports the parser and the tree types from here.
import type * as LezerPromql from '@prometheus-io/lezer-promql' with { 'resolution-mode': 'import' };
export type { SyntaxNode, Tree, TreeCursor } from '@lezer/common' with { 'resolution-mode': 'import' };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lezer = require('@prometheus-io/lezer-promql') as typeof LezerPromql;

export const parser: typeof LezerPromql.parser = lezer.parser;
