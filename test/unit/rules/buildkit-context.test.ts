import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintDockerfile } from '../../../src/core/dockerfile/lint';
import type { Finding } from '../../../src/core/dockerfile/rules/types';
import { copyIgnoredFile } from '../../../src/core/dockerfile/rules/buildkit/context';

function lint(text: string, dockerignore: string | undefined): readonly Finding[] {
  return lintDockerfile({ text, rules: [copyIgnoredFile], options: { buildContext: { dockerignore } } }).findings;
}

void describe('CopyIgnoredFile', () => {
  const ignore = 'node_modules\n*.log\nbuild/\n**/secret.txt\n';

  void it('flags each ignored COPY or ADD source, at the source, naming the pattern', () => {
    const findings = lint('FROM alpine\nCOPY node_modules/react app.log src /app/\nADD ./build/out.tar /opt/\n', ignore);
    assert.deepEqual(findings.map((f) => [f.range.start.line, f.range.start.col]), [[1, 5], [1, 24], [2, 4]]);
    assert.match(findings[0]?.message ?? '', /'node_modules\/react'.*pattern 'node_modules' on line 1/);
    assert.match(findings[2]?.message ?? '', /this ADD/);
  });
  void it('accepts sources the context keeps', () => {
    assert.equal(lint('FROM alpine\nCOPY src package.json logs/app.log /app/\n', ignore).length, 0);
  });
  void it('finds nested matches of ** patterns and sources given with a leading slash', () => {
    assert.equal(lint('FROM alpine\nCOPY config/dev/secret.txt /x\nCOPY /build /b\n', ignore).length, 2);
  });
  void it('checks the JSON form', () => {
    assert.equal(lint('FROM alpine\nCOPY ["node_modules", "/app/node_modules"]\n', ignore).length, 1);
  });
  void it('expands known variables in sources and skips unknown ones', () => {
    assert.equal(lint('FROM alpine\nARG OUT=build\nCOPY ${OUT}/app /app\n', ignore).length, 1);
    assert.equal(lint('FROM alpine\nARG OUT\nCOPY ${OUT}/app /app\n', ignore).length, 0);
  });
  void it('does not look at COPY --from, URLs, heredocs or ONBUILD', () => {
    const text = 'FROM alpine AS b\nFROM alpine\nCOPY --from=b node_modules /x\nADD https://example.com/app.log /x\nCOPY <<EOF /build\nhi\nEOF\nONBUILD COPY node_modules /x\n';
    assert.equal(lint(text, ignore).length, 0);
  });
  void it('is skipped when the .dockerignore re-includes anything, as in BuildKit', () => {
    assert.equal(lint('FROM alpine\nCOPY node_modules /x\n', `${ignore}!build/keep\n`).length, 0);
  });
  void it('is skipped without a known build context or with an empty .dockerignore', () => {
    assert.equal(lint('FROM alpine\nCOPY node_modules /x\n', undefined).length, 0);
    assert.equal(lint('FROM alpine\nCOPY node_modules /x\n', '# nothing\n').length, 0);
    assert.equal(lintDockerfile({ text: 'FROM alpine\nCOPY node_modules /x\n', rules: [copyIgnoredFile] }).findings.length, 0);
  });
  void it('flags copying the whole context only when everything is ignored', () => {
    assert.equal(lint('FROM alpine\nCOPY . /app\n', ignore).length, 0);
    assert.equal(lint('FROM alpine\nCOPY . /app\nCOPY ./ /app\n', '*\n').length, 2);
    assert.equal(lint('FROM alpine\nCOPY . /app\n', '**/*\n').length, 1);
  });
});
