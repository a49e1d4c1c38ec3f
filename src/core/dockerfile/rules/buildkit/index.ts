import type { Rule } from '../types';

/** Docker's BuildKit build checks, under their own names. */
export const buildkitRules: readonly Rule[] = [];
