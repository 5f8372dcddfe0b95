// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Each architectural rule below carries a message that says what to do instead (DESIGN.md §12).
const isomorphicRestrictions = {
  patterns: [
    {
      group: ['node:*', 'fs', 'path', 'crypto', 'os', 'worker_threads', 'child_process'],
      message:
        'pdq, matcher and domain run in browsers and workers too: take what you need through a port (packages/domain/src/ports) and implement it in an adapter package.',
    },
    {
      group: [
        'sharp',
        '@hashline/storage',
        '@hashline/media-node',
        '@hashline/capture-node',
        '@hashline/server',
        '@hashline/cli',
      ],
      message:
        'Dependencies point inward (pdq ← matcher ← domain ← adapters ← apps): depend on a port instead.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'apps/web/dist/**', '**/*.d.ts', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['packages/**/src/**'],
    ignores: ['packages/media-node/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'sharp', message: 'Only packages/media-node imports sharp: use its decoder.' }],
          patterns: isomorphicRestrictions.patterns.slice(1),
        },
      ],
    },
  },
  {
    files: ['packages/pdq/src/**', 'packages/matcher/src/**', 'packages/domain/src/**'],
    rules: { 'no-restricted-imports': ['error', isomorphicRestrictions] },
  },
);
