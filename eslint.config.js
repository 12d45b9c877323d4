// ESLint flat config: typescript-eslint's recommended rules on every TS file, plus the
// layering rule of STYLE.md: app/api is pure (DTOs and their zod schemas; no project or Node import).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { existsSync, readdirSync } from 'node:fs';

/** Search methods' folders (app/<kind>/method.ts, app/search-methods.ts): a new one joins the optimizers' layer by being there. */
const METHOD_DIRS = readdirSync(new URL('./app', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(new URL(`./app/${d.name}/method.ts`, import.meta.url)))
  .map((d) => d.name)
  .sort();

/**
 * The layers of the flow, first to last: workloads -> artifacts -> runners -> DB -> predictors ->
 * optimizers -> service -> CLI/server/UI. `files` are a layer's sources, `imports` the import
 * paths that reach it (relative paths, matched as .gitignore patterns).
 */
const LAYERS = [
  { name: 'the base (app/api, app/util)', files: ['app/api/**/*.ts', 'app/util/**/*.ts'], imports: [] },
  { name: 'workloads and artifacts (app/workloads)', files: ['app/workloads/**/*.ts'], imports: ['**/workloads/**'] },
  { name: 'devices (app/devices)', files: ['app/devices/**/*.ts'], imports: ['**/devices/**'] },
  { name: 'runners and meters (native-runners, app/meters)', files: ['native-runners/**/*.ts', 'app/meters/**/*.ts'], imports: ['**/native-runners/**', '**/meters/**'] },
  { name: 'the DB (profiles-db)', files: ['profiles-db/**/*.ts'], imports: ['**/profiles-db/**'] },
  { name: 'profiling jobs (app/profiling)', files: ['app/profiling/**/*.ts'], imports: ['**/profiling/**'] },
  { name: 'predictors (app/predict, app/compare)', files: ['app/predict/**/*.ts', 'app/compare/**/*.ts'], imports: ['**/predict/**', '**/compare/**'] },
  { name: 'training (app/train)', files: ['app/train/**/*.ts'], imports: ['**/train/**'] },
  { name: `optimizers (${METHOD_DIRS.map((d) => `app/${d}`).join(', ')})`, files: [...METHOD_DIRS.map((d) => `app/${d}/**/*.ts`), 'app/search-run.ts', 'app/search-methods.ts'], imports: [...METHOD_DIRS.map((d) => `**/${d}/**`), '**/search-run.js', '**/search-methods.js'] },
  { name: 'the rig checks (app/doctor)', files: ['app/doctor/**/*.ts'], imports: ['**/doctor/**'] },
  { name: 'the service (app/lab-service.ts)', files: ['app/lab-service.ts'], imports: ['**/lab-service.js'] },
  { name: 'the front doors (app/cli, app/server, app/ipc, app/reports, Electron)', files: ['app/cli/**/*.ts', 'app/server/**/*.ts', 'app/ipc/**/*.ts', 'app/reports/**/*.ts', 'app/main.ts', 'app/preload.ts'], imports: ['**/cli/**', '**/server/**', '**/ipc/**', '**/reports/**', '**/main.js', '**/preload.js'] },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'renderer/dist/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The one-way flow (README, "Layout"): a layer imports from its own layer and those before it.
  ...LAYERS.map((layer, i) => ({
    files: layer.files,
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: LAYERS.slice(i + 1).map((later) => ({ group: later.imports, message: `${layer.name} comes before ${later.name} in the flow (README, "Layout"): it may not import from it.` })) }],
    },
  })),
  {
    files: ['app/api/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', '../*', '!./*'], message: 'app/api is pure: it imports nothing from the project outside itself and no Node built-in (zod is its one package).' }] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', performance: 'readonly' } },
  },
);
