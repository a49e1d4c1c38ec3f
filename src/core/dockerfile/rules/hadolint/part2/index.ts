import type { Rule } from '../../types';
import { generalRules } from './general';
import { labelRules } from './labels';
import { languageRules } from './languages';
import { rpmRules } from './rpm';

/**
 * hadolint 2.15's rules DL3035-DL3067, in code order. DL3039 was retired by hadolint
 * and DL3068 does not exist in 2.15, so neither is here.
 */
export const hadolintPart2: readonly Rule[] = [...rpmRules, ...languageRules, ...generalRules, ...labelRules]
  // Codes are `DL` and four digits: code-unit order is numeric order (and needs no ICU collator at startup).
  .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
