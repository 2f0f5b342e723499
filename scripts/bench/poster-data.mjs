// The poster both sides of scripts/bench/poster.mjs draw: the same texts and
// the same QR module grid. Kept apart so that the cold-start probes import
// only this (and Nayuki), not the benchmark's browser machinery.
import qrcodegen from 'nayuki-qr-code-generator';

export const PAYLOAD = 'https://carecircle.example.cn/r/M6SC7N75YR3H3';
const TEXT = {
  title: '成长基金推荐函',
  from: '王*国 诚挚推荐',
  greeting: '亲爱的朋友：',
  message: '我家孩子在这里做了视力检查，医生很耐心，检查前后都讲得很清楚。推荐给有需要的朋友，带孩子来看看也安心。',
  benefitTitle: '好友专享',
  benefit: '孩子免费视力检查一次（200元视力检查券）',
  code: 'M6SC-7N75-YR3H3',
  scan: '微信扫码注册',
  hospital: '示例市第一人民医院',
};

export function qrGrid(payload = PAYLOAD) {
  const qr = qrcodegen.QrCode.encodeText(payload, qrcodegen.QrCode.Ecc.MEDIUM);
  return Array.from({ length: qr.size }, (_, y) =>
    Array.from({ length: qr.size }, (_, x) => (qr.getModule(x, y) ? '1' : '0')).join(''));
}

/** Our request: the same texts (the name is masked by the core). */
export function ourRequest(rows) {
  return {
    template: 'referralBenefit',
    data: { name: '王建国', hospitalName: TEXT.hospital, friendBenefit: TEXT.benefit, message: TEXT.message },
    referral: { code: 'M6SC7N75YR3H3', linkBase: 'https://carecircle.example.cn/r/' },
    qr: { payload: PAYLOAD, rows },
  };
}

/** The QR as an SVG data URI (one path, 4-module quiet zone), from the same rows. */
function qrDataUri(rows) {
  const n = rows.length;
  let d = '';
  rows.forEach((row, y) => {
    for (let x = 0; x < n; x += 1) if (row[x] === '1') d += `M${x + 4},${y + 4}h1v1h-1z`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n + 8} ${n + 8}" shape-rendering="crispEdges">`
    + `<rect width="100%" height="100%" fill="#fff"/><path fill="#1d3c78" d="${d}"/></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

const h = (type, style, ...children) => ({ type, props: { style, children: children.length === 1 ? children[0] : children } });

/** A comparable letter as a Satori element tree (flexbox; Satori wraps the text). */
function satoriTree(rows) {
  const text = (size, weight, color, content, extra = {}) =>
    h('div', { display: 'flex', fontSize: size, fontWeight: weight, color, lineHeight: 1.5, ...extra }, content);
  const card = (extra, ...children) => h('div', {
    display: 'flex', flexDirection: 'column', width: 578, padding: 36, borderRadius: 28, boxSizing: 'content-box',
    backgroundColor: '#ffffff', ...extra,
  }, ...children);
  return h('div', {
    width: 750, height: 1334, display: 'flex', flexDirection: 'column', alignItems: 'center',
    backgroundImage: 'linear-gradient(180deg, #23805f, #5bbd92)', fontFamily: 'Latin, CJK',
  },
  h('div', { display: 'flex', marginTop: 60, width: 148, height: 148, borderRadius: 86, backgroundColor: '#e8f6ee', border: '12px solid #ffffff' }),
  text(52, 700, '#ffffff', TEXT.title, { marginTop: 36 }),
  text(28, 400, '#e8f6ee', TEXT.from, { marginTop: 4 }),
  card({ marginTop: 32 },
    text(30, 400, '#2f2a26', TEXT.greeting),
    text(30, 400, '#2f2a26', TEXT.message, { marginTop: 8, width: 578 }),
    h('div', { display: 'flex', flexDirection: 'column', marginTop: 24, padding: 24, borderRadius: 20, backgroundColor: '#e8f6ee' },
      text(24, 400, '#23805f', TEXT.benefitTitle),
      text(36, 400, '#23805f', TEXT.benefit, { width: 530 }))),
  card({ marginTop: 32, flexDirection: 'row', alignItems: 'center' },
    h('img', { width: 240, height: 240 }),
    h('div', { display: 'flex', flexDirection: 'column', marginLeft: 32 },
      text(24, 400, '#6b7a72', '推荐码'),
      text(34, 400, '#23805f', TEXT.code, { whiteSpace: 'nowrap' }),
      text(22, 400, '#6b7a72', TEXT.scan, { marginTop: 12 }),
      text(22, 400, '#6b7a72', '或在注册页输入推荐码'))),
  text(24, 400, '#e8f6ee', TEXT.hospital, { marginTop: 'auto', marginBottom: 28 }));
}

function withQrImage(tree, rows) {
  // The <img> is the first child of the second card; Satori needs src + size on props.
  const qrCard = tree.props.children[4];
  qrCard.props.children[0] = { type: 'img', props: { src: qrDataUri(rows), width: 240, height: 240 } };
  return tree;
}

// Satori reads TTF/OTF/WOFF (not the .ttc WenQuanYi the demo uses): Latin and
// digits from DejaVu Sans, CJK from Droid Sans Fallback, both from Debian.
export const SATORI_FONT_FILES = {
  latin: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  latinBold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  cjk: '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
};

/** Satori's `fonts` option, read from disk. */
export function satoriFonts(readFileSync) {
  const f = SATORI_FONT_FILES;
  return [
    { name: 'Latin', data: readFileSync(f.latin), weight: 400, style: 'normal' },
    { name: 'Latin', data: readFileSync(f.latinBold), weight: 700, style: 'normal' },
    { name: 'CJK', data: readFileSync(f.cjk), weight: 400, style: 'normal' },
    { name: 'CJK', data: readFileSync(f.cjk), weight: 700, style: 'normal' },
  ];
}

/** The Satori element of the comparison poster, its <img> the QR of `rows`. */
export function satoriElement(rows) {
  return withQrImage(satoriTree(rows), rows);
}
