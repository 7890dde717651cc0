// Lint (npm run lint): the recommended rules of ESLint and typescript-eslint. Formatting is Prettier's
// (npm run format), so no rule here is about layout.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    // Built, installed or generated; .gitignore'd folders too (ESLint does not read .gitignore).
    ignores: ['dist/', 'dist-ab/', 'node_modules/', 'test-results/', 'playwright-report/', '.ci-results/', '.scratch/', 'bench/results/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names are the project's way to say "deliberately unused" (positional parameters, skipped tuple slots).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // An empty catch says "keep the fallback value" (an undecodable path segment stays as sent).
      'no-empty': ['error', { allowEmptyCatch: true }],
      // Module augmentation (`interface Assertion<T> extends JournalMatchers<T> {}`) must be an interface to merge.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
  },
  {
    // Tests read JSON answers loosely (`json.error`), and tsc does not check them (tsconfig.json excludes them).
    files: ['**/*.test.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
)
