// Lint that knows Temporal's rules: no floating promises anywhere (a lost promise in a workflow is a
// lost timer or activity), and no Node built-ins or side-effecting modules in workflow code, which
// runs in Temporal's deterministic sandbox (same rules as samples-typescript's .shared/.eslintrc.js).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'net',
  'os',
  'path',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'worker_threads',
  'zlib',
];

/** Imports run one way (domain <- workflows, activities <- client <- cli, web; worker.ts composes): no import of `layers`. */
const outward = (layers) => ({
  group: layers.flatMap((l) => [`../${l}`, `../${l}/*`, `./${l}`, `./${l}/*`]),
  message: 'Imports run one way: domain <- workflows / activities <- client <- cli, web (worker.ts composes).',
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'var/**', '.tools/**', 'lib/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', '*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      'object-shorthand': ['error', 'always'],
    },
  },
  {
    // Workflow code and the pure domain it imports must stay deterministic.
    files: ['src/workflows/**/*.ts', 'src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins
              .flatMap((name) => [name, `node:${name}`])
              .map((name) => ({
                name,
                message: 'Workflow and domain code is deterministic: no Node built-ins (do it in an activity).',
              })),
            { name: '@temporalio/activity', message: 'Workflows call activities through proxyActivities only.' },
            { name: '@temporalio/client', message: 'Workflows do not use the client.' },
            { name: '@temporalio/worker', message: 'Workflows do not use the worker.' },
          ],
          patterns: [
            {
              group: ['../activities/*', '../activities'],
              allowTypeImports: true,
              message: 'Import activities as types only.',
            },
            outward(['client', 'cli', 'web', 'local', 'worker', 'settings']),
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() in a loop.' },
        { name: 'process', message: 'No process in workflow code.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Math.random is replaced in workflows; use uuid4() if needed.' },
      ],
    },
  },
  {
    files: ['**/*.mjs', 'vitest.config.mts', 'vitest.load.config.mts', 'vitest.cluster.config.mts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // The pure domain imports no shell at all.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportDeclaration[source.value=/^\\.\\.\\/(workflows|activities)/]',
          message: 'The domain imports no workflow or activity code.',
        },
      ],
    },
  },
  {
    files: ['src/activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [outward(['workflows', 'client', 'cli', 'web', 'local', 'worker'])] },
      ],
    },
  },
  {
    files: ['src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [outward(['cli', 'web', 'activities', 'local', 'worker'])] }],
    },
  },
);
