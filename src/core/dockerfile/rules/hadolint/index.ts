import type { Rule } from '../types';
import { hadolintPart1 } from './part1/index';
import { hadolintPart2 } from './part2/index';

/** hadolint's DL rules (hadolint 2.15), with its codes and semantics. */
export const hadolintRules: readonly Rule[] = [...hadolintPart1, ...hadolintPart2];
