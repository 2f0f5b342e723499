// Property test: every QR code the core accepts on a poster decodes, with
// zbar, to exactly the payload the core put there — for random referral codes
// (makeReferralCode on random bytes), bare or behind a link base, on every
// template that carries a QR. The grid is made as the shell makes it
// (Nayuki's npm build); the .wasm checks it and places it; this test draws the
// placed `qr` verb module by module into a greyscale image and asks zbar.
// (The browser tests decode the rendered posters themselves.)

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import qrcodegen from 'nayuki-qr-code-generator';

import { loadCore } from './helpers.mjs';

const dir = mkdtempSync(join(tmpdir(), 'cc-qr-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const LINK_BASES = [null, 'https://carecircle.example.cn/r/', 'https://h5.example-hospital.cn/join?code='];
const TEMPLATES = ['referralHonour', 'referralBenefit', 'referralPrivilege', 'thankYouCard'];

function call(core, name, request) {
  return JSON.parse(core[name](JSON.stringify(request)));
}

/** The `qr` verb as a binary PGM, `scale` pixels per module, quiet zone included. */
function pgm(op, scale = 4) {
  const [, , , , quiet, , , rows] = op;
  const n = rows.length + 2 * quiet;
  const side = n * scale;
  const pixels = Buffer.alloc(side * side, 255);
  rows.forEach((row, y) => {
    for (let x = 0; x < row.length; x += 1) {
      if (row[x] !== '1') continue;
      for (let dy = 0; dy < scale; dy += 1) {
        const start = ((y + quiet) * scale + dy) * side + (x + quiet) * scale;
        pixels.fill(0, start, start + scale);
      }
    }
  });
  return Buffer.concat([Buffer.from(`P5 ${side} ${side} 255\n`), pixels]);
}

test('property: every QR the core places decodes with zbar to its exact payload', { timeout: 120_000 }, async () => {
  assert.equal(spawnSync('zbarimg', ['--version']).status, 0, 'zbarimg is missing: apt-get install zbar-tools');
  const core = await loadCore();
  const files = [];
  for (let i = 0; i < 48; i += 1) {
    const linkBase = LINK_BASES[i % LINK_BASES.length];
    const made = call(core, 'makeReferralCode', { randomHex: randomBytes(8).toString('hex'), ...(linkBase ? { linkBase } : {}) });
    assert.equal(made.ok, true, JSON.stringify(made.error));
    const { code, qrPayload, qrEcc } = made.value;
    const qr = qrcodegen.QrCode.encodeText(qrPayload, qrcodegen.QrCode.Ecc[{ L: 'LOW', M: 'MEDIUM', Q: 'QUARTILE', H: 'HIGH' }[qrEcc]]);
    const rows = Array.from({ length: qr.size }, (_, y) =>
      Array.from({ length: qr.size }, (_, x) => (qr.getModule(x, y) ? '1' : '0')).join(''));
    const template = TEMPLATES[i % TEMPLATES.length];
    const reply = call(core, 'layoutPoster', {
      template,
      data: { name: '李晓芳', friendBenefit: '首次体检享100元体检券' },
      referral: { code, ...(linkBase ? { linkBase } : {}) },
      qr: { payload: qrPayload, rows },
    });
    assert.equal(reply.ok, true, `${template} ${code}: ${JSON.stringify(reply.error)}`);
    assert.equal(reply.value.qrPayload, qrPayload);
    const op = reply.value.drawList.find((o) => o[0] === 'qr');
    assert.ok(op, `${template}: no qr verb`);
    assert.deepEqual(op[7], rows, 'the grid is placed as given');
    const file = join(dir, `qr-${i}.pgm`);
    writeFileSync(file, pgm(op));
    files.push({ file, qrPayload });
  }
  for (const { file, qrPayload } of files) {
    const r = spawnSync('zbarimg', ['--nodbus', '--quiet', '--raw', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${file}: zbar found no QR code`);
    assert.equal(r.stdout.trim(), qrPayload);
  }
});
