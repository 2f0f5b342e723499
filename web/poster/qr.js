// The QR module grid of a poster, made in the shell with Nayuki's QR Code
// generator (npm `nayuki-qr-code-generator`, served at /vendor/qrcodegen.js by
// scripts/serve.mjs from node_modules — never copied into web/).
//
// Why the shell encodes: docs/api/poster.md, "Why the QR grid travels in the
// request". The core gives the payload and the ECC level (checkReferralCode →
// qrPayload, qrEcc); this file turns them into rows of '0'/'1' exactly as the
// contract shows, and layoutPoster checks the grid it is given (finder and
// timing patterns, format bits, ECC level, payload). No rule lives here.

/** @type {Promise<any> | null} */
let loading = null;

function library() {
  if (!loading) {
    loading = import('../vendor/qrcodegen.js').then((m) => m.default);
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

/**
 * Encodes `payload` with Nayuki's defaults (versions 1–40, automatic mask,
 * boosted ECC) at the level the core asked for.
 * @param {string} payload  the core's qrPayload (an opaque code or a checked link)
 * @param {'L' | 'M' | 'Q' | 'H'} ecc  the core's qrEcc
 * @returns {Promise<string[]>} one string per row, '1' = dark module; rows[y][x]
 */
export async function qrRows(payload, ecc) {
  let qrcodegen;
  try {
    qrcodegen = await library();
  } catch {
    throw new Error('二维码组件加载失败，请检查网络后重试');
  }
  const { Ecc } = qrcodegen.QrCode;
  const level = { L: Ecc.LOW, M: Ecc.MEDIUM, Q: Ecc.QUARTILE, H: Ecc.HIGH }[ecc];
  if (!level) throw new Error(`二维码纠错等级无效：${ecc}`);
  const qr = qrcodegen.QrCode.encodeText(payload, level);
  return Array.from({ length: qr.size }, (_, y) =>
    Array.from({ length: qr.size }, (_, x) => (qr.getModule(x, y) ? '1' : '0')).join(''),
  );
}
