import type { Rule } from '../../types';

/** DL3035-DL3068. */
export const hadolintPart2: readonly Rule[] = [];
