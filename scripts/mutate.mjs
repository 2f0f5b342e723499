// Mutation check of the core's business rules: applies each one-line mutant of
// tests/mutants.json to a scratch copy of the repository, rebuilds core_tests
// natively and runs it. A mutant is killed when core_tests fails (or times
// out); it survives when every test still passes. Prints the kill rate and
// every survivor with the rule it breaks.
//
//   node scripts/mutate.mjs                 # every mutant
//   node scripts/mutate.mjs streak. koc.     # only mutants whose id starts so
//   MUTATE_MIN=95 (default) sets the kill rate below which the exit is 1.
//
// The scratch copy lives in build/mutate/ (src/ = core/, tests/ and
// CMakeLists.txt copied from the working tree, build/ = one Ninja build
// configured once). Each mutant changes one .cpp, so each rebuild compiles
// one file and relinks. A mutant whose `find` text is not in its file (or is
// there more than once) is "stale": the list no longer matches the code, and
// that fails the run just like a low kill rate.
//
// Not part of `npm test`. On a shared machine either hold the heavy lock for
// the whole run:
//   flock /tmp/cc-heavy.lock nice -n 10 node scripts/mutate.mjs
// or let the script take it itself in turns of MUTATE_HOLD_S seconds (default
// 300), so other work gets the lock between turns:
//   MUTATE_LOCK=/tmp/cc-heavy.lock nice -n 10 node scripts/mutate.mjs
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = join(root, 'build', 'mutate');
const src = join(scratch, 'src');
const bin = join(scratch, 'build');
const testBinary = join(bin, 'tests', 'core_tests');
const BUILD_TIMEOUT_MS = 15 * 60_000;
const TEST_TIMEOUT_MS = Number(process.env.MUTATE_TEST_TIMEOUT_S || 120) * 1000;
const MIN_RATE = Number(process.env.MUTATE_MIN || 95);

const log = (line) => process.stdout.write(`${line}\n`);

// ---- the list -------------------------------------------------------------
function loadMutants() {
  const listPath = join(root, 'tests', 'mutants.json');
  const list = JSON.parse(readFileSync(listPath, 'utf8'));
  if (!Array.isArray(list.mutants)) throw new Error('tests/mutants.json: "mutants" must be an array');
  const ids = new Set();
  for (const m of list.mutants) {
    for (const key of ['id', 'file', 'find', 'replace', 'rule']) {
      if (typeof m[key] !== 'string' || m[key] === '') throw new Error(`mutant ${m.id ?? '?'}: "${key}" missing`);
    }
    if (m.find.includes('\n') || m.replace.includes('\n')) throw new Error(`mutant ${m.id}: one line only`);
    if (m.find === m.replace) throw new Error(`mutant ${m.id}: replacement equals the original`);
    if (ids.has(m.id)) throw new Error(`mutant ${m.id}: duplicate id`);
    ids.add(m.id);
  }
  return list.mutants;
}

// ---- scratch copy ---------------------------------------------------------
// Copies a tree, writing only files whose bytes differ (Ninja then rebuilds
// only what changed since the last run) and deleting files gone from the source.
function syncTree(from, to) {
  mkdirSync(to, { recursive: true });
  const wanted = new Set();
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    wanted.add(entry.name);
    const a = join(from, entry.name);
    const b = join(to, entry.name);
    if (entry.isDirectory()) { syncTree(a, b); continue; }
    if (!entry.isFile()) continue;
    if (existsSync(b) && readFileSync(a).equals(readFileSync(b))) continue;
    copyFileSync(a, b);
  }
  for (const entry of readdirSync(to, { withFileTypes: true })) {
    if (!wanted.has(entry.name)) rmSync(join(to, entry.name), { recursive: true, force: true });
  }
}

function syncFile(from, to) {
  if (existsSync(to) && readFileSync(from).equals(readFileSync(to))) return;
  copyFileSync(from, to);
}

function prepareScratch() {
  mkdirSync(src, { recursive: true });
  syncTree(join(root, 'core'), join(src, 'core'));
  syncTree(join(root, 'tests'), join(src, 'tests'));
  syncFile(join(root, 'CMakeLists.txt'), join(src, 'CMakeLists.txt'));
}

// ---- build and run --------------------------------------------------------
const LOCK = process.env.MUTATE_LOCK || '';
const HOLD_MS = Number(process.env.MUTATE_HOLD_S || 300) * 1000;

// Runs one step, killed after `timeout` ms (coreutils `timeout` answers 137).
function run(command, args, timeout) {
  const r = spawnSync('timeout', ['-s', 'KILL', `${Math.ceil(timeout / 1000)}`, command, ...args],
    { cwd: scratch, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, timedOut: r.status === 137, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

// The shared lock, held by a child `flock` for a turn of HOLD_MS and then let
// go so that others can build and test between turns.
let holder = null;
let heldSince = 0;

function acquire() {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', [LOCK, 'sh', '-c', 'echo locked; exec cat >/dev/null'],
      { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdout.once('data', () => resolve(child));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`lock holder exited (${code})`)));
  });
}

async function holdLock() {
  if (!LOCK) return;
  if (holder && Date.now() - heldSince < HOLD_MS) return;
  releaseLock();
  holder = await acquire();
  heldSince = Date.now();
}

function releaseLock() {
  if (!holder) return;
  holder.stdin.end();
  holder = null;
}

function configure() {
  if (existsSync(join(bin, 'build.ninja'))) return;
  // Release semantics (NDEBUG) at -O1: the rules behave the same, each rebuild is quicker.
  const r = run('cmake', ['-S', src, '-B', bin, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release',
    '-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG'], BUILD_TIMEOUT_MS);
  if (r.code !== 0) throw new Error(`configure failed:\n${r.output}`);
}

function build() {
  return run('cmake', ['--build', bin, '--target', 'core_tests'], BUILD_TIMEOUT_MS);
}

function runTests(filter) {
  const args = ['--gtest_brief=1', '--gtest_fail_fast'];
  if (filter) args.push(`--gtest_filter=${filter}`);
  return run(testBinary, args, TEST_TIMEOUT_MS);
}

const failedTests = (output) => [...new Set([...output.matchAll(/^\[  FAILED  \] ([\w/.]+)/gm)].map((m) => m[1]))];

// ---- main -----------------------------------------------------------------
async function main() {
  const prefixes = process.argv.slice(2);
  const all = loadMutants();
  const mutants = prefixes.length ? all.filter((m) => prefixes.some((p) => m.id.startsWith(p))) : all;
  if (mutants.length === 0) throw new Error(`no mutant matches ${prefixes.join(' ')}`);
  mutants.sort((a, b) => a.file.localeCompare(b.file));  // consecutive mutants share a file

  const started = Date.now();
  prepareScratch();
  configure();
  log(`mutate: ${mutants.length} mutants, scratch copy in ${relative(root, scratch)}/`);

  // Baseline: the unmutated copy must build; tests already failing in the
  // working tree (someone's work in progress) are left out of every run.
  await holdLock();
  const base = build();
  if (base.code !== 0) throw new Error(`the unmutated copy does not build:\n${base.output.slice(-4000)}`);
  const baseRun = run(testBinary, ['--gtest_brief=1'], TEST_TIMEOUT_MS * 3);
  const baseFailures = failedTests(baseRun.output);
  if (baseRun.code !== 0 && baseFailures.length === 0) throw new Error(`core_tests fails without a mutant:\n${baseRun.output.slice(-4000)}`);
  const filter = baseFailures.length ? `-${baseFailures.join(':')}` : '';
  if (baseFailures.length) log(`mutate: already failing without a mutant, left out: ${baseFailures.join(', ')}`);

  const results = [];
  for (const m of mutants) {
    const target = join(src, m.file);
    const original = join(root, m.file);
    if (!existsSync(original)) { results.push({ m, status: 'stale', why: 'file not found' }); continue; }
    const text = readFileSync(original, 'utf8');
    const count = text.split(m.find).length - 1;
    if (count !== 1) {
      results.push({ m, status: 'stale', why: count === 0 ? 'original text not found' : `original text found ${count} times` });
      log(`STALE     ${m.id}: ${count === 0 ? 'original text not found' : `found ${count} times`} in ${m.file}`);
      continue;
    }
    await holdLock();
    writeFileSync(target, text.replace(m.find, () => m.replace));
    const t0 = Date.now();
    const b = build();
    let result;
    if (b.timedOut) result = { m, status: 'uncompilable', why: 'build timed out' };
    else if (b.code !== 0) result = { m, status: 'uncompilable', why: (b.output.match(/error: .*/) || ['build failed'])[0] };
    else {
      const t = runTests(filter);
      if (t.timedOut) result = { m, status: 'killed', why: `core_tests timed out after ${TEST_TIMEOUT_MS / 1000} s` };
      else if (t.code !== 0) result = { m, status: 'killed', why: failedTests(t.output)[0] || `core_tests exit ${t.code ?? 'signal'}` };
      else result = { m, status: 'survived', why: 'every test passes' };
    }
    writeFileSync(target, text);  // back to the original (newer mtime: rebuilt with the next mutant)
    results.push(result);
    log(`${result.status.toUpperCase().padEnd(9)} ${m.id} (${((Date.now() - t0) / 1000).toFixed(0)} s): ${result.why}`);
  }

  releaseLock();
  const by = (s) => results.filter((r) => r.status === s);
  const killed = by('killed').length;
  const survived = by('survived');
  const stale = by('stale');
  const broken = by('uncompilable');
  const valid = killed + survived.length;
  const rate = valid ? (100 * killed) / valid : 0;
  log('');
  log(`mutate: ${results.length} mutants: ${killed} killed, ${survived.length} survived, ${stale.length} stale, ${broken.length} uncompilable (${((Date.now() - started) / 60000).toFixed(1)} min)`);
  log(`mutate: kill rate ${rate.toFixed(1)} % (${killed}/${valid}), required ${MIN_RATE} %`);
  for (const r of survived) log(`  survivor ${r.m.id} — ${r.m.file}: ${r.m.rule}`);
  for (const r of stale) log(`  stale    ${r.m.id} — ${r.m.file}: ${r.why}`);
  for (const r of broken) log(`  broken   ${r.m.id} — ${r.m.file}: ${r.why}`);
  const ok = rate >= MIN_RATE && stale.length === 0 && broken.length === 0;
  log(ok ? 'mutate: OK' : 'mutate: FAILED');
  process.exitCode = ok ? 0 : 1;
}

main().catch((error) => {
  releaseLock();
  process.stderr.write(`mutate: ${error.message}\n`);
  process.exitCode = 1;
});
