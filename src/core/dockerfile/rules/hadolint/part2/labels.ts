/**
 * hadolint's label rules: key syntax (DL3048) and the label schema of `.hadolint.yaml`
 * (`label-schema`, `strict-labels`): missing (DL3049), superfluous (DL3050), empty
 * (DL3051) and badly formatted labels (DL3052-DL3056, DL3058).
 */
import type { Instruction, Range } from '../../../model';
import { argRange } from '../../../positions';
import { unquote } from '../../../variables';
import type { LintOptions, Rule, RuleContext, RuleDoc } from '../../types';
import { firstLineRange, instructionsOf } from '../../util';
import { isLeafStage } from './common';
import { stageChain } from '../../../stages';
import { isValidEmail, isValidGitHash, isValidRfc3339, isValidSemver, isValidSpdx, isValidUrl } from './labelFormats';
import { wordsOf } from '../../../args';

/** One `key=value` of a LABEL, with where its key and the whole pair are. */
export interface LabelPair {
  readonly key: string;
  readonly value: string;
  readonly keyRange: Range;
  readonly range: Range;
}

const pairCache = new WeakMap<Instruction, readonly LabelPair[]>();

/** The pairs of a LABEL: `k=v k2="v 2"`, or the legacy `LABEL key value with spaces`. Cached per instruction. */
export function labelPairs(inst: Instruction): readonly LabelPair[] {
  let pairs = pairCache.get(inst);
  if (!pairs) { pairs = computeLabelPairs(inst); pairCache.set(inst, pairs); }
  return pairs;
}

function computeLabelPairs(inst: Instruction): LabelPair[] {
  const words = wordsOf(inst);
  const first = words[0];
  if (!first) return [];
  if (!first.text.includes('=') && words.length > 1) {
    const whole = argRange(inst, first.offset, inst.args.length - first.offset);
    return [{ key: unquote(first.text), value: unquote(inst.args.slice(first.offset + first.text.length).trim()), keyRange: argRange(inst, first.offset, first.text.length), range: whole }];
  }
  return words.map((w) => {
    const eq = w.text.indexOf('=');
    const keyText = eq < 0 ? w.text : w.text.slice(0, eq);
    return {
      key: unquote(keyText),
      value: eq < 0 ? '' : unquote(w.text.slice(eq + 1)),
      keyRange: argRange(inst, w.offset, keyText.length),
      range: argRange(inst, w.offset, w.text.length),
    };
  });
}

/**
 * Attaches the lint options the examples need (a label schema): label rules do nothing
 * without one. Stored as `doc.options`, which the examples test and the docs generator
 * should pass to `lintDockerfile` (RuleDoc has no such field yet; see the part-2 report).
 */
function withOptions(doc: RuleDoc, options: Partial<LintOptions>): RuleDoc {
  return Object.assign({}, doc, { options });
}

function labels(ctx: RuleContext): { inst: Instruction; pairs: readonly LabelPair[] }[] {
  return instructionsOf(ctx.df, 'LABEL').map((inst) => ({ inst, pairs: labelPairs(inst) }));
}

/** Docker's recommended key format: lower-case alphanumerics, `.` and `-`, no reserved namespace. */
export function isValidLabelKey(key: string): boolean {
  if (!/^[a-z]/.test(key) || !/[a-z0-9]$/.test(key) || !/^[a-z0-9.-]+$/.test(key)) return false;
  if (/^(com\.docker\.|io\.docker\.|org\.dockerproject\.)/.test(key)) return false;
  return !key.includes('..') && !key.includes('--');
}

export const DL3048: Rule = {
  code: 'DL3048',
  family: 'hadolint',
  severity: 'style',
  title: 'Invalid label key.',
  doc: {
    why: 'Label keys are read by tools (registries, scanners, orchestrators) that expect reverse-DNS, lower-case keys; the com.docker.*, io.docker.* and org.dockerproject.* namespaces are reserved for Docker itself.',
    bad: 'FROM alpine:3.20\nLABEL Maintainer="team@example.com"\n',
    good: 'FROM alpine:3.20\nLABEL org.opencontainers.image.authors="team@example.com"\n',
  },
  check(ctx) {
    for (const { pairs } of labels(ctx)) {
      for (const pair of pairs) if (!isValidLabelKey(pair.key)) ctx.report(pair.keyRange, 'Invalid label key.');
    }
  },
};

export const DL3049: Rule = {
  code: 'DL3049',
  family: 'hadolint',
  severity: 'info',
  title: 'Label `<label>` is missing.',
  doc: withOptions({
    why: 'The labels the team agreed on (in `label-schema`) are how images are traced back to their source, owner and licence; an image without them cannot be audited.',
    bad: 'FROM alpine:3.20\nRUN true\n',
    good: 'FROM alpine:3.20\nLABEL version="1.0.0"\n',
    deviation: 'Only stages that are built as images are checked (the final stage and stages nothing else uses), and labels inherited from an earlier stage count. hadolint also reports stages that are only the base of another stage.',
  }, { labelSchema: { version: 'semver' } }),
  check(ctx) {
    const required = Object.keys(ctx.options.labelSchema);
    if (required.length === 0) return;
    for (const stage of ctx.df.stages) {
      if (!isLeafStage(stage)) continue;
      const present = new Set<string>();
      for (const s of stageChain(ctx.df.stages, stage)) {
        for (const inst of s.instructions) if (inst.keyword === 'LABEL') for (const p of labelPairs(inst)) present.add(p.key);
      }
      for (const label of required) {
        if (!present.has(label)) ctx.report(firstLineRange(stage.from), `Label \`${label}\` is missing.`);
      }
    }
  },
};

export const DL3050: Rule = {
  code: 'DL3050',
  family: 'hadolint',
  severity: 'info',
  title: 'Superfluous label(s) present.',
  doc: withOptions({
    why: 'With `strict-labels`, the label schema is the complete list: other labels are typos of schema labels or metadata nobody maintains.',
    bad: 'FROM alpine:3.20\nLABEL version="1.0.0" team="payments"\n',
    good: 'FROM alpine:3.20\nLABEL version="1.0.0"\n',
  }, { labelSchema: { version: 'semver' }, strictLabels: true }),
  check(ctx) {
    if (!ctx.options.strictLabels) return;
    const schema = ctx.options.labelSchema;
    for (const { pairs } of labels(ctx)) {
      const extra = pairs.find((p) => !Object.prototype.hasOwnProperty.call(schema, p.key));
      if (extra) ctx.report(extra.keyRange, 'Superfluous label(s) present.');
    }
  },
};

export const DL3051: Rule = {
  code: 'DL3051',
  family: 'hadolint',
  severity: 'warning',
  title: 'label `<label>` is empty.',
  doc: withOptions({
    why: 'An empty schema label satisfies "the label exists" while carrying no information, which defeats the point of requiring it.',
    bad: 'FROM alpine:3.20\nLABEL version=""\n',
    good: 'FROM alpine:3.20\nLABEL version="1.0.0"\n',
  }, { labelSchema: { version: 'text' } }),
  check(ctx) {
    const schema = ctx.options.labelSchema;
    // Only labels of the schema are checked: without one there is nothing to do.
    if (Object.keys(schema).length === 0) return;
    for (const { pairs } of labels(ctx)) {
      for (const pair of pairs) {
        if (Object.prototype.hasOwnProperty.call(schema, pair.key) && pair.value === '') ctx.report(pair.range, `label \`${pair.key}\` is empty.`);
      }
    }
  },
};

/** The key of the first label of an example, so that its schema can name it. */
function labelOf(example: string): string {
  return /LABEL ([a-z.-]+)=/.exec(example)?.[1] ?? 'label';
}

/** A rule that checks the value of every schema label of one type. */
function formatRule(code: string, type: string, title: string, why: string, bad: string, good: string, valid: (v: string) => boolean,
  message: (label: string) => string, deviation?: string): Rule {
  return {
    code,
    family: 'hadolint',
    severity: 'warning',
    title,
    doc: withOptions({ why, bad, good, ...(deviation === undefined ? {} : { deviation }) }, { labelSchema: { [labelOf(bad)]: type } }),
    check(ctx) {
      const schema = ctx.options.labelSchema;
      // Only labels the schema gives this type are checked.
      if (!Object.values(schema).some((t) => typeof t === 'string' && t.toLowerCase() === type)) return;
      for (const { pairs } of labels(ctx)) {
        for (const pair of pairs) {
          if (Object.prototype.hasOwnProperty.call(schema, pair.key) && schema[pair.key]?.toLowerCase() === type && !valid(pair.value)) {
            ctx.report(pair.range, message(pair.key));
          }
        }
      }
    },
  };
}

export const DL3052 = formatRule('DL3052', 'url', 'Label `<label>` is not a valid URL.',
  'A label declared as a URL is followed by tools (documentation and source links); a malformed one leads nowhere.',
  'FROM alpine:3.20\nLABEL documentation="docs.example.com/app"\n',
  'FROM alpine:3.20\nLABEL documentation="https://docs.example.com/app"\n',
  isValidUrl, (l) => `Label \`${l}\` is not a valid URL.`);

export const DL3053 = formatRule('DL3053', 'rfc3339', 'Label `<label>` is not a valid time format - must be conform to RFC3339.',
  'Creation times in RFC 3339 sort and compare correctly across tools and time zones; free-form dates do not.',
  'FROM alpine:3.20\nLABEL created="May 1st 2024"\n',
  'FROM alpine:3.20\nLABEL created="2024-05-01T12:30:00Z"\n',
  isValidRfc3339, (l) => `Label \`${l}\` is not a valid time format - must be conform to RFC3339.`);

export const DL3054 = formatRule('DL3054', 'spdx', 'Label `<label>` is not a valid SPDX identifier.',
  'Licence scanners match SPDX identifiers exactly; "Apache 2" or "GPL" cannot be checked against a licence policy.',
  'FROM alpine:3.20\nLABEL license="Apache 2"\n',
  'FROM alpine:3.20\nLABEL license="Apache-2.0"\n',
  isValidSpdx, (l) => `Label \`${l}\` is not a valid SPDX identifier.`,
  'SPDX license expressions are accepted as well (`MIT OR Apache-2.0`, `GPL-2.0-only WITH Classpath-exception-2.0`, `LicenseRef-*`), and identifiers match case-insensitively as the SPDX specification says: org.opencontainers.image.licenses is defined as an expression.');

export const DL3055 = formatRule('DL3055', 'hash', 'Label `<label>` is not a valid git hash.',
  'A revision label is how an image is traced back to its commit; anything but a hash (a branch name, a tag) moves.',
  'FROM alpine:3.20\nLABEL git-revision="main"\n',
  'FROM alpine:3.20\nLABEL git-revision="4f2c9e1"\n',
  (v) => isValidGitHash(v, true), (l) => `Label \`${l}\` is not a valid git hash.`,
  'Full SHA-256 hashes (64 hex digits, git repositories in sha256 object format) are accepted besides short (7) and SHA-1 (40) hashes.');

export const DL3056 = formatRule('DL3056', 'semver', 'Label `<label>` does not conform to semantic versioning.',
  'Tools compare versions to order releases; only Semantic Versioning strings compare reliably.',
  'FROM alpine:3.20\nLABEL version="v1.0"\n',
  'FROM alpine:3.20\nLABEL version="1.0.0"\n',
  isValidSemver, (l) => `Label \`${l}\` does not conform to semantic versioning.`);

export const DL3058 = formatRule('DL3058', 'email', 'Label `<label>` is not a valid email format - must be conform to RFC5322.',
  'A contact label nobody can write to is no contact: the address must at least be well formed.',
  'FROM alpine:3.20\nLABEL contact="payments team"\n',
  'FROM alpine:3.20\nLABEL contact="payments@example.com"\n',
  isValidEmail, (l) => `Label \`${l}\` is not a valid email format - must be conform to RFC5322.`);

export const labelRules: readonly Rule[] = [DL3048, DL3049, DL3050, DL3051, DL3052, DL3053, DL3054, DL3055, DL3056, DL3058];
