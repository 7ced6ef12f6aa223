// `npm run lint`. Two kinds of rule, both about bugs, none about style:
//  - type-aware typescript-eslint rules that catch mistakes tsc lets through
//    (a promise nobody awaits, an async callback where a sync one is expected…);
//  - import boundaries: docs/architecture.md's "may import" table (LAYERS below);
//  - no source file over 500 lines.
// Formatting is Prettier's business (`npm run format`), not ESLint's.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import { boundaryConfig } from './scripts/eslint-boundaries.js';

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tap/**', 'bench/**', 'bin/**', 'scripts/*.js', 'man/**', 'eslint.config.js'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [js.configs.recommended, tseslint.configs.base, tseslint.configs.eslintRecommended],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Style, not bugs (and noisy: a `let` assigned once, later, from a closure).
      'no-regex-spaces': 'off',
      'prefer-const': 'off',
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // A promise nobody awaits or catches: its failure is lost (tap awaits its own subtests).
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafePromises: [{ from: 'package', package: '@tapjs/core', name: 'PromiseWithSubtest' }] }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
      '@typescript-eslint/no-array-delete': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  // Files by concern (issue 12): a source file past this wants splitting, not a longer limit.
  { files: ['src/**/*.ts', 'src/**/*.tsx'], rules: { 'max-lines': ['error', { max: 500 }] } },
  boundaryConfig({ importX, createNodeResolver }),
);
