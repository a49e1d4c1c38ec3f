// Lint config: strict, type-aware, and the layering rule of docs/architecture.md
// (core <- clients <- vscode) enforced with no-restricted-imports.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'fs/promises', 'child_process', 'net', 'http', 'https', 'os', 'path', 'worker_threads', 'tls', 'dgram', 'cluster'];
const coreForbidden = [
  'vscode', 'dockerode', '@kubernetes/client-node',
  ...nodeBuiltins, ...nodeBuiltins.map((m) => `node:${m}`),
];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test-results/**', '*.vsix', 'demo/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.mjs', 'scripts/*.mjs', 'test/e2e/*.mjs'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false, project: false }, globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', Buffer: 'readonly', performance: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' } },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: coreForbidden, patterns: [{ group: ['**/vscode/**', '**/clients/**', '**/cli/**'], message: 'core is pure: it may not depend on other layers' }] }],
    },
  },
  {
    files: ['src/clients/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['vscode'], patterns: [{ group: ['**/vscode/**'], message: 'clients may not depend on the vscode layer' }] }],
    },
  },
);
