import { berthRules } from './berth/index';
import { buildkitRules } from './buildkit/index';
import { hadolintRules } from './hadolint/index';
import type { Rule } from './types';

export const ALL_RULES: readonly Rule[] = [...hadolintRules, ...buildkitRules, ...berthRules];

const byCode = new Map(ALL_RULES.map((r) => [r.code.toLowerCase(), r]));

/** Looks a rule up by code, case-insensitively (BuildKit names are case-insensitive in `# check=`). */
export function findRule(code: string): Rule | undefined {
  return byCode.get(code.toLowerCase());
}
