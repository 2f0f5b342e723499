// Moderation throughput: 10 MB of mixed Chinese text against 5,000 patterns,
// native (carecircle_cli) and wasm (Node), reported in MB/s. The text goes in
// 1 MiB messages (a message is at most 4 MiB); the 5,000 patterns ride in the
// request's config, so the automaton is built per call — and that build is
// included, as a server re-checking messages with a custom list would pay it.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

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
