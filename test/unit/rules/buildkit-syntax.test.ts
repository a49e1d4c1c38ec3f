import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  exposeInvalidFormat, exposeProtoCasing, jsonArgsRecommended, legacyKeyValueFormat, maintainerDeprecated,
  multipleInstructionsDisallowed, noEmptyContinuation, workdirRelativePath,
} from '../../../src/core/dockerfile/rules/buildkit/syntax';
import { fixed, lint } from './ruleHarness';

void describe('NoEmptyContinuation', () => {
  void it('flags an empty or blank line inside a continuation, once per instruction', () => {
    const findings = lint(noEmptyContinuation, 'FROM alpine\nRUN a \\\n\n  && b \\\n   \n  && c\n');
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.range.start.line, 1);
    assert.match(findings[0]?.message ?? '', /lines \(line 3, 5\)/);
  });
  void it('accepts comments inside a continuation and empty lines between instructions', () => {
    assert.equal(lint(noEmptyContinuation, 'FROM alpine\nRUN a \\\n# note\n  && b\n\nRUN c\n').length, 0);
  });
  void it('ignores empty lines in heredoc bodies', () => {
    assert.equal(lint(noEmptyContinuation, 'FROM alpine\nRUN <<EOF\necho a\n\necho b\nEOF\n').length, 0);
  });
  void it('still sees an empty continuation before a heredoc body', () => {
    assert.equal(lint(noEmptyContinuation, 'FROM alpine\nCOPY \\\n\n  <<EOF /x\nhello\n\nEOF\n').length, 1);
  });
  void it('flags empty continuation lines inside ONBUILD too', () => {
    assert.equal(lint(noEmptyContinuation, 'FROM alpine\nONBUILD RUN a \\\n\n  b\n').length, 1);
  });
  void it('removes the empty lines', () => {
    assert.equal(fixed(noEmptyContinuation, 'FROM alpine\nRUN a \\\n\n  && b \\\n\t\n  && c\nCMD ["x"]\n'), 'FROM alpine\nRUN a \\\n  && b \\\n  && c\nCMD ["x"]\n');
  });
});

void describe('JSONArgsRecommended', () => {
  void it('flags shell-form CMD and ENTRYPOINT', () => {
    const findings = lint(jsonArgsRecommended, 'FROM alpine\nENTRYPOINT my-app serve\nCMD --port 80\n');
    assert.deepEqual(findings.map((f) => f.range.start.line), [1, 2]);
    assert.match(findings[0]?.message ?? '', /^ENTRYPOINT in shell form/);
  });
  void it('accepts the JSON form, RUN, and ONBUILD CMD', () => {
    assert.equal(lint(jsonArgsRecommended, 'FROM alpine\nRUN echo hi\nCMD ["a", "b"]\nENTRYPOINT ["x"]\nONBUILD CMD echo\n').length, 0);
  });
  void it('is silenced by a SHELL in the stage or in a base stage, but not by one in an unrelated stage', () => {
    assert.equal(lint(jsonArgsRecommended, 'FROM alpine\nSHELL ["/bin/bash", "-c"]\nCMD echo hi\n').length, 0);
    assert.equal(lint(jsonArgsRecommended, 'FROM alpine AS base\nSHELL ["/bin/bash", "-c"]\nFROM base\nCMD echo hi\n').length, 0);
    assert.equal(lint(jsonArgsRecommended, 'FROM alpine AS a\nSHELL ["/bin/bash", "-c"]\nFROM alpine\nCMD echo hi\n').length, 1);
  });
  void it('only counts a SHELL that comes before the CMD', () => {
    assert.equal(lint(jsonArgsRecommended, 'FROM alpine\nCMD echo hi\nSHELL ["/bin/bash", "-c"]\n').length, 1);
  });
  void it('treats invalid JSON as shell form, like Docker', () => {
    assert.equal(lint(jsonArgsRecommended, "FROM alpine\nCMD ['node', 'app.js']\n").length, 1);
  });
  void it('converts simple commands to the exec form', () => {
    assert.equal(fixed(jsonArgsRecommended, 'FROM node\nCMD node /app/server.js --port=80\n'), 'FROM node\nCMD ["node", "/app/server.js", "--port=80"]\n');
    assert.equal(fixed(jsonArgsRecommended, 'FROM nginx\nCMD nginx -g "daemon off;"\n'), 'FROM nginx\nCMD ["nginx", "-g", "daemon off;"]\n');
    assert.equal(fixed(jsonArgsRecommended, 'FROM x\nENTRYPOINT run \\\n  --fast\n'), 'FROM x\nENTRYPOINT ["run", "--fast"]\n');
  });
  void it('offers no conversion when the shell does real work', () => {
    for (const cmd of ['node app.js && echo done', 'exec $BIN', 'run > /log', 'echo *.txt', 'echo "$HOME"', 'a | b', 'NODE_ENV=production node app.js', 'exec node app.js', 'cd /app', 'node ~/app.js']) {
      const [f] = lint(jsonArgsRecommended, `FROM x\nCMD ${cmd}\n`);
      assert.ok(f, cmd);
      assert.equal(f.fixes.length, 0, cmd);
    }
  });
});

void describe('MaintainerDeprecated', () => {
  void it('flags MAINTAINER in any stage or before FROM', () => {
    assert.equal(lint(maintainerDeprecated, 'MAINTAINER a\nFROM alpine\nmaintainer b\n').length, 2);
    assert.equal(lint(maintainerDeprecated, 'FROM alpine\nLABEL maintainer=a\n').length, 0);
  });
  void it('replaces it with the OCI authors label, escaping quotes and dollars', () => {
    assert.equal(fixed(maintainerDeprecated, 'FROM alpine\nMAINTAINER Jane "JD" Doe <jane@example.com>\n'), 'FROM alpine\nLABEL org.opencontainers.image.authors="Jane \\"JD\\" Doe <jane@example.com>"\n');
    assert.equal(fixed(maintainerDeprecated, 'FROM alpine\nmaintainer $USER\n'), 'FROM alpine\nlabel org.opencontainers.image.authors="\\$USER"\n');
  });
  void it('uses the escape character of the file', () => {
    assert.equal(fixed(maintainerDeprecated, '# escape=`\nFROM alpine\nMAINTAINER a"b\n'), '# escape=`\nFROM alpine\nLABEL org.opencontainers.image.authors="a`"b"\n');
  });
});

void describe('LegacyKeyValueFormat', () => {
  void it('flags ENV and LABEL in the space-separated form', () => {
    const findings = lint(legacyKeyValueFormat, 'FROM alpine\nENV A 1\nLABEL version 1.0\n');
    assert.equal(findings.length, 2);
    assert.match(findings[0]?.message ?? '', /'ENV key=value'/);
  });
  void it('accepts key=value, several pairs, ARG and incomplete instructions', () => {
    assert.equal(lint(legacyKeyValueFormat, 'FROM alpine\nENV A=1 B="2 3"\nLABEL a=b\nARG X\nENV ONLYKEY\n').length, 0);
  });
  void it('rewrites to key=value', () => {
    assert.equal(fixed(legacyKeyValueFormat, 'FROM alpine\nENV NODE_ENV production\n'), 'FROM alpine\nENV NODE_ENV=production\n');
    assert.equal(fixed(legacyKeyValueFormat, 'FROM alpine\nENV MSG hello  world $USER\n'), 'FROM alpine\nENV MSG="hello  world $USER"\n');
    assert.equal(fixed(legacyKeyValueFormat, 'FROM alpine\nENV MSG "one two"\n'), 'FROM alpine\nENV MSG="one two"\n');
  });
  void it('offers no rewrite when quoting would change the value', () => {
    const [f] = lint(legacyKeyValueFormat, "FROM alpine\nENV MSG it's 'quoted' here\n");
    assert.ok(f);
    assert.equal(f.fixes.length, 0);
  });
});

void describe('MultipleInstructionsDisallowed', () => {
  void it('flags every earlier CMD, ENTRYPOINT and HEALTHCHECK of a stage, where it is ignored', () => {
    const text = 'FROM alpine\nCMD ["a"]\nCMD ["b"]\nCMD ["c"]\nENTRYPOINT ["x"]\nENTRYPOINT ["y"]\nHEALTHCHECK NONE\nHEALTHCHECK CMD true\n';
    const findings = lint(multipleInstructionsDisallowed, text);
    assert.deepEqual(findings.map((f) => f.range.start.line), [1, 2, 4, 6]);
    assert.match(findings[0]?.message ?? '', /line 3/);
  });
  void it('counts per stage, not across stages or ONBUILD', () => {
    assert.equal(lint(multipleInstructionsDisallowed, 'FROM a AS one\nCMD ["a"]\nFROM one\nCMD ["b"]\nONBUILD CMD ["c"]\n').length, 0);
  });
  void it('removes the ignored instruction, continuation lines included', () => {
    assert.equal(fixed(multipleInstructionsDisallowed, 'FROM alpine\nCMD ["a", \\\n  "b"]\nCMD ["c"]\n'), 'FROM alpine\nCMD ["c"]\n');
  });
});

void describe('WorkdirRelativePath', () => {
  void it('flags a relative first WORKDIR of a stage', () => {
    const [f] = lint(workdirRelativePath, 'FROM alpine\nWORKDIR app\n');
    assert.match(f?.message ?? '', /'app' is relative/);
  });
  void it('accepts absolute paths, including Windows ones, and relative paths after an absolute one', () => {
    assert.equal(lint(workdirRelativePath, 'FROM alpine\nWORKDIR /app\nWORKDIR sub\n').length, 0);
    assert.equal(lint(workdirRelativePath, '# escape=`\nFROM mcr.microsoft.com/windows/nanoserver\nWORKDIR C:\\app\n').length, 0);
    assert.equal(lint(workdirRelativePath, 'FROM mcr.microsoft.com/windows/nanoserver\nWORKDIR C:/app\n').length, 0);
  });
  void it('sees that the default escape character eats the backslash of C:\\app, as Docker does', () => {
    const [f] = lint(workdirRelativePath, 'FROM mcr.microsoft.com/windows/nanoserver\nWORKDIR C:\\app\n');
    assert.match(f?.message ?? '', /'C:app' is relative/);
  });
  void it('inherits an absolute WORKDIR from the base stage', () => {
    assert.equal(lint(workdirRelativePath, 'FROM alpine AS base\nWORKDIR /srv\nFROM base\nWORKDIR app\n').length, 0);
    assert.equal(lint(workdirRelativePath, 'FROM alpine AS base\nWORKDIR /srv\nFROM alpine\nWORKDIR app\n').length, 1);
  });
  void it('expands known variables and stays silent on unknown ones', () => {
    assert.equal(lint(workdirRelativePath, 'FROM alpine\nENV DIR=/srv\nWORKDIR $DIR/app\n').length, 0);
    assert.equal(lint(workdirRelativePath, 'FROM alpine\nENV DIR=srv\nWORKDIR ${DIR}\n').length, 1);
    assert.equal(lint(workdirRelativePath, 'FROM alpine\nARG DIR\nWORKDIR $DIR\n').length, 0);
    assert.equal(lint(workdirRelativePath, 'FROM eclipse-temurin:21\nWORKDIR $JAVA_HOME\n').length, 0);
  });
});

void describe('ExposeProtoCasing', () => {
  void it('flags each upper- or mixed-case protocol', () => {
    const findings = lint(exposeProtoCasing, 'FROM alpine\nEXPOSE 80/TCP 443/tcp 53/Udp 9000-9010/SCTP\n');
    assert.equal(findings.length, 3);
    assert.match(findings[0]?.message ?? '', /'TCP'.*80\/TCP/);
  });
  void it('accepts lower case, no protocol, and leaves unknown protocols alone', () => {
    assert.equal(lint(exposeProtoCasing, 'FROM alpine\nEXPOSE 80 443/tcp 53/udp 1/FOO\n').length, 0);
  });
  void it('checks ports that come from variables', () => {
    assert.equal(lint(exposeProtoCasing, 'FROM alpine\nARG PORT=80/TCP\nEXPOSE $PORT\n').length, 1);
  });
  void it('lower-cases the protocol in place', () => {
    assert.equal(fixed(exposeProtoCasing, 'FROM alpine\nEXPOSE 80/tcp 8080:53/UDP\n'), 'FROM alpine\nEXPOSE 80/tcp 8080:53/udp\n');
  });
});

void describe('ExposeInvalidFormat', () => {
  void it('flags host ports and IP addresses', () => {
    const findings = lint(exposeInvalidFormat, 'FROM alpine\nEXPOSE 80 8080:80 127.0.0.1:9000:9000/udp [::1]:53:53\n');
    assert.equal(findings.length, 3);
    assert.match(findings[1]?.message ?? '', /'127\.0\.0\.1:9000:9000\/udp'/);
  });
  void it('accepts container ports and ranges', () => {
    assert.equal(lint(exposeInvalidFormat, 'FROM alpine\nEXPOSE 80 443/tcp 7000-7010/udp\n').length, 0);
  });
  void it('keeps only the container port', () => {
    assert.equal(fixed(exposeInvalidFormat, 'FROM alpine\nEXPOSE 80 127.0.0.1:9000:9000/udp\n'), 'FROM alpine\nEXPOSE 80 9000/udp\n');
    assert.equal(fixed(exposeInvalidFormat, 'FROM alpine\nEXPOSE 8080:80\n'), 'FROM alpine\nEXPOSE 80\n');
  });
  void it('checks ports that come from variables, without a fix', () => {
    const [f] = lint(exposeInvalidFormat, 'FROM alpine\nENV MAP=8080:80\nEXPOSE $MAP\n');
    assert.ok(f);
    assert.equal(f.fixes.length, 0);
  });
});
