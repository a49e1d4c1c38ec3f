import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintDockerfile } from '../../../src/core/dockerfile/lint';
import { hadolintPart1 } from '../../../src/core/dockerfile/rules/hadolint/part1/index';
import type { Finding, TextEdit } from '../../../src/core/dockerfile/rules/types';
import { applyEdits } from '../../../src/core/dockerfile/edits';


function lint(code: string, text: string): Finding[] {
  const rule = hadolintPart1.find((r) => r.code === code);
  assert.ok(rule, code);
  return lintDockerfile({ text, rules: [rule] }).findings.filter((f) => f.code === code);
}

/** Applies the only fix of the first finding, checks that the finding is gone and returns the text. */
function fixed(code: string, text: string, title?: string): string {
  const finding = lint(code, text)[0];
  assert.ok(finding, `${code} did not report:\n${text}`);
  assert.equal(finding.fixes.length, 1, `${code} should offer one fix`);
  const fix = finding.fixes[0];
  assert.ok(fix);
  if (title !== undefined) assert.equal(fix.title, title);
  const out = applyEdits(text, fix.edits);
  assert.equal(lint(code, out).length, lint(code, text).length - 1, `${code} still reported after the fix:\n${out}`);
  return out;
}

function offersNoFix(code: string, text: string): void {
  const found = lint(code, text);
  assert.ok(found.length > 0, `${code} did not report`);
  assert.deepEqual(found.flatMap((f) => f.fixes), []);
}

void describe('applyEdits (test helper)', () => {
  void it('applies edits against the original text in any order', () => {
    const edits: TextEdit[] = [
      { range: { start: { line: 0, col: 0 }, end: { line: 0, col: 1 } }, newText: 'X' },
      { range: { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } }, newText: '+' },
    ];
    assert.equal(applyEdits('ab\ncd\n', edits), 'Xb\nc+d\n');
  });
});

void describe('DL3015 fix: add --no-install-recommends after install', () => {
  void it('edits one line, a continuation line, a heredoc body and ONBUILD', () => {
    assert.equal(fixed('DL3015', 'FROM a:1\nRUN apt-get install -y curl\n', 'Add --no-install-recommends'), 'FROM a:1\nRUN apt-get install --no-install-recommends -y curl\n');
    assert.equal(
      fixed('DL3015', 'FROM a:1\nRUN apt-get update \\\n  && apt-get install -y \\\n     curl\n'),
      'FROM a:1\nRUN apt-get update \\\n  && apt-get install --no-install-recommends -y \\\n     curl\n',
    );
    assert.equal(
      fixed('DL3015', 'FROM a:1\nRUN <<-EOF\n\tapt-get update\n\tapt-get install -y curl\nEOF\n'),
      'FROM a:1\nRUN <<-EOF\n\tapt-get update\n\tapt-get install --no-install-recommends -y curl\nEOF\n',
    );
    assert.equal(fixed('DL3015', 'FROM a:1\nONBUILD RUN sudo apt-get install x\n'), 'FROM a:1\nONBUILD RUN sudo apt-get install --no-install-recommends x\n');
  });
  void it('fixes each command of a RUN separately', () => {
    const text = 'FROM a:1\nRUN apt-get install -y a && apt-get install -y b\n';
    const found = lint('DL3015', text);
    assert.equal(found.length, 2);
    const both = applyEdits(text, found.flatMap((f) => f.fixes[0]?.edits ?? []));
    assert.equal(both, 'FROM a:1\nRUN apt-get install --no-install-recommends -y a && apt-get install --no-install-recommends -y b\n');
  });
  void it('offers no fix for exec form', () => {
    offersNoFix('DL3015', 'FROM a:1\nRUN ["apt-get", "install", "-y", "curl"]\n');
    offersNoFix('DL3015', 'FROM a:1\nRUN ["/bin/sh", "-c", "apt-get install -y curl"]\n');
  });
});

void describe('DL3014 fix: add -y', () => {
  void it('inserts -y after install', () => {
    assert.equal(fixed('DL3014', 'FROM a:1\nRUN apt-get install --no-install-recommends curl\n', 'Add -y'), 'FROM a:1\nRUN apt-get install -y --no-install-recommends curl\n');
  });
});

void describe('DL3019 fix: apk add --no-cache', () => {
  void it('inserts --no-cache after add', () => {
    assert.equal(fixed('DL3019', 'FROM a:1\nRUN apk --update add curl=8\n', 'Use apk add --no-cache'), 'FROM a:1\nRUN apk --update add --no-cache curl=8\n');
  });
});

void describe('DL3020 fix: COPY instead of ADD', () => {
  void it('replaces the keyword, keeping its case and the flags', () => {
    assert.equal(fixed('DL3020', 'FROM a:1\nADD --chown=app:app conf/ /etc/app/\n', 'Use COPY instead of ADD'), 'FROM a:1\nCOPY --chown=app:app conf/ /etc/app/\n');
    assert.equal(fixed('DL3020', 'from a:1\nadd x /y\n'), 'from a:1\ncopy x /y\n');
    assert.equal(fixed('DL3020', 'FROM a:1\nONBUILD ADD x /y\n'), 'FROM a:1\nONBUILD COPY x /y\n');
  });
  void it('offers no fix when ADD-only flags are used', () => {
    offersNoFix('DL3020', 'FROM a:1\nADD --checksum=sha256:abc x /y\n');
  });
});

void describe('DL3025 fix: JSON form', () => {
  void it('converts plain commands, quotes included, across continuation lines', () => {
    assert.equal(fixed('DL3025', 'FROM a:1\nCMD node server.js --port 8080\n', 'Convert to JSON form'), 'FROM a:1\nCMD ["node", "server.js", "--port", "8080"]\n');
    assert.equal(fixed('DL3025', 'FROM a:1\nENTRYPOINT nginx -g "daemon off;"\n'), 'FROM a:1\nENTRYPOINT ["nginx", "-g", "daemon off;"]\n');
    assert.equal(fixed('DL3025', 'FROM a:1\nCMD python \\\n  app.py\n'), 'FROM a:1\nCMD ["python", "app.py"]\n');
  });
  void it('offers no fix when the shell does real work', () => {
    for (const args of ['node $APP', 'a && b', 'FOO=1 node x', 'exec node x', 'java -jar *.jar', 'cat x > y', 'echo `date`', "['node']"]) {
      offersNoFix('DL3025', `FROM a:1\nCMD ${args}\n`);
    }
  });
});

void describe('DL3027 fix: apt-get instead of apt', () => {
  void it('renames the command when apt-get has the sub-command', () => {
    assert.equal(fixed('DL3027', 'FROM a:1\nRUN apt install -y curl\n', 'Use apt-get'), 'FROM a:1\nRUN apt-get install -y curl\n');
    assert.equal(fixed('DL3027', 'FROM a:1\nRUN sudo /usr/bin/apt update\n'), 'FROM a:1\nRUN sudo /usr/bin/apt-get update\n');
  });
  void it('offers no fix for apt-only sub-commands', () => {
    offersNoFix('DL3027', 'FROM a:1\nRUN apt list --installed\n');
    offersNoFix('DL3027', 'FROM a:1\nRUN apt search curl\n');
  });
});

void describe('DL3004 fix: remove sudo', () => {
  void it('removes a bare sudo', () => {
    assert.equal(fixed('DL3004', 'FROM a:1\nRUN sudo apt-get update && sudo  make install\n', 'Remove sudo'), 'FROM a:1\nRUN apt-get update && sudo  make install\n');
  });
  void it('offers no fix when sudo has options (it would change the user)', () => {
    offersNoFix('DL3004', 'FROM a:1\nRUN sudo -u app make\n');
  });
});

void describe('DL3009 fix: delete the lists in the same RUN', () => {
  void it('appends the cleanup after the last command', () => {
    assert.equal(
      fixed('DL3009', 'FROM a:1\nRUN apt-get update && apt-get install -y curl\n', 'Delete the apt lists in the same RUN'),
      'FROM a:1\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n',
    );
    assert.equal(
      fixed('DL3009', 'FROM a:1\nRUN apt-get update \\\n    && apt-get install -y \\\n       curl   \n'),
      'FROM a:1\nRUN apt-get update \\\n    && apt-get install -y \\\n       curl && rm -rf /var/lib/apt/lists/*   \n',
    );
  });
  void it('adds a last line to a heredoc script', () => {
    assert.equal(
      fixed('DL3009', 'FROM a:1\nRUN <<EOF\nset -e\n  apt-get update\n  apt-get install -y curl\nEOF\n'),
      'FROM a:1\nRUN <<EOF\nset -e\n  apt-get update\n  apt-get install -y curl\n  rm -rf /var/lib/apt/lists/*\nEOF\n',
    );
  });
  void it('offers no fix when the script does not end with a plain command', () => {
    offersNoFix('DL3009', 'FROM a:1\nRUN if true; then apt-get update; fi\n');
    offersNoFix('DL3009', 'FROM a:1\nRUN apt-get update # refresh\n');
    offersNoFix('DL3009', 'FROM a:1\nRUN ["apt-get", "update"]\n');
  });
});

void describe('DL3030 / DL3034 fix: add -y', () => {
  void it('inserts -y after the sub-command', () => {
    assert.equal(fixed('DL3030', 'FROM a:1\nRUN yum install httpd-2.4\n'), 'FROM a:1\nRUN yum install -y httpd-2.4\n');
    assert.equal(fixed('DL3034', 'FROM a:1\nRUN zypper in curl\n'), 'FROM a:1\nRUN zypper in -y curl\n');
  });
});

void describe('DL4000 fix: LABEL maintainer', () => {
  void it('rewrites MAINTAINER as a label, escaping quotes and dollars', () => {
    assert.equal(
      fixed('DL4000', 'FROM a:1\nMAINTAINER Jane "JD" Doe <jane@example.com>\n', 'Replace with LABEL maintainer'),
      'FROM a:1\nLABEL maintainer="Jane \\"JD\\" Doe <jane@example.com>"\n',
    );
    assert.equal(fixed('DL4000', 'FROM a:1\nMAINTAINER $5 bill\n'), 'FROM a:1\nLABEL maintainer="\\$5 bill"\n');
  });
});
