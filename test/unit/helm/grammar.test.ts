import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
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
