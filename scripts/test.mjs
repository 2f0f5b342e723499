// Runs every test suite in turn and closes with one summary line over all of
// them: "N passed, N failed, N skipped". Exit status is non-zero on any
// failure, including a runner that crashed before reporting.
//
// Suites: native GoogleTest (ctest), the same suite under ASan + UBSan, a
// short libFuzzer smoke pass per target, the .wasm under Node, and browser
// tests in headless Chromium. Each suite's line carries its elapsed time.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);  // e.g. `node scripts/test.mjs node browser`

function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env } });
    let output = '';
    const relay = (stream) => (chunk) => { output += chunk; stream.write(chunk); };
    child.stdout.on('data', relay(process.stdout));
    child.stderr.on('data', relay(process.stderr));
    child.on('close', (code, signal) => resolve({ code: code ?? 1, signal, output }));
    child.on('error', (error) => resolve({ code: 1, output: String(error) }));
  });
}

// Counts from ctest's "N% tests passed, F tests failed out of T".
function ctestCounts({ output }) {
  const m = output.match(/(\d+) tests? failed out of (\d+)/);
  if (!m) return null;
  const failed = Number(m[1]);
  const skipped = (output.match(/\*\*\*Skipped|Not Run/g) || []).length;
  return { passed: Number(m[2]) - failed - skipped, failed, skipped };
}

// Counts from node --test's spec reporter ("ℹ pass N" ...).
function nodeCounts({ output }) {
  const grab = (name) => {
    const m = output.match(new RegExp(`^ℹ ${name} (\\d+)$`, 'm'));
    return m ? Number(m[1]) : null;
  };
  const passed = grab('pass');
  if (passed === null) return null;
  return { passed, failed: grab('fail') + grab('cancelled'), skipped: grab('skipped') + grab('todo') };
}

const suites = [
  {
    name: 'native',
    steps: [['ctest', ['--test-dir', 'build/native', '--output-on-failure', '-j2']]],
    counts: ctestCounts,
  },
  {
    name: 'sanitizers',
    // One clang tree for the sanitizers and the fuzz targets (scripts/sanitize-tree.sh).
    steps: [
      ['bash', ['scripts/sanitize-tree.sh', 'core_tests']],
      ['ctest', ['--test-dir', 'build/asan', '--output-on-failure', '-j2']],
    ],
    env: { ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1' },
    counts: ctestCounts,
  },
  {
    name: 'fuzz',
    steps: [['bash', ['scripts/fuzz.sh']]],
    env: { FUZZ_SECONDS: process.env.FUZZ_SECONDS || '10', FUZZ_COVERAGE: '0' },
    counts: ({ code, output }) => {
      const ran = (output.match(/^fuzz: \S+ for/gm) || []).length;
      const failed = (output.match(/FAILED/g) || []).length;
      return ran ? { passed: ran - failed, failed: failed || (code ? 1 : 0), skipped: 0 } : null;
    },
  },
  {
    name: 'node',
    steps: [['node', ['--test', '--test-reporter=spec', 'tests/node/']]],
    counts: nodeCounts,
  },
  {
    name: 'browser',
    steps: [['node', ['--test', '--test-reporter=spec', '--test-concurrency=1', 'tests/browser/']]],
    // The production build of the shell (build/web), as it ships; helpers' runs default to the sources.
    env: { CARECIRCLE_WEB: 'build' },
    counts: nodeCounts,
  },
];

// "2 min 10 s" / "43 s"
function elapsed(ms) {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

const total = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
const started = Date.now();
for (const suite of suites) {
  if (only.length && !only.includes(suite.name)) continue;
  console.log(`\n=== ${suite.name} ===`);
  const suiteStarted = Date.now();
  let result = { code: 0, output: '' };
  for (const [command, args] of suite.steps) {
    result = await run(command, args, suite.env);
    if (result.code !== 0) break;
  }
  let counts = suite.counts(result);
  if (!counts) counts = { passed: 0, failed: 1, skipped: 0 };  // the runner itself broke
  if (result.code !== 0 && counts.failed === 0) counts.failed = 1;
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
  lines.push(`${suite.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped` +
    ` (${elapsed(Date.now() - suiteStarted)})`);
}
lines.push(`time: ${elapsed(Date.now() - started)} for the suites (the build before them not counted)`);
console.log('\n' + lines.join('\n'));
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exitCode = total.failed > 0 || total.passed === 0 ? 1 : 0;
