// Links that work, on the reference backend over real HTTP against a private
// PostgreSQL:
//   - the deployment's public face (GET /deployment, no sign-in): the
//     configured hospital name, logo (served at /hospital-logo) and join URL;
//   - the caller's own code and link (GET /me/referral-code): the join URL
//     with ?c=<code>, the link the core builds from the configured link base,
//     nothing personal in it; refused to staff and to a caller without a token;
//   - demo mode without a configured URL: the demo server's own address;
//   - a bad join URL (plain http off this machine, a phone number in it) or
//     an unknown key in the deployment file stops the server from starting
//     with a clear message;
//   - a join link whose code was tampered with is refused by the code lookup
//     (422 poster.bad_code), nothing is recorded.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { linkBaseOf } from '../../scripts/backend/loops/deployment.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { apiClient, processesMentioning } from '../support/backend.mjs';
import { loadCore } from './helpers.mjs';

const TEST_TIMEOUT = 60_000;
const JOIN_URL = 'https://h.example.cn/carecircle/';
const HOSPITAL = '示例市第一人民医院（测试）';
// A 1×1 PNG: the logo file of the deployment.
const LOGO = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

let postgres;
let backend;
let core;
let dir;

const api = (...args) => apiClient(backend.apiUrl)(...args);

async function session(as, extra = {}) {
  const r = await api('POST', '/demo/sessions', { body: { as, ...extra } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'carecircle-deployment-'));
  writeFileSync(join(dir, 'logo.png'), LOGO);
  writeFileSync(join(dir, 'deployment.json'), JSON.stringify({ hospitalName: '文件里的名字', joinUrl: JOIN_URL }));
  postgres = await startPostgres();
  backend = await startBackend({
    databaseUrl: postgres.url,
    port: 0,
    web: false,
    demo: true,
    jobs: false,
    // The flag's name wins over the file's; the file's join URL is used.
    deployment: { file: join(dir, 'deployment.json'), hospitalName: HOSPITAL, logo: join(dir, 'logo.png') },
  });
  const module = await loadCore();
  core = { call: (name, request) => JSON.parse(module[name](JSON.stringify(request))) };
});

after(async () => {
  await backend?.close();
  if (postgres) {
    const { dir: data } = postgres;
    await postgres.stop();
    assert.equal(isRunning(data), false, 'PostgreSQL is stopped');
    assert.deepEqual(processesMentioning(data), [], 'no process of the private PostgreSQL is left');
  }
  rmSync(dir, { recursive: true, force: true });
});

test('link base: ?c= after a bare URL, &c= after a query, the fragment dropped', () => {
  assert.equal(linkBaseOf('https://h.example.cn/carecircle/'), 'https://h.example.cn/carecircle/?c=');
  assert.equal(linkBaseOf('https://h.example.cn/app?from=qr'), 'https://h.example.cn/app?from=qr&c=');
  assert.equal(linkBaseOf('https://h.example.cn/app?'), 'https://h.example.cn/app?c=');
  assert.equal(linkBaseOf('https://h.example.cn/app#top'), 'https://h.example.cn/app?c=');
});

test('GET /deployment: the hospital, its logo and the join URL, without signing in', { timeout: TEST_TIMEOUT }, async () => {
  const r = await api('GET', '/deployment');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.hospitalName, HOSPITAL, 'the flag wins over the file');
  assert.equal(r.body.joinUrl, JOIN_URL);
  assert.equal(r.body.logoUrl, '/hospital-logo');
  assert.equal(r.body.miniProgramPath, null);
  const logo = await fetch(new URL(r.body.logoUrl, backend.url));
  assert.equal(logo.status, 200);
  assert.equal(logo.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await logo.arrayBuffer()), LOGO);
});

test('GET /me/referral-code: the code and the join link it is carried in, checked by the core', { timeout: TEST_TIMEOUT }, async () => {
  const { token } = await session('demoPatient');
  const profile = await api('GET', '/profile', { token });
  const r = await api('GET', '/me/referral-code', { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.code, profile.body.referralCode);
  assert.equal(r.body.link, `${JOIN_URL}?c=${r.body.code}`);
  assert.equal(r.body.qrPayload, r.body.link, 'the QR carries the link');
  assert.equal(r.body.linkBase, `${JOIN_URL}?c=`);
  const checked = core.call('checkReferralCode', { code: r.body.code, linkBase: r.body.linkBase });
  assert.equal(checked.value.qrPayload, r.body.link, 'the same link the shell would build with the core');
  // Nothing personal: the link is the join URL and the opaque code only.
  assert.equal(new URL(r.body.link).searchParams.get('c'), r.body.code);
  assert.deepEqual([...new URL(r.body.link).searchParams.keys()], ['c']);
  assert.ok(!r.body.link.includes(profile.body.patientId));
});

test('GET /me/referral-code: a staff token is refused, no token is 401', { timeout: TEST_TIMEOUT }, async () => {
  const staff = await session('staff', { role: 'nurse' });
  const refused = await api('GET', '/me/referral-code', { token: staff.token });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  const anonymous = await api('GET', '/me/referral-code');
  assert.equal(anonymous.status, 401, JSON.stringify(anonymous.body));
});

test('a join link whose code was tampered with is refused, nothing recorded', { timeout: TEST_TIMEOUT }, async () => {
  const owner = await session('demoPatient');
  const { link } = (await api('GET', '/me/referral-code', { token: owner.token })).body;
  const code = new URL(link).searchParams.get('c');
  // One symbol changed: the check symbol no longer fits.
  const tampered = `${code.slice(0, 5)}${code[5] === 'Z' ? 'Y' : 'Z'}${code.slice(6)}`;
  const friend = await session('newPatient');
  const before = (await backend.pool.query('SELECT count(*)::int AS n FROM referrals')).rows[0].n;
  const looked = await api('GET', `/referral-codes?code=${encodeURIComponent(tampered)}`, { token: friend.token });
  assert.equal(looked.status, 422, JSON.stringify(looked.body));
  assert.equal(looked.body.error.code, 'poster.bad_code');
  const claimed = await api('POST', '/referrals', {
    token: friend.token,
    key: `k-${randomUUID()}`,
    body: { code: tampered, channel: 'link', shareProgress: true },
  });
  assert.equal(claimed.status, 422, JSON.stringify(claimed.body));
  assert.equal((await backend.pool.query('SELECT count(*)::int AS n FROM referrals')).rows[0].n, before, 'nothing recorded');
});

test('demo mode without a join URL: the demo server’s own address; bad configurations do not start', { timeout: TEST_TIMEOUT }, async () => {
  const demo = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, jobs: false, seed: false });
  try {
    const token = (await apiClient(demo.apiUrl)('POST', '/demo/sessions', { body: { as: 'demoPatient' } })).body.token;
    const r = await apiClient(demo.apiUrl)('GET', '/me/referral-code', { token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.link, `http://127.0.0.1:${demo.port}/?backend=http&c=${r.body.code}`);
    const face = await apiClient(demo.apiUrl)('GET', '/deployment');
    assert.equal(face.body.hospitalName, '康复示范医院（演示）');
    assert.equal(face.body.logoUrl, null);
  } finally {
    await demo.close();
  }
  const refused = [
    [{ joinUrl: 'http://h.example.cn/carecircle/' }, /推荐链接格式不正确/],
    [{ joinUrl: 'https://h.example.cn/13812345678/' }, /推荐链接格式不正确/],
    [{ hospitalName: '' }, /--hospital-name/],
    [{ miniProgramPath: 'pages/join?x=1' }, /--mini-program-path/],
  ];
  for (const [deployment, message] of refused) {
    await assert.rejects(
      startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, jobs: false, seed: false, deployment }),
      message,
      JSON.stringify(deployment),
    );
  }
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ joinURL: JOIN_URL }));
  await assert.rejects(
    startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, jobs: false, seed: false, deployment: { file: join(dir, 'bad.json') } }),
    /unknown key joinURL/,
  );
});
