import type { Rule } from './rules/types';

const FAMILY_NAMES: Record<Rule['family'], string> = {
  hadolint: 'hadolint-compatible (same code and meaning as hadolint 2.15)',
  buildkit: 'Docker BuildKit build check (same name as `docker build --check`)',
  berth: 'Berth size and multi-stage rule',
};

/** Where the upstream tool documents a rule. */
export function upstreamUrl(rule: Rule): string | undefined {
  if (rule.family === 'hadolint') return `https://github.com/hadolint/hadolint/wiki/${rule.code}`;
  // BuildKit defines InvalidBaseImagePlatform but Docker's docs have no page for it.
  if (rule.family === 'buildkit' && rule.code !== 'InvalidBaseImagePlatform') {
    const slug = rule.code.replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
    return `https://docs.docker.com/reference/build-checks/${slug}/`;
  }
  return undefined;
}

/** The Markdown page of one rule (docs/rules/<code>.md). */
export function renderRuleDoc(rule: Rule): string {
  const lines = [
    `# ${rule.code}: ${rule.title}`,
    '',
    `${FAMILY_NAMES[rule.family]}. Default severity: **${rule.severity}**.`,
    '',
    '## Why it matters',
    '',
    rule.doc.why,
    '',
    '## Triggers on',
    '',
    '```dockerfile',
    rule.doc.bad.trimEnd(),
    '```',
    '',
    '## Passes',
    '',
    '```dockerfile',
    rule.doc.good.trimEnd(),
    '```',
    '',
  ];
  if (rule.doc.context) {
    lines.push(rule.doc.context.dockerignore === undefined
      ? 'Both examples are linted with a build context that has no `.dockerignore`.'
      : `Both examples are linted with this \`.dockerignore\`:\n\n\`\`\`\n${rule.doc.context.dockerignore.trimEnd()}\n\`\`\``, '');
  }
  if (rule.doc.deviation) lines.push('## Where Berth differs', '', rule.doc.deviation, '');
  lines.push(
    '## Turning it off',
    '',
    `- For one instruction: \`# hadolint ignore=${rule.code}\` on the line above it (the quick fix writes it).`,
    `- For the project: \`ignored: [${rule.code}]\` in \`.hadolint.yaml\`, or the \`berth.lint.ignoredRules\` setting.`,
  );
  if (rule.family === 'buildkit') lines.push(`- BuildKit's own way: \`# check=skip=${rule.code}\` as the first line of the Dockerfile.`);
  const upstream = upstreamUrl(rule);
  if (upstream) lines.push('', `Upstream documentation: ${upstream}`);
  return `${lines.join('\n')}\n`;
}

/** The index page (docs/rules/README.md). */
export function renderRuleIndex(rules: readonly Rule[]): string {
  const sections: [Rule['family'], string][] = [['berth', 'Berth: image size and multi-stage'], ['hadolint', 'hadolint-compatible'], ['buildkit', 'Docker BuildKit build checks']];
  const out = ['# Berth lint rules', '', `${rules.length} rules. Each page says why the rule matters, with an example that triggers it and one that passes (both checked by the unit tests).`, ''];
  for (const [family, heading] of sections) {
    const inFamily = rules.filter((r) => r.family === family);
    out.push(`## ${heading} (${inFamily.length})`, '', '| Rule | Severity | What it asks |', '|---|---|---|');
    for (const r of inFamily) out.push(`| [${r.code}](${r.code}.md) | ${r.severity} | ${r.title.replace(/\|/g, '\\|')} |`);
    out.push('');
  }
  return out.join('\n');
}
