import type { Rule } from '../types';

/** Berth's own size and multi-stage rules (BT1xx layers, BT2xx stages and base images). */
export const berthRules: readonly Rule[] = [];
