import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, lintDockerfile } from '../../../src/core/dockerfile/lint';
import type { Finding, Rule } from '../../../src/core/dockerfile/rules/types';
import {
  DL3043, DL3044, DL3045, DL3046, DL3047, DL3057, DL3059, DL3061, DL3063, DL3064, DL3065, DL3066, DL3067, looksSensitive, refersTo,
} from '../../../src/core/dockerfile/rules/hadolint/part2/general';
import { hadolintPart2 } from '../../../src/core/dockerfile/rules/hadolint/part2/index';

function run(rule: Rule, text: string): Finding[] {
  // Rules hadolint ships switched off (DL3057) are switched on here, as a config override would.
  const config = { ...DEFAULT_CONFIG, override: { [rule.code]: rule.severity } };
  return lintDockerfile({ text, rules: [rule], config }).findings.filter((f) => f.code === rule.code);
}
function fires(rule: Rule, text: string): boolean {
  return run(rule, text).length > 0;
}
function lines(rule: Rule, text: string): number[] {
  return run(rule, text).map((f) => f.range.start.line);
}

describe('part 2 rule set', () => {
  it('holds exactly the codes hadolint 2.15 defines in DL3035-DL3068, sorted, all hadolint family', () => {
    const expected = ['DL3035', 'DL3036', 'DL3037', 'DL3038', 'DL3040', 'DL3041', 'DL3042', 'DL3043', 'DL3044', 'DL3045', 'DL3046', 'DL3047',
      'DL3048', 'DL3049', 'DL3050', 'DL3051', 'DL3052', 'DL3053', 'DL3054', 'DL3055', 'DL3056', 'DL3057', 'DL3058', 'DL3059', 'DL3060',
      'DL3061', 'DL3062', 'DL3063', 'DL3064', 'DL3065', 'DL3066', 'DL3067'];
    assert.deepEqual(hadolintPart2.map((r) => r.code), expected);
    assert.ok(hadolintPart2.every((r) => r.family === 'hadolint'));
    assert.deepEqual(hadolintPart2.filter((r) => r.defaultOff === true).map((r) => r.code), ['DL3057']);
  });
  it('uses hadolint\'s default severities', () => {
    const severity = Object.fromEntries(hadolintPart2.map((r) => [r.code, r.severity]));
    assert.equal(severity.DL3043, 'error');
    assert.equal(severity.DL3044, 'error');
    assert.equal(severity.DL3047, 'info');
    assert.equal(severity.DL3048, 'style');
    assert.equal(severity.DL3049, 'info');
    assert.equal(severity.DL3059, 'info');
    assert.equal(severity.DL3061, 'error');
    assert.equal(severity.DL3066, 'info');
    assert.equal(severity.DL3064, 'warning');
  });
});

describe('DL3043 ONBUILD nesting', () => {
  it('reports ONBUILD ONBUILD, ONBUILD FROM and ONBUILD MAINTAINER', () => {
    assert.ok(fires(DL3043, 'FROM a:1\nONBUILD ONBUILD RUN x'));
    assert.ok(fires(DL3043, 'FROM a:1\nONBUILD FROM b:1'));
    assert.ok(fires(DL3043, 'FROM a:1\nonbuild maintainer me'));
  });
  it('accepts other ONBUILD triggers', () => {
    assert.ok(!fires(DL3043, 'FROM a:1\nONBUILD RUN make\nONBUILD COPY . /src'));
  });
});

describe('DL3044 ENV self-reference', () => {
  it('reports a variable used in the same ENV that defines it', () => {
    assert.ok(fires(DL3044, 'FROM a:1\nENV A=1 B=$A'));
    assert.ok(fires(DL3044, 'FROM a:1\nENV A=1 B=${A}/x'));
    assert.ok(fires(DL3044, 'FROM a:1\nENV B=$A A=1'));
    assert.ok(fires(DL3044, 'FROM a:1\nENV A=1 \\\n    B="${A:-x}"'));
  });
  it('accepts references to earlier definitions, to itself and to longer names', () => {
    assert.ok(!fires(DL3044, 'FROM a:1\nENV A=1\nENV B=$A'));
    assert.ok(!fires(DL3044, 'FROM a:1\nARG A\nENV A=${A} B=$A'));
    assert.ok(!fires(DL3044, 'FROM a:1\nENV PATH=/opt/bin:$PATH'));
    assert.ok(!fires(DL3044, 'FROM a:1\nENV A=1 B=$AB'));
    assert.ok(!fires(DL3044, 'FROM a:1\nENV A value with $A'));
  });
  it('matches names exactly', () => {
    assert.equal(refersTo('$A_B', 'A'), false);
    assert.equal(refersTo('x$A-y', 'A'), true);
    assert.equal(refersTo('${A}', 'A'), true);
    assert.equal(refersTo('${AB}', 'A'), false);
  });
});

describe('DL3045 relative COPY without WORKDIR', () => {
  it('reports relative destinations', () => {
    assert.ok(fires(DL3045, 'FROM a:1\nCOPY . .'));
    assert.ok(fires(DL3045, 'FROM a:1\nCOPY ["a.txt", "dir/"]'));
    assert.ok(fires(DL3045, 'FROM a:1\nCOPY <<EOF conf.ini\nx=1\nEOF\n'));
  });
  it('accepts absolute, Windows, variable destinations and a WORKDIR set before', () => {
    assert.ok(!fires(DL3045, 'FROM a:1\nCOPY a /app/'));
    assert.ok(!fires(DL3045, 'FROM a:1\nCOPY a "/app/"'));
    assert.ok(!fires(DL3045, 'FROM a:1\nCOPY a C:\\\\app'));
    assert.ok(!fires(DL3045, 'FROM a:1\nCOPY a $APP_HOME'));
    assert.ok(!fires(DL3045, 'FROM a:1\nWORKDIR /app\nCOPY . .'));
  });
  it('inherits WORKDIR through FROM <stage> only, and only from before the COPY', () => {
    assert.ok(!fires(DL3045, 'FROM a:1 AS base\nWORKDIR /app\nFROM base\nCOPY . .'));
    assert.ok(fires(DL3045, 'FROM a:1 AS base\nWORKDIR /app\nFROM a:1\nCOPY . .'));
    assert.ok(fires(DL3045, 'FROM a:1\nCOPY . .\nWORKDIR /app'));
  });
});

describe('DL3046 useradd with high UID', () => {
  it('reports a long UID without -l in all spellings', () => {
    for (const cmd of ['useradd -u 123456 app', 'useradd --uid 123456 app', 'useradd --uid=123456 app', 'useradd -u123456 app']) {
      assert.ok(fires(DL3046, `FROM a:1\nRUN ${cmd}`), cmd);
    }
  });
  it('accepts -l, --no-log-init, short UIDs and variables (deviation)', () => {
    assert.ok(!fires(DL3046, 'FROM a:1\nRUN useradd -l -u 123456 app'));
    assert.ok(!fires(DL3046, 'FROM a:1\nRUN useradd --no-log-init -u 123456 app'));
    assert.ok(!fires(DL3046, 'FROM a:1\nRUN useradd -u 12345 app'));
    assert.ok(!fires(DL3046, 'FROM a:1\nRUN useradd -u "$APP_UID_LONG" app'));
    assert.ok(!fires(DL3046, 'FROM a:1\nRUN useradd app'));
  });
});

describe('DL3047 wget progress', () => {
  it('reports wget without progress or quiet options', () => {
    assert.ok(fires(DL3047, 'FROM a:1\nRUN wget https://x/y'));
    assert.ok(fires(DL3047, 'FROM a:1\nRUN wget -O /tmp/y https://x/y'));
    assert.ok(fires(DL3047, 'FROM a:1\nONBUILD RUN wget https://x/y'));
  });
  it('accepts --progress, -q, -nv, --no-verbose, -o and -a', () => {
    for (const opts of ['--progress=dot:giga', '-q', '-qO-', '--quiet', '-nv', '--no-verbose', '-o log', '--output-file=log', '-a log']) {
      assert.ok(!fires(DL3047, `FROM a:1\nRUN wget ${opts} https://x/y`), opts);
    }
  });
});

describe('DL3057 HEALTHCHECK missing', () => {
  it('reports an image stage without HEALTHCHECK at its FROM', () => {
    assert.deepEqual(lines(DL3057, 'FROM a:1\nRUN x'), [0]);
  });
  it('accepts HEALTHCHECK in the stage or inherited from a base stage, and skips build stages (deviation)', () => {
    assert.ok(!fires(DL3057, 'FROM a:1\nHEALTHCHECK NONE'));
    assert.ok(!fires(DL3057, 'FROM a:1 AS base\nHEALTHCHECK CMD true\nFROM base\nRUN x'));
    assert.ok(!fires(DL3057, 'FROM a:1 AS build\nRUN make\nFROM b:1\nCOPY --from=build /x /x\nHEALTHCHECK CMD true'));
  });
});

describe('DL3059 consecutive RUNs', () => {
  it('reports the second of two consecutive short RUNs', () => {
    assert.deepEqual(lines(DL3059, 'FROM a:1\nRUN a\nRUN b'), [2]);
    assert.deepEqual(lines(DL3059, 'FROM a:1\nRUN a\n# note\nRUN b\nRUN c'), [3, 4]);
  });
  it('is reset by other instructions and by FROM', () => {
    assert.ok(!fires(DL3059, 'FROM a:1\nRUN a\nENV X=1\nRUN b'));
    assert.ok(!fires(DL3059, 'FROM a:1\nRUN a\nFROM b:1\nRUN b'));
    assert.ok(!fires(DL3059, 'FROM a:1\nRUN a\nONBUILD RUN b\nRUN c'));
  });
  it('accepts RUNs with different flags and deliberate splits of more than two commands', () => {
    assert.ok(!fires(DL3059, 'FROM a:1\nRUN a\nRUN --mount=type=cache,target=/c b'));
    assert.ok(fires(DL3059, 'FROM a:1\nRUN --network=none a\nRUN --network=none b'));
    assert.ok(!fires(DL3059, 'FROM a:1\nRUN a && b && c\nRUN d'));
    assert.ok(!fires(DL3059, 'FROM a:1\nRUN a\nRUN b && c && d'));
    assert.ok(fires(DL3059, 'FROM a:1\nRUN a && b\nRUN c && d'));
  });
});

describe('DL3061 instruction order', () => {
  it('reports every instruction before the first FROM except ARG', () => {
    assert.deepEqual(lines(DL3061, 'ARG V=1\nLABEL a=b\nENV X=1\nFROM a:$V\nRUN x'), [1, 2]);
  });
  it('accepts directives, comments and ARGs before FROM', () => {
    assert.ok(!fires(DL3061, '# syntax=docker/dockerfile:1\n# hi\nARG V=1\nFROM a:$V\nLABEL a=b'));
  });
});

describe('DL3063 reserved stage names', () => {
  it('reports scratch and context in any case, on the name', () => {
    const [f] = run(DL3063, 'FROM golang:1 AS scratch');
    assert.deepEqual(f?.range, { start: { line: 0, col: 17 }, end: { line: 0, col: 24 } });
    assert.ok(fires(DL3063, 'FROM golang:1 as Context'));
  });
  it('accepts other names and FROM scratch itself', () => {
    assert.ok(!fires(DL3063, 'FROM scratch AS final'));
    assert.ok(!fires(DL3063, 'FROM golang:1 AS build'));
  });
});

describe('DL3064 secrets in ARG/ENV', () => {
  it('reports known names and suspicious fragments, in ARG, ENV and ONBUILD', () => {
    assert.ok(fires(DL3064, 'ARG AWS_ACCESS_KEY_ID\nFROM a:1'));
    assert.ok(fires(DL3064, 'FROM a:1\nARG openai_api_key'));
    assert.ok(fires(DL3064, 'FROM a:1\nENV my_password=abc'));
    assert.ok(fires(DL3064, 'FROM a:1\nENV A=1 DB_SECRET=2'));
    assert.ok(fires(DL3064, 'FROM a:1\nONBUILD ENV GITHUB_TOKEN=x'));
  });
  it('accepts ordinary names and references to secret files (deviation)', () => {
    assert.ok(!fires(DL3064, 'FROM a:1\nARG VERSION\nENV PATH=/x'));
    assert.ok(!fires(DL3064, 'FROM a:1\nENV DB_PASSWORD_FILE=/run/secrets/db'));
    assert.ok(!fires(DL3064, 'FROM a:1\nENV GOPRIVATE=example.com'));
    assert.equal(looksSensitive('TOKEN_PATH'), false);
    assert.equal(looksSensitive('Vault_Token'), true);
  });
  it('points at the sensitive name', () => {
    const [f] = run(DL3064, 'FROM a:1\nENV A=1 NPM_TOKEN=2');
    assert.deepEqual(f?.range, { start: { line: 1, col: 8 }, end: { line: 1, col: 17 } });
  });
});

describe('DL3065 redundant --platform', () => {
  it('reports $TARGETPLATFORM and ${TARGETPLATFORM}', () => {
    assert.ok(fires(DL3065, 'FROM --platform=$TARGETPLATFORM alpine:3'));
    assert.ok(fires(DL3065, 'FROM --platform=${TARGETPLATFORM} alpine:3'));
  });
  it('accepts other platforms', () => {
    assert.ok(!fires(DL3065, 'FROM --platform=$BUILDPLATFORM alpine:3'));
    assert.ok(!fires(DL3065, 'FROM --platform=linux/arm64 alpine:3'));
  });
});

describe('DL3066 non-numeric USER', () => {
  it('reports a named user at the end of a stage', () => {
    assert.ok(fires(DL3066, 'FROM a:1\nUSER app'));
    assert.ok(fires(DL3066, 'FROM a:1\nUSER app:app'));
  });
  it('checks only the last USER of each stage', () => {
    assert.ok(!fires(DL3066, 'FROM a:1\nUSER root\nRUN x\nUSER 1000'));
    assert.deepEqual(lines(DL3066, 'FROM a:1\nUSER 1000\nUSER app\nFROM b:1\nUSER web\nFROM c:1\nUSER 1:1'), [2, 4]);
  });
  it('accepts numeric ids and variables defined by ARG or ENV', () => {
    assert.ok(!fires(DL3066, 'FROM a:1\nUSER 1000:1000'));
    assert.ok(!fires(DL3066, 'ARG APP_UID=1000\nFROM a:1\nUSER ${APP_UID}'));
    assert.ok(!fires(DL3066, 'FROM a:1\nENV APP_UID=1000\nUSER $APP_UID:0'));
    assert.ok(fires(DL3066, 'FROM a:1\nUSER $UNKNOWN'));
  });
});

describe('DL3067 whole filesystem copy', () => {
  it('reports COPY --from=x / /, quoted and in exec form', () => {
    assert.ok(fires(DL3067, 'FROM a:1 AS b\nFROM c:1\nCOPY --from=b / /'));
    assert.ok(fires(DL3067, 'FROM a:1 AS b\nFROM c:1\nCOPY --from=b "/" "/"'));
    assert.ok(fires(DL3067, 'FROM c:1\nCOPY --from=busybox:1 ["/", "/"]'));
  });
  it('accepts partial copies and copies from the context', () => {
    assert.ok(!fires(DL3067, 'FROM c:1\nCOPY / /'));
    assert.ok(!fires(DL3067, 'FROM a:1 AS b\nFROM c:1\nCOPY --from=b /out /'));
    assert.ok(!fires(DL3067, 'FROM a:1 AS b\nFROM c:1\nCOPY --from=b / /rootfs/'));
  });
});
