import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const GRAMMAR_PATH = resolve(__dirname, '../../../syntaxes/helm-template.tmLanguage.json');

interface Rule {
  match?: string;
  begin?: string;
  end?: string;
  patterns?: Rule[];
  include?: string;
  name?: string;
}

interface Grammar extends Rule {
  scopeName: string;
  repository: Record<string, Rule>;
  injections: Record<string, Rule>;
}

const grammar = JSON.parse(readFileSync(GRAMMAR_PATH, 'utf8')) as Grammar;

function regexOf(rule: string, key: 'match' | 'begin' | 'end' = 'match'): RegExp {
  const source = grammar.repository[rule]?.[key];
  assert.ok(source, `${rule}.${key}`);
  return new RegExp(source);
}

function allRules(): [string, Rule][] {
  const out: [string, Rule][] = [];
  const walk = (where: string, rule: Rule): void => {
    out.push([where, rule]);
    rule.patterns?.forEach((child, i) => {
      walk(`${where}/${i}`, child);
    });
  };
  for (const [name, rule] of Object.entries(grammar.repository)) walk(name, rule);
  for (const [selector, rule] of Object.entries(grammar.injections)) walk(`injection ${selector}`, rule);
  return out;
}

describe('helm-template grammar file', () => {
  it('is JSON with the scope, the YAML base and the priority injection', () => {
    assert.equal(grammar.scopeName, 'source.yaml.helm');
    assert.deepEqual(grammar.patterns?.map((p) => p.include), ['#template', 'source.yaml']);
    assert.deepEqual(Object.keys(grammar.injections), ['L:source.yaml.helm -meta.embedded.block.helm -comment.block.helm']);
  });

  it('every regex compiles in JavaScript and every include resolves', () => {
    let count = 0;
    for (const [where, rule] of allRules()) {
      for (const key of ['match', 'begin', 'end'] as const) {
        const source = rule[key];
        if (source === undefined) continue;
        assert.doesNotThrow(() => new RegExp(source), `${where}.${key}: ${source}`);
        count++;
      }
      if (rule.include?.startsWith('#')) assert.ok(grammar.repository[rule.include.slice(1)], `${where} includes ${rule.include}`);
    }
    assert.ok(count >= 20, `${count} regexes`);
  });

  it('actions begin and end with Go\'s trim markers only when spaced', () => {
    const begin = regexOf('action', 'begin');
    assert.equal(begin.exec('{{- if')?.[2], '-');
    assert.equal(begin.exec('{{-3 }}')?.[2], undefined, '{{-3 is the number -3, not a trim');
    const end = new RegExp(`${grammar.repository.action?.end ?? ''}$`);
    assert.equal(end.exec('x -}}')?.[1], '-');
    assert.equal(end.exec('x-}}')?.[1], undefined);
    const comment = regexOf('comment', 'begin');
    assert.ok(comment.test('{{/* note */}}') && comment.test('{{- /* note */ -}}'));
    assert.ok(!comment.test('{{ .Values }}'));
  });

  it('keywords, functions, fields and numbers are told apart', () => {
    const keywords = regexOf('keywords');
    assert.ok(keywords.test('range $i, $v := .Values.list'));
    assert.ok(!keywords.test('ranges') && !keywords.test('.Values.end') && !keywords.test('$end'));
    const builtins = regexOf('builtin-functions');
    for (const name of ['include', 'tpl', 'required', 'default', 'toYaml', 'nindent', 'indent', 'quote', 'lookup']) assert.ok(builtins.test(name), name);
    assert.ok(!builtins.test('.Values.default'));
    const numbers = regexOf('numbers');
    assert.equal(numbers.exec('printf "%d" -3')?.[0], '-3');
    assert.equal(numbers.exec('.Values.v1')?.[0], undefined);
  });
});

// Real tokenization with the engine VS Code uses and VS Code's own YAML grammar, from the
// cached code-server (scripts/vscode/ensure.mjs) when it is there.
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

const VSCODE = vscodeDir();

describe('helm-template grammar in VS Code\'s TextMate engine', { skip: VSCODE ? false : 'no cached code-server with vscode-textmate' }, () => {
  it('finds actions in plain, quoted, block and flow YAML, and keeps YAML around them', async () => {
    const dir = VSCODE ?? '';
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
