// Moderation throughput: 10 MB of mixed Chinese text against 5,000 patterns,
// native (carecircle_cli) and wasm (Node), reported in MB/s. The text goes in
// 1 MiB messages (a message is at most 4 MiB); the 5,000 patterns ride in the
// request's config, so the automaton is built per call — and that build is
// included, as a server re-checking messages with a custom list would pay it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpusPath = join(root, 'tests', 'moderation', 'corpus.jsonl');

// Precision and recall per category on the labelled corpus of group messages
// (tests/moderation/corpus.jsonl): a message counts as flagged for a
// category when the reply lists it; its label is the one category it should
// get ("none" = everyday talk, which must pass). Also the verdict agreement
// and the throughput of the shipped rules on these short messages.
export function corpusQuality(core) {
  const rows = readFileSync(corpusPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const stats = new Map();
  const stat = (c) => stats.get(c) ?? stats.set(c, { tp: 0, fp: 0, fn: 0 }).get(c);
  let verdicts = 0;
  let cleanEveryday = 0;
  let everyday = 0;
  const replies = [];
  for (const r of rows) {
    const reply = JSON.parse(core.moderateText(JSON.stringify({ text: r.text })));
    if (!reply.ok) throw new Error(`moderateText failed on the corpus: ${JSON.stringify(reply.error)}`);
    const v = reply.value;
    replies.push(v);
    if (v.verdict === r.verdict) verdicts++;
    if (r.category === 'none') {
      everyday++;
      if (v.verdict === 'pass') cleanEveryday++;
    } else {
      stat(r.category);
    }
    for (const c of new Set(v.categories)) {
      if (c === r.category) stat(c).tp++;
      else if (!(r.also ?? []).includes(c)) stat(c).fp++;  // "also": right too
    }
    if (r.category !== 'none' && !v.categories.includes(r.category)) stat(r.category).fn++;
  }
  const requests = rows.map((r) => JSON.stringify({ text: r.text }));
  const bytes = rows.reduce((n, r) => n + Buffer.byteLength(r.text), 0);
  const rounds = 20;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) for (const q of requests) core.moderateText(q);
  const ms = performance.now() - t0;
  return {
    messages: rows.length,
    everyday,
    cleanEveryday,
    verdicts,
    categories: [...stats].sort().map(([category, s]) => ({
      category,
      ...s,
      precision: s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp),
      recall: s.tp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fn),
    })),
    messagesPerSecond: (rows.length * rounds) / (ms / 1000),
    mbPerSecond: (bytes * rounds) / 1e6 / (ms / 1000),
  };
}

function reportCorpus(core, row) {
  const q = corpusQuality(core);
  row('moderation corpus', `${q.messages} messages`, `${q.everyday} everyday, ${q.messages - q.everyday} risky; verdict agrees on ${q.verdicts}`);
  row('moderation everyday clean', `${(100 * q.cleanEveryday / q.everyday).toFixed(1)}%`, `${q.cleanEveryday}/${q.everyday} everyday messages pass`);
  for (const c of q.categories) {
    row(`moderation ${c.category}`, `P ${(100 * c.precision).toFixed(1)}% R ${(100 * c.recall).toFixed(1)}%`,
      `tp ${c.tp}, fp ${c.fp}, fn ${c.fn}`);
  }
  row('moderation corpus wasm', `${q.mbPerSecond.toFixed(2)} MB/s`, `${Math.round(q.messagesPerSecond)} messages/s, one call per message`);
}

function generate(seed = 7) {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const common = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研';
  const words = ['你吃这个药试试', '根治', '治愈率', '最好的医院', '第一次复查', '138 1234 5678', '康复操', '复诊', '颈部', 'OK', '2026年'];
  let text = '';
  while (text.length < 3_600_000) {  // ~10 MB of UTF-8 (3 bytes per CJK character)
    const r = rand();
    if (r < 0.02) text += words[Math.floor(rand() * words.length)];
    else if (r < 0.1) text += '，';
    else if (r < 0.13) text += ' ';
    else text += common[Math.floor(rand() * common.length)];
  }
  const patterns = new Set();
  while (patterns.size < 5000) {
    const len = 2 + Math.floor(rand() * 4);
    let p = '';
    for (let i = 0; i < len; i++) p += common[Math.floor(rand() * common.length)];
    patterns.add(p);
  }
  return { text, patterns: [...patterns] };
}

export function run(core, cliPath, row) {
  reportCorpus(core, row);
  const { text, patterns } = generate();
  const bytes = Buffer.byteLength(text);
  const extraRules = [];
  for (let i = 0; i < patterns.length; i += 500) {
    extraRules.push({ id: `bench-${i}`, category: 'bench', categoryLabel: '基准词表', severity: 'review',
      explanation: '基准测试词表', patterns: patterns.slice(i, i + 500) });
  }
  const chunks = [];
  const size = 350_000;  // characters: ~1 MiB of UTF-8
  for (let i = 0; i < text.length; i += size) {
    chunks.push(JSON.stringify({ text: text.slice(i, i + size), config: { extraRules, maxMatches: 10 } }));
  }
  const first = JSON.parse(core.moderateText(chunks[0]));
  if (!first.ok) throw new Error(`moderateText failed: ${JSON.stringify(first.error)}`);
  const t0 = performance.now();
  for (const c of chunks) core.moderateText(c);
  const wasmMs = performance.now() - t0;
  let nativeMs = 0;
  for (const c of chunks) {
    const r = spawnSync(cliPath, ['moderateText', '--repeat', '3'], { input: c, maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`carecircle_cli moderateText failed: ${r.stderr}`);
    nativeMs += Number(/([\d.]+) ms\/call/.exec(r.stderr.toString())[1]);
  }
  const mb = bytes / 1e6;
  row('moderation data', `${mb.toFixed(1)} MB`, `${patterns.length} patterns + default rules, ${chunks.length} messages`);
  row('moderation native', `${(mb / (nativeMs / 1000)).toFixed(1)} MB/s`, `${nativeMs.toFixed(0)} ms incl. JSON and automaton build per message`);
  row('moderation wasm (Node)', `${(mb / (wasmMs / 1000)).toFixed(1)} MB/s`, `${wasmMs.toFixed(0)} ms, same requests; ${(wasmMs / nativeMs).toFixed(2)}× native time`);
}

// `node scripts/bench/moderation.mjs`: this part of the bench alone.
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { default: createCore } = await import(pathToFileURL(join(root, 'build', 'wasm', 'core.mjs')).href);
  const core = await createCore();
  const rows = [];
  const row = (...r) => rows.push(r);
  run(core, join(root, 'build', 'native', 'tests', 'carecircle_cli'), row);
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [name, value, note] of rows) console.log(`${name.padEnd(width)}  ${value.padStart(22)}  ${note ?? ''}`);
}
