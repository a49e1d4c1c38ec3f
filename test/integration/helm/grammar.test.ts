// The helm-template grammar (syntaxes/helm-template.tmLanguage.json) tokenized by the engine
// VS Code uses (vscode-textmate + vscode-oniguruma) together with VS Code's own YAML grammar,
// both from the cached code-server that scripts/vscode/ensure.mjs installs. Moved here from
// test/unit/helm/grammar.test.ts: a missing code-server fails the run (with the command that
// installs it) instead of skipping.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const GRAMMAR_PATH = resolve(__dirname, '../../../syntaxes/helm-template.tmLanguage.json');

function vscodeDir(): string | undefined {
  const cache = process.env.BERTH_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'berth');
  if (!existsSync(cache)) return undefined;
  for (const entry of readdirSync(cache).filter((e) => e.startsWith('code-server-')).sort().reverse()) {
    const dir = join(cache, entry, 'node_modules', 'code-server', 'lib', 'vscode');
    if (existsSync(join(dir, 'node_modules', 'vscode-textmate')) && existsSync(join(dir, 'extensions', 'yaml', 'syntaxes', 'yaml.tmLanguage.json'))) return dir;
  }
  return undefined;
}

interface Token {
  startIndex: number;
  endIndex: number;
  scopes: string[];
}
interface TextMate {
  Registry: new (options: unknown) => { loadGrammar(scope: string): Promise<{ tokenizeLine(line: string, stack: unknown): { tokens: Token[]; ruleStack: unknown } } | null> };
  parseRawGrammar(text: string, path: string): unknown;
  INITIAL: unknown;
}
interface Oniguruma {
  loadWASM(data: ArrayBuffer): Promise<void>;
  OnigScanner: new (patterns: string[]) => unknown;
  OnigString: new (text: string) => unknown;
}

function requireVscodeDir(): string {
  const dir = vscodeDir();
  if (dir === undefined) {
    const cache = process.env.BERTH_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'berth');
    throw new Error(`No cached code-server with vscode-textmate and VS Code's YAML grammar under ${cache}. Install it: node scripts/vscode/ensure.mjs`);
  }
  return dir;
}

describe('helm-template grammar in VS Code\'s TextMate engine', () => {
  it('finds actions in plain, quoted, block and flow YAML, and keeps YAML around them', async () => {
    const dir = requireVscodeDir();
    const load = createRequire(join(dir, 'node_modules', 'x.js'));
    const textmate = load('vscode-textmate') as TextMate;
    const oniguruma = load('vscode-oniguruma') as Oniguruma;
    const wasm = readFileSync(join(dir, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const syntaxes = join(dir, 'extensions', 'yaml', 'syntaxes');
    const registry = new textmate.Registry({
      onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
      loadGrammar: (scope: string) => {
        if (scope === 'source.yaml.helm') return textmate.parseRawGrammar(readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH);
        const file = scope === 'source.yaml' ? 'yaml.tmLanguage.json' : /^source\.yaml\.(1\.\d)$/.test(scope) ? `yaml-${scope.slice('source.yaml.'.length)}.tmLanguage.json` : scope === 'source.yaml.embedded' ? 'yaml-embedded.tmLanguage.json' : undefined;
        return file && existsSync(join(syntaxes, file)) ? textmate.parseRawGrammar(readFileSync(join(syntaxes, file), 'utf8'), file) : null;
      },
    });
    const helm = await registry.loadGrammar('source.yaml.helm');
    assert.ok(helm);
    const text = [
      '{{- /* the labels',
      'of every object */ -}}',
      'name: web-{{ .Release.Name }}-svc',
      'image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
      'flow: { key: {{ .Values.flowValue }}, b: 2 }',
      'script: |',
      '  {{- range $key, $value := .Values.env }}',
      '  {{ $key }}={{ $value | quote }}',
      '  {{- end }}',
      'labels:',
      '  {{- include "mychart.labels" . | nindent 4 }}',
      'broken: {{ (default 1 .Values.x }}',
      'after: plain',
    ];
    const scopesOf = new Map<string, string[]>();
    let stack = textmate.INITIAL;
    text.forEach((line, n) => {
      const result = helm.tokenizeLine(line, stack);
      stack = result.ruleStack;
      for (const token of result.tokens) {
        const piece = line.slice(token.startIndex, token.endIndex).trim();
        if (piece) scopesOf.set(`${n}:${piece}`, token.scopes);
      }
    });
    const has = (key: string, scope: string): void => {
      const scopes = scopesOf.get(key);
      assert.ok(scopes, `no token ${key}; tokens: ${[...scopesOf.keys()].join(' | ')}`);
      assert.ok(scopes.includes(scope), `${key}: ${scopes.join(' ')}`);
    };
    has('0:/*', 'comment.block.helm');
    has('1:of every object', 'comment.block.helm');
    has('2:web-', 'string.unquoted.plain.out.yaml');
    has('2:Release', 'variable.language.helm');
    has('2:Name', 'variable.other.member.helm');
    has('2:-svc', 'string.unquoted.plain.out.yaml');
    has('3:tag', 'string.quoted.double.yaml');
    has('3:tag', 'meta.embedded.block.helm');
    has('3:default', 'support.function.builtin.helm');
    has('4:key', 'entity.name.tag.yaml');
    has('4:flowValue', 'meta.flow.mapping.yaml');
    has('4:flowValue', 'variable.other.member.helm');
    has('4:}}', 'punctuation.section.embedded.end.helm');
    has('6:range', 'keyword.control.helm');
    has('6:$key', 'variable.other.helm');
    has('6::=', 'keyword.operator.assignment.helm');
    has('7:quote', 'string.unquoted.block.yaml');
    has('10:"mychart.labels"', 'entity.name.function.template.helm');
    has('10:|', 'keyword.operator.pipe.helm');
    has('10:4', 'constant.numeric.helm');
    // An unbalanced parenthesis does not keep the action open.
    has('11:}}', 'punctuation.section.embedded.end.helm');
    has('12:after', 'entity.name.tag.yaml');
    assert.ok(!(scopesOf.get('12:plain') ?? []).some((s) => s.includes('helm') && s !== 'source.yaml.helm'));
  });
});
