// The mini-program path carries a letter's or card's channel token, and the
// web-view side treats it exactly as the web link: the mini-program page
// (miniprogram/pages/index/index.js, run against a stand-in for Page() and
// getApp()) opens the shell on <webBase>?t=<token>&c=<code>; the shell's link
// handling (web/links.js adoptJoinParameter, joinRouteParts; web/join.js
// channelOfToken) turns that into the claim it sends; the reference backend
// on PostgreSQL decides. A forged `t` on the path is refused with the core's
// code and records nothing; the card's own token is recorded on the channel
// dischargeCard; a share of the card builds the path with its token.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { DEMO_PATIENT_ID } from '../../scripts/backend/seed.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { channelOfToken } from '../../web/join.js';
import { adoptJoinParameter, joinRouteParts } from '../../web/links.js';
import { apiClient } from '../support/backend.mjs';
import { loadCore, repoRoot } from './helpers.mjs';

const TEST_TIMEOUT = 120_000;
const WEB_BASE = 'https://h.example.cn/';

let postgres;
let backend;
let core;
const api = (...args) => apiClient(backend.apiUrl)(...args);
const newKey = () => `k-${randomUUID()}`;

before(async () => {
  postgres = await startPostgres();
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, jobs: false });
  const module = await loadCore();
  core = { call: (name, request) => JSON.parse(module[name](JSON.stringify(request))) };
});

after(async () => {
  await backend?.close();
  if (postgres) {
    const { dir } = postgres;
    await postgres.stop();
    assert.equal(isRunning(dir), false, 'PostgreSQL is stopped');
  }
});

/** The mini-program page as the runtime makes it (Page() options plus setData). */
async function loadPage() {
  let options;
  globalThis.Page = (o) => {
    options = o;
  };
  globalThis.getApp = () => ({ globalData: { webBase: WEB_BASE } });
  try {
    await import(`${pathToFileURL(join(repoRoot, 'miniprogram/pages/index/index.js')).href}?v=${randomUUID()}`);
  } finally {
    delete globalThis.Page;
  }
  const page = { ...options, data: { ...options.data }, share: { ...options.share } };
  page.setData = (d) => Object.assign(page.data, d);
  return page;
}

/**
 * What the shell does with the web-view's address: the join route it
 * adopts (web/links.js), split into code and token, and the claim's channel
 * (web/join.js) — the same steps as for the web link.
 */
function claimFromShellUrl(src) {
  const url = new URL(src);
  let adopted = '';
  adoptJoinParameter({ search: url.search, pathname: url.pathname, hash: url.hash }, { replaceState: (s, t, target) => (adopted = target) });
  const hash = adopted.slice(adopted.indexOf('#join/') + '#join/'.length);
  const { code, token } = joinRouteParts(decodeURIComponent(hash));
  return token ? { code, channel: channelOfToken(token), token } : { code, channel: 'link' };
}

test('the mini-program path carries the card token; a forged t is refused, the real one lands on dischargeCard', { timeout: TEST_TIMEOUT }, async () => {
  const nurse = (await api('POST', '/demo/sessions', { body: { as: 'staff', role: 'nurse' } })).body;
  const patient = (await api('POST', '/demo/sessions', { body: { as: 'demoPatient' } })).body;
  const { serverTimeMs: nowMs } = (await api('GET', '/now')).body;
  const discharged = await api('POST', '/staff/clinical-moments', { token: nurse.token, key: newKey(), body: { patientId: DEMO_PATIENT_ID, kind: 'discharge', atMs: nowMs - 3_600_000 } });
  assert.equal(discharged.status, 200, JSON.stringify(discharged.body));
  const card = await api('POST', '/staff/discharge-cards', { token: nurse.token, key: newKey(), body: { patientId: DEMO_PATIENT_ID, dischargedAtMs: nowMs - 3_600_000 } });
  assert.equal(card.status, 200, JSON.stringify(card.body));
  const code = (await api('GET', '/profile', { token: patient.token })).body.referralCode;
  const page = await loadPage();

  // The patient shares the card inside the mini-program: the share card's path carries its token.
  page.onWebViewMessage({ detail: { data: [{ type: 'share', title: '出院感恩卡', code, token: card.body.token }] } });
  const shared = page.onShareAppMessage();
  assert.equal(shared.path, `/pages/index/index?t=${card.body.token}&c=${code}`);

  // A forged t on the path: one symbol changed, and a well-formed token no card carries.
  const typo = `${card.body.token.slice(0, 6)}${card.body.token[6] === '7' ? '8' : '7'}${card.body.token.slice(7)}`;
  const stranger = core.call('makeChannelToken', {
    channel: 'dischargeCard', randomHex: 'a1b2c3d4e5f60718293a', nowMs, dischargedAtMs: nowMs, cardsAlreadyIssued: 0,
  }).value.token;
  for (const [forged, expected] of [[typo, 'referral.bad_token'], [stranger, 'referral.unknown_token'], ['D<script>&c=X', 'referral.bad_token']]) {
    const friend = (await api('POST', '/demo/sessions', { body: { as: 'newPatient' } })).body;
    page.onLoad({ c: code, t: forged });
    assert.ok(page.data.src.startsWith(`${WEB_BASE}?t=`), page.data.src);
    assert.ok(page.data.src.endsWith(`&c=${code}`), `nothing smuggled into the address: ${page.data.src}`);
    const claim = claimFromShellUrl(page.data.src);
    assert.equal(claim.code, code);
    assert.equal(claim.token, forged.trim());
    const r = await api('POST', '/referrals', { token: friend.token, key: newKey(), body: claim });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.code, expected, forged);
    const none = await backend.pool.query('SELECT count(*)::int AS n FROM referrals WHERE referee_id = $1', [friend.patientId]);
    assert.equal(none.rows[0].n, 0, 'nothing recorded');
  }

  // The card's own path: recorded on the card channel with its token, as from the card's QR.
  const friend = (await api('POST', '/demo/sessions', { body: { as: 'newPatient' } })).body;
  const opened = shared.path.slice(shared.path.indexOf('?') + 1);
  page.onLoad(Object.fromEntries(new URLSearchParams(opened)));
  assert.equal(page.data.src, `${WEB_BASE}?t=${card.body.token}&c=${code}`);
  const claim = claimFromShellUrl(page.data.src);
  assert.deepEqual(claim, { code, channel: 'dischargeCard', token: card.body.token });
  const joined = await api('POST', '/referrals', { token: friend.token, key: newKey(), body: claim });
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  const row = await backend.pool.query('SELECT channel, channel_token FROM referrals WHERE id = $1', [joined.body.referralId]);
  assert.deepEqual(row.rows[0], { channel: 'dischargeCard', channel_token: card.body.token });
  delete globalThis.getApp;
});
