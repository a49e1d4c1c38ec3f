// Prints, as JSON, what Berth's core reports for a Dockerfile: the e2e suite compares the Problems
// panel of real VS Code with it. Usage: node --import tsx test/e2e/coreFindings.ts <Dockerfile> [.hadolint.yaml]
// Only `ignored` is read from the config file: the other keys change severities, not which codes appear.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_CONFIG, lintDockerfile } from '../../src/core/dockerfile/lint';
import { ALL_RULES } from '../../src/core/dockerfile/rules/index';

const [dockerfilePath, configPath] = process.argv.slice(2);
if (dockerfilePath === undefined) throw new Error('usage: coreFindings.ts <Dockerfile> [.hadolint.yaml]');

let ignored: string[] = [];
if (configPath !== undefined) {
  const config: unknown = parse(readFileSync(configPath, 'utf8'));
  if (typeof config === 'object' && config !== null && 'ignored' in config && Array.isArray(config.ignored)) {
    ignored = config.ignored.map(String);
  }
}
const result = lintDockerfile({ text: readFileSync(dockerfilePath, 'utf8'), config: { ...DEFAULT_CONFIG, ignored } });
const findings = result.findings.map((f) => ({ code: f.code, line: f.range.start.line + 1, fixes: f.fixes.map((x) => x.title) }));
console.log(JSON.stringify({ rules: ALL_RULES.map((r) => r.code), findings }));
