// Packages berth.vsix and installs it into a throwaway extensions folder with real VS Code's
// own installer (code-server's --install-extension), then checks what got installed: the
// manifest identity and the files the extension loads at run time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCodeServer, node24Env } from './vscode/ensure.mjs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const id = `${pkg.publisher}.${pkg.name}`;

const packaged = spawnSync('npm', ['run', 'package'], { stdio: 'inherit' });
if (packaged.status !== 0) throw new Error('npm run package failed');

const cs = await ensureCodeServer();
const env = node24Env({ nodeDir: cs.nodeDir, binDir: cs.nodeBinDir });
const extensionsDir = mkdtempSync(join(tmpdir(), 'berth-vsix-'));
try {
  const run = (args) => spawnSync(cs.nodeBin, [cs.codeServerEntry, '--extensions-dir', extensionsDir, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  const install = run(['--install-extension', 'berth.vsix']);
  if (install.status !== 0) throw new Error(`install failed:\n${install.stdout}\n${install.stderr}`);
  const list = run(['--list-extensions', '--show-versions']);
  const line = `${id}@${pkg.version}`;
  if (!list.stdout.split('\n').includes(line)) throw new Error(`${line} not listed after install:\n${list.stdout}`);
  const folder = join(extensionsDir, `${id}-${pkg.version}`);
  const needed = ['package.json', 'dist/extension.js', 'dist/lintWorker.js', 'dist/cli.js', 'docs/rules/README.md', 'docs/rules/DL3008.md', 'syntaxes/dockerfile-pragmas.tmLanguage.json'];
  const missing = needed.filter((f) => !existsSync(join(folder, f)));
  if (missing.length > 0) throw new Error(`installed extension lacks ${missing.join(', ')}`);
  for (const f of ['src', 'test', 'node_modules', 'demo']) {
    if (existsSync(join(folder, f))) throw new Error(`the package carries ${f}/, which .vscodeignore should leave out`);
  }
  console.log(`berth.vsix installs into VS Code ${cs.vscodeVersion}: ${line}, ${needed.length} run-time files present`);
} finally {
  rmSync(extensionsDir, { recursive: true, force: true });
}
