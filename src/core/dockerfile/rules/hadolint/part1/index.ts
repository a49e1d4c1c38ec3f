import type { Rule } from '../../types';

/** DL1001, DL3000-DL3034, DL4000-DL4006. */
export const hadolintPart1: readonly Rule[] = [];
