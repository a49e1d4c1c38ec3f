/** hadolint rules about the shell script of RUN: commands, sudo, cd, curl/wget, pipes. */
import type { Instruction, Stage } from '../../../model';
import type { Rule, RuleContext, RunCommand } from '../../types';
import { allCommands, commandsOf, commandsWhere, effective, sudoCommands, usesProgram } from '../../util';
import { commandPosition, isEditable } from '../../../commands';
import { positionalArgs } from '../../../shell';
import { basename, fixOf } from './util';

/** Commands that make no sense while building an image (hadolint's list, plus `ifconfig` from its message). */
const INTERACTIVE_OR_SYSTEM = new Set(['free', 'kill', 'mount', 'ps', 'service', 'shutdown', 'ssh', 'top', 'vim', 'ifconfig']);

export const DL3001: Rule = {
  code: 'DL3001',
  family: 'hadolint',
  severity: 'info',
  title: 'Avoid commands that make no sense in a build',
  doc: {
    why: 'Builds have no init system, no terminal and no running services: `service`, `ssh`, `vim`, `top`, `shutdown`... either do nothing useful or hang the build.',
    bad: 'FROM debian:12-slim\nRUN service nginx start\n',
    good: 'FROM debian:12-slim\nCMD ["nginx", "-g", "daemon off;"]\n',
    deviation: '`ifconfig`, named in hadolint\'s own message but missing from its list, is reported too.',
  },
  check(ctx) {
    for (const { inst, cmd } of commandsWhere(ctx, (program) => INTERACTIVE_OR_SYSTEM.has(program))) {
      ctx.report(
        ctx.commandRange(inst, cmd),
        'For some bash commands it makes no sense running them in a Docker container like `ssh`, `vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount`, `ifconfig`',
      );
    }
  },
};

export const DL3003: Rule = {
  code: 'DL3003',
  family: 'hadolint',
  severity: 'warning',
  title: 'Use WORKDIR instead of cd',
  doc: {
    why: '`cd` only lasts for one RUN; the next instruction starts back in the old directory. WORKDIR states the directory once, for every later instruction, and is visible in the image config.',
    bad: 'FROM node:22-slim\nRUN cd /app && npm ci\n',
    good: 'FROM node:22-slim\nWORKDIR /app\nRUN npm ci\n',
  },
  check(ctx) {
    for (const { inst, cmd } of commandsOf(ctx, 'cd')) {
      if (cmd.name === 'cd') ctx.report(ctx.commandRange(inst, cmd), 'Use WORKDIR to switch to a directory');
    }
  },
};

export const DL3004: Rule = {
  code: 'DL3004',
  family: 'hadolint',
  severity: 'error',
  title: 'Do not use sudo',
  doc: {
    why: 'RUN already executes as the current USER; sudo adds a package, a TTY/password prompt that can hang the build, and environment changes that are hard to predict. Switch with USER (or use gosu at runtime).',
    bad: 'FROM debian:12-slim\nRUN sudo apt-get update\n',
    good: 'FROM debian:12-slim\nUSER root\nRUN apt-get update\n',
  },
  check(ctx) {
    if (sudoCommands(ctx).length === 0 && !usesProgram(ctx, 'sudo')) return;
    for (const { inst, cmd } of allCommands(ctx)) {
      if (!cmd.sudo && cmd.program !== 'sudo') continue;
      const index = cmd.words.findIndex((w) => w.value === 'sudo');
      const sudoWord = cmd.words[index];
      const next = cmd.words[index + 1];
      // Only a bare `sudo cmd` can be dropped without changing who runs the command.
      const bare = sudoWord && next && !next.value.startsWith('-') && isEditable(cmd);
      const start = bare ? commandPosition(ctx.df, inst, cmd, sudoWord.start) : undefined;
      const end = bare ? commandPosition(ctx.df, inst, cmd, next.start) : undefined;
      ctx.report(
        ctx.commandRange(inst, cmd),
        'Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to enforce root',
        fixOf('Remove sudo', start && end ? { range: { start, end }, newText: '' } : undefined),
      );
    }
  },
};

export const DL4001: Rule = {
  code: 'DL4001',
  family: 'hadolint',
  severity: 'warning',
  title: 'Use either wget or curl, not both',
  doc: {
    why: 'Two download tools in one stage means two packages (and their libraries) in the image for the same job; pick one.',
    bad: 'FROM debian:12-slim\nRUN curl -fsSLO https://example.com/a.tgz\nRUN wget -q https://example.com/b.tgz\n',
    good: 'FROM debian:12-slim\nRUN curl -fsSLO https://example.com/a.tgz\nRUN curl -fsSLO https://example.com/b.tgz\n',
  },
  check(ctx) {
    if (!usesProgram(ctx, 'curl') || !usesProgram(ctx, 'wget')) return;
    for (const stage of ctx.df.stages) {
      const used = new Set<string>();
      for (const inst of stage.instructions) {
        if (inst.keyword !== 'RUN') continue;
        const tools = ctx.commands(inst).filter((c) => c.program === 'curl' || c.program === 'wget');
        for (const t of tools) used.add(t.program);
        const first = tools[0];
        if (first && used.size >= 2) ctx.report(ctx.commandRange(inst, first), 'Either use Wget or Curl but not both');
      }
    }
  },
};

export const DL4005: Rule = {
  code: 'DL4005',
  family: 'hadolint',
  severity: 'warning',
  title: 'Use SHELL instead of relinking /bin/sh',
  doc: {
    why: 'Replacing /bin/sh with a link changes the shell for everything in the image, package scripts included; the SHELL instruction changes it for the Dockerfile only, visibly.',
    bad: 'FROM debian:12-slim\nRUN ln -sf /bin/bash /bin/sh\n',
    good: 'FROM debian:12-slim\nSHELL ["/bin/bash", "-c"]\n',
    deviation: 'Only links whose target path is /bin/sh count: `ln -s /bin/sh /usr/local/bin/sh` creates another name for sh and leaves /bin/sh alone.',
  },
  check(ctx) {
    for (const { inst, cmd } of commandsOf(ctx, 'ln')) {
      const paths = positionalArgs(cmd, ['-S', '--suffix', '-t', '--target-directory']);
      if (paths.length >= 2 && paths[paths.length - 1]?.value === '/bin/sh') {
        ctx.report(ctx.commandRange(inst, cmd), 'Use SHELL to change the default shell');
      }
    }
  },
};

/** What the SHELL of a stage means for pipes: pipefail set, not set, or not a POSIX shell. */
type PipeMode = 'pipefail' | 'plain' | 'not-posix';

const POSIX_SHELL_PROGRAMS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh', 'busybox']);

/** Reads `SHELL ["/bin/bash", "-o", "pipefail", "-c"]`. */
function shellMode(inst: Instruction): PipeMode {
  const words = effective(inst).json;
  // SHELL must be JSON; BuildKit rejects anything else, so assume nothing changed.
  if (!words) return 'plain';
  const args = basename(words[0] ?? '') === 'env' ? words.slice(1) : words;
  if (!POSIX_SHELL_PROGRAMS.has(basename(args[0] ?? ''))) return 'not-posix';
  // `-o pipefail`, `-eo pipefail`, `-euo pipefail`: a shell that lacks the option fails the build loudly.
  const pipefail = args.some((o, k) => o === 'pipefail' && /^-[a-z]*o$/.test(args[k - 1] ?? ''));
  return pipefail ? 'pipefail' : 'plain';
}

/** True when the script turns pipefail on (`set -o pipefail`, `set -euo pipefail`) before `offset`. */
function setsPipefailBefore(commands: readonly RunCommand[], offset: number): boolean {
  return commands.some((c) => c.program === 'set' && c.end <= offset && c.args.some((a, k) => a.value === 'pipefail' && /^-[a-z]*o$/.test(c.args[k - 1]?.value ?? '')));
}

export const DL4006: Rule = {
  code: 'DL4006',
  family: 'hadolint',
  severity: 'warning',
  title: 'Set pipefail before RUN with a pipe',
  doc: {
    why: 'A pipeline\'s status is its last command\'s: `curl ... | tar -x` succeeds even when the download fails, and the image is built with a missing or truncated file. `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` makes the failure fail the build.',
    bad: 'FROM debian:12-slim\nRUN curl -fsSL https://example.com/app.tgz | tar -xz -C /opt\n',
    good: 'FROM debian:12-slim\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN curl -fsSL https://example.com/app.tgz | tar -xz -C /opt\n',
    deviation: '`set -o pipefail` earlier in the same RUN also counts; a SHELL that is not a POSIX shell (PowerShell, cmd) turns the rule off for the stage; a stage built `FROM` an earlier stage inherits that stage\'s SHELL, as the image config does.',
  },
  check(ctx) {
    const finalMode = new Map<number, PipeMode>();
    for (const stage of ctx.df.stages) {
      let mode: PipeMode = inheritedMode(stage, finalMode);
      for (const inst of stage.instructions) {
        if (inst.keyword === 'SHELL') { mode = shellMode(inst); continue; }
        if (inst.keyword !== 'RUN' || mode !== 'plain' || effective(inst).json) continue;
        reportPipes(ctx, inst);
      }
      finalMode.set(stage.index, mode);
    }
  },
};

function inheritedMode(stage: Stage, finalMode: ReadonlyMap<number, PipeMode>): PipeMode {
  return stage.baseStage === undefined ? 'plain' : finalMode.get(stage.baseStage) ?? 'plain';
}

function reportPipes(ctx: RuleContext, inst: Instruction): void {
  // A pipe needs a `|` in the script: most RUNs are decided without reading their commands.
  const target = effective(inst);
  if (!target.args.includes('|') && !target.heredocs.some((h) => h.content.includes('|'))) return;
  const commands = ctx.commands(inst);
  // Each script (arguments, each heredoc body) has its own `set -o pipefail`.
  const scripts = new Map<number | undefined, RunCommand[]>();
  for (const cmd of commands) {
    const script = scripts.get(cmd.heredoc);
    if (script) script.push(cmd); else scripts.set(cmd.heredoc, [cmd]);
  }
  for (const script of scripts.values()) {
    const piped = script.findIndex((c) => c.after === '|');
    const left = script[piped];
    const right = script[piped + 1];
    if (!left || !right || setsPipefailBefore(script, left.start)) continue;
    ctx.report(
      ctx.commandRange(inst, left, left.start, right.end),
      'Set the SHELL option -o pipefail before RUN with a pipe in it. If you are using /bin/sh in an alpine image or if your shell is symlinked to busybox then consider explicitly setting your SHELL to /bin/ash, or disable this check',
    );
    return;
  }
}

