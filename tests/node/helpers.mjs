import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(repoRoot, 'tests', 'fixtures');
export const wasmDir = join(repoRoot, 'build', 'wasm');

let corePromise;
// One module instance per test process, as in the shell's singleton loader.
export function loadCore() {
  corePromise ??= import(join(wasmDir, 'core.mjs')).then((m) => m.default());
  return corePromise;
}
