#!/usr/bin/env node
// Size profile of the core's .wasm per function and per core module: what
// each part of the core costs a phone to download.
//
//   cmake --build build/wasm --target carecircle_wasm_profile   (the same core, names kept)
//   node scripts/wasm-profile.mjs [build/wasm/profile/core.wasm] [--top N] [--json FILE]
//
// Reads the module's sections itself (no wabt needed): every function body's
// size from the code section, its name from the "name" section that
// --profiling-funcs keeps, the data segments. A function is put in the core
// module whose static library defines it (llvm-nm over
// build/wasm/core/libcarecircle_<module>.a; the bindings' objects are
// "bindings"); what no library defines goes by its name to nlohmann-json,
// Embind, libc++/libc (Emscripten's system libraries) or "other". Template
// code instantiated in several modules is counted once, under "shared".
// Sizes are of the uncompressed body; gzip shrinks everything about 2.7×.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Unsigned LEB128 at `at`: [value, next offset]. */
function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return [value, at];
    shift += 7;
  }
}

function name(bytes, at) {
  const [length, start] = leb(bytes, at);
  return [Buffer.from(bytes.subarray(start, start + length)).toString('utf8'), start + length];
}

/** Sections, function bodies (index, size), names and data segments of a .wasm. */
export function readWasm(bytes) {
  if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error('not a WebAssembly module');
  const sections = [];
  const bodies = [];
  const names = new Map();
  const data = [];
  let importedFunctions = 0;
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = leb(bytes, at + 1);
    const end = start + size;
    let label = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount', 'tag'][id] ?? `#${id}`;
    if (id === 0) {
      const [custom, payload] = name(bytes, start);
      label = `custom "${custom}"`;
      if (custom === 'name') {
        let p = payload;
        while (p < end) {
          const kind = bytes[p];
          const [length, body] = leb(bytes, p + 1);
          if (kind === 1) {
            let [count, q] = leb(bytes, body);
            for (; count > 0; count -= 1) {
              const [index, r] = leb(bytes, q);
              const [text, s] = name(bytes, r);
              names.set(index, text);
              q = s;
            }
          }
          p = body + length;
        }
      }
    } else if (id === 2) {
      let [count, p] = leb(bytes, start);
      for (; count > 0; count -= 1) {
        [, p] = name(bytes, p);
        [, p] = name(bytes, p);
        const kind = bytes[p++];
        if (kind === 0) {
          importedFunctions += 1;
          [, p] = leb(bytes, p);
        } else if (kind === 1) {
          p += 1;
          const flags = bytes[p++];
          [, p] = leb(bytes, p);
          if (flags & 1) [, p] = leb(bytes, p);
        } else if (kind === 2) {
          const flags = bytes[p++];
          [, p] = leb(bytes, p);
          if (flags & 1) [, p] = leb(bytes, p);
        } else if (kind === 3) {
          p += 2;
        } else if (kind === 4) {
          p += 1;
          [, p] = leb(bytes, p);
        } else {
          throw new Error(`unknown import kind ${kind}`);
        }
      }
    } else if (id === 10) {
      let [count, p] = leb(bytes, start);
      for (let i = 0; i < count; i += 1) {
        const [bodySize, body] = leb(bytes, p);
        bodies.push({ index: importedFunctions + i, size: bodySize + (body - p) });
        p = body + bodySize;
      }
    } else if (id === 11) {
      let [count, p] = leb(bytes, start);
      for (; count > 0; count -= 1) {
        const [flags, q] = leb(bytes, p);
        p = q;
        if (flags === 2) [, p] = leb(bytes, p);
        if (flags !== 1) {
          while (bytes[p] !== 0x0b) p += 1;  // the offset expression, up to its end
          p += 1;
        }
        const [length, start2] = leb(bytes, p);
        data.push(length);
        p = start2 + length;
      }
    }
    sections.push({ label, size: end - at });
    at = end;
  }
  return { sections, bodies: bodies.map((b) => ({ ...b, name: names.get(b.index) ?? `function ${b.index}` })), data };
}

/** Symbol (demangled) → the core module libraries that define it. */
function definitions(libDir) {
  const defined = new Map();
  if (!existsSync(libDir)) return defined;
  const nm = ['llvm-nm-14', 'llvm-nm'].find((tool) => {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!nm) return defined;
  const libs = readdirSync(libDir).filter((f) => /^libcarecircle_\w+\.a$/.test(f));
  for (const lib of libs) {
    const module = lib.replace(/^libcarecircle_|\.a$/g, '');
    const out = execFileSync(nm, ['--defined-only', '--demangle', '--no-sort', join(libDir, lib)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    for (const line of out.split('\n')) {
      const m = /^[0-9a-f]+ [TtWw] (.+)$/.exec(line) ?? /^\s*[-0-9a-f]* ?[TtWw] (.+)$/.exec(line);
      if (!m) continue;
      const set = defined.get(m[1]) ?? new Set();
      set.add(module);
      defined.set(m[1], set);
    }
  }
  return defined;
}

function demangleAll(list) {
  const mangled = list.filter((n) => n.startsWith('_Z'));
  if (mangled.length === 0) return new Map();
  const out = execFileSync('c++filt', [], { input: mangled.join('\n'), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).split('\n');
  return new Map(mangled.map((n, i) => [n, out[i]]));
}

function byName(name) {
  if (/nlohmann/.test(name)) return 'nlohmann-json (instantiated)';
  if (/emscripten::|embind|_EmVal|EmscriptenBindingInitializer|__getTypeName/.test(name)) return 'Embind';
  if (/^std::|std::__2::/.test(name)) return 'libc++';
  if (/carecircle::wasm|^\(anonymous namespace\)::/.test(name)) return 'bindings';
  if (/^(dlmalloc|dlfree|malloc|free|memcpy|memset|memmove|strlen|__|emscripten_|sbrk|operator new|operator delete)/.test(name)) return 'libc / runtime';
  return 'other';
}

export function profile(file) {
  const wasm = readWasm(readFileSync(file));
  const demangled = demangleAll(wasm.bodies.map((b) => b.name));
  const defined = definitions(join(dirname(file), '..', 'core'));
  const groups = new Map();
  const functions = [];
  for (const body of wasm.bodies) {
    const readable = demangled.get(body.name) ?? body.name;
    const modules = defined.get(readable);
    let group;
    if (modules && modules.size === 1) group = [...modules][0];
    else if (modules && modules.size > 1) group = /nlohmann/.test(readable) ? 'nlohmann-json (instantiated)' : `shared (${[...modules].sort().join(', ')})`;
    else group = byName(readable);
    const g = groups.get(group) ?? { group, functions: 0, bytes: 0 };
    g.functions += 1;
    g.bytes += body.size;
    groups.set(group, g);
    functions.push({ name: readable, size: body.size, group });
  }
  const code = wasm.sections.find((s) => s.label === 'code')?.size ?? 0;
  const dataBytes = wasm.data.reduce((a, b) => a + b, 0);
  return {
    file,
    bytes: readFileSync(file).length,
    sections: wasm.sections,
    code,
    data: { bytes: dataBytes, segments: wasm.data.length, largest: [...wasm.data].sort((a, b) => b - a).slice(0, 5) },
    groups: [...groups.values()].sort((a, b) => b.bytes - a.bytes),
    functions: functions.sort((a, b) => b.size - a.size),
  };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const jsonAt = args.indexOf('--json');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 30;
  const file = resolve(args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--top' && args[i - 1] !== '--json') ??
    join(root, 'build', 'wasm', 'profile', 'core.wasm'));
  if (!existsSync(file)) {
    process.stderr.write(`${file} not found: cmake --build build/wasm --target carecircle_wasm_profile\n`);
    process.exit(2);
  }
  const p = profile(file);
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`${p.file}: ${kib(p.bytes)}`);
  for (const s of p.sections.filter((x) => x.size > 1024)) console.log(`  section ${s.label.padEnd(24)} ${kib(s.size).padStart(11)}`);
  console.log(`  data: ${p.data.segments} segments, ${kib(p.data.bytes)} (largest ${p.data.largest.map(kib).join(', ')})`);
  console.log('\ncode by module (function bodies):');
  for (const g of p.groups) console.log(`  ${g.group.padEnd(44)} ${String(g.functions).padStart(6)} fns ${kib(g.bytes).padStart(11)} ${(100 * g.bytes / p.code).toFixed(1).padStart(5)} %`);
  console.log(`\nlargest ${top} functions:`);
  for (const f of p.functions.slice(0, top)) console.log(`  ${kib(f.size).padStart(10)}  ${f.group.padEnd(22).slice(0, 22)}  ${f.name.slice(0, 150)}`);
  if (jsonAt >= 0) writeFileSync(args[jsonAt + 1], JSON.stringify({ ...p, functions: p.functions.slice(0, 500) }, null, 2));
}
