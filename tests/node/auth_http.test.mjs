// Sign-in over HTTP on the reference backend (scripts/backend/server.mjs with
// scripts/backend/auth/) on a private PostgreSQL: the hospital's id tokens
// (keys made here with jose, served from a loopback JWKS endpoint), WeChat
// codes through the test double, refresh rotation and reuse, logout and
// revocation, the role policy on every kind of route, the demo sign-in only
// in demo mode and only from this machine, the Host check, and the audit log.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { exportJWK, generateKeyPair, SignJWT } from 'jose';

import { ROLES } from '../../scripts/backend/auth/policy.mjs';
import { FakeWeChatExchange } from '../../scripts/backend/auth/wechat.mjs';
import { startPostgres } from '../../scripts/backend/db.mjs';
import { DEMO_PATIENT_ID } from '../../scripts/backend/seed.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { apiClient } from '../support/backend.mjs';

const ISSUER = 'https://idp.demo-hospital.example';
const AUDIENCE = 'carecircle-http-test';
const PUBLIC_ORIGIN = 'https://carecircle.demo-hospital.example';

let postgres;
let backend; // demo mode, with OIDC and WeChat
let plain; // not in demo mode
let api;
let plainApi;
let keys;
let other;
let jwksServer;
const wechat = new FakeWeChatExchange({ appid: 'wx00000000000000aa' });
const newKey = () => `k-${randomUUID()}`;

const idToken = (claims, { key = keys.privateKey, iss = ISSUER, exp = '5m', iat } = {}) => {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(iss).setAudience(AUDIENCE);
  jwt = iat === undefined ? jwt.setIssuedAt() : jwt.setIssuedAt(iat);
  return jwt.setExpirationTime(exp).sign(key);
};

before(async () => {
  keys = await generateKeyPair('RS256');
  other = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256' };
  jwksServer = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise((r) => jwksServer.listen(0, '127.0.0.1', r));
  postgres = await startPostgres();
  const oidc = { issuer: ISSUER, audience: AUDIENCE, jwksUrl: `http://127.0.0.1:${jwksServer.address().port}/jwks` };
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, oidc, wechat, origins: [PUBLIC_ORIGIN], schedule: false });
  plain = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, oidc, schedule: false });
  api = apiClient(backend.apiUrl);
  plainApi = apiClient(plain.apiUrl);
});

after(async () => {
  await backend?.close();
  await plain?.close();
  await postgres?.stop();
  await new Promise((r) => jwksServer?.close(r) ?? r());
});

/** A raw request with headers fetch will not set (Host). */
function rawRequest(port, { method = 'GET', path, headers = {}, body }) {
  return new Promise((resolvePromise, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolvePromise({ status: res.statusCode, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    if (body !== undefined) req.end(JSON.stringify(body));
    else req.end();
  });
}

async function demo(as, extra = {}) {
  const r = await api('POST', '/demo/sessions', { body: { as, ...extra } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

describe('demo sign-in', () => {
  test('refused when the server is not in demo mode (404), whatever is asked', async () => {
    for (const body of [{ as: 'staff' }, { as: 'demoPatient' }, { as: 'staff', role: 'auditor' }]) {
      const r = await plainApi('POST', '/demo/sessions', { body });
      assert.equal(r.status, 404, JSON.stringify(r.body));
    }
  });

  test('refused when relayed for someone else (forwarding headers are not trusted)', async () => {
    for (const headers of [{ 'X-Forwarded-For': '203.0.113.7' }, { Forwarded: 'for=203.0.113.7' }, { 'X-Real-IP': '203.0.113.7' }]) {
      const r = await api('POST', '/demo/sessions', { body: { as: 'staff' }, headers });
      assert.equal(r.status, 403);
      assert.equal(r.body.error.code, 'auth.demo_local_only');
    }
  });

  test('labelled: every demo session says demo, staff take a role, a bad role is a 400', async () => {
    const p = await demo('demoPatient');
    assert.equal(p.demo, true);
    assert.equal(p.role, 'patient');
    assert.equal(p.patientId, DEMO_PATIENT_ID);
    for (const role of Object.keys(ROLES).filter((r) => ROLES[r].staff)) {
      const s = await demo('staff', { role });
      assert.deepEqual([s.role, s.roleLabel, s.demo, s.screens], [role, ROLES[role].label, true, [...ROLES[role].screens]]);
      const me = await api('GET', '/auth/session', { token: s.accessToken });
      assert.equal(me.body.demo, true);
    }
    const bad = await api('POST', '/demo/sessions', { body: { as: 'staff', role: 'admin' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.path, '/role');
  });
});

describe('Host header (DNS rebinding)', () => {
  test('another Host is refused with 421 JSON; the server names and the configured origin pass', async () => {
    const port = backend.port;
    const evil = await rawRequest(port, { path: '/api/v1/now', headers: { Host: 'rebind.evil.example' } });
    assert.equal(evil.status, 421);
    assert.equal(evil.body.error.code, 'request.bad_host');
    const evilDemo = await rawRequest(port, {
      method: 'POST',
      path: '/api/v1/demo/sessions',
      headers: { Host: `rebind.evil.example:${port}`, 'Content-Type': 'application/json' },
      body: { as: 'staff' },
    });
    assert.equal(evilDemo.status, 421, 'no demo session for a rebound name');
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'carecircle.demo-hospital.example']) {
      assert.equal((await rawRequest(port, { path: '/api/v1/now', headers: { Host: host } })).status, 200, host);
    }
  });
});

describe('the hospital identity provider', () => {
  test('a valid id token signs a patient in (registering the record once) and a nurse in', async () => {
    const first = await api('POST', '/auth/sessions', { body: { idToken: await idToken({ sub: 'idp-p1', patient_id: 'mpi-100001', name: '测试患者' }) } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.patientId, 'mpi-100001');
    assert.equal(first.body.role, 'patient');
    assert.equal(first.body.demo, false);
    const profile = await api('GET', '/profile', { token: first.body.accessToken });
    assert.equal(profile.status, 200);
    assert.equal(profile.body.patientId, 'mpi-100001');
    const again = await api('POST', '/auth/sessions', { body: { idToken: await idToken({ sub: 'idp-p1', patient_id: 'mpi-100001' }) } });
    assert.equal(again.body.patientId, 'mpi-100001');

    const nurse = await api('POST', '/auth/sessions', { body: { idToken: await idToken({ sub: 'idp-n1', carecircle_role: 'nurse' }) } });
    assert.equal(nurse.status, 200);
    // The role's screens as the policy lists them (each console area adds its own).
    assert.deepEqual([nurse.body.role, nurse.body.staff, nurse.body.screens], ['nurse', true, [...ROLES.nurse.screens]]);
    assert.ok(nurse.body.screens.includes('counter') && nurse.body.screens.includes('events'));
    assert.equal((await api('GET', '/staff/forest', { token: nurse.body.accessToken })).status, 200);
  });

  test('another key, another issuer, expired: 401 and no session', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      [await idToken({ sub: 'x', patient_id: 'mpi-1' }, { key: other.privateKey }), 'auth.invalid_id_token'],
      [await idToken({ sub: 'x', patient_id: 'mpi-1' }, { iss: 'https://evil.example' }), 'auth.invalid_id_token'],
      [await idToken({ sub: 'x', patient_id: 'mpi-1' }, { exp: now - 300, iat: now - 900 }), 'auth.token_expired'],
    ];
    for (const [token, code] of cases) {
      const r = await api('POST', '/auth/sessions', { body: { idToken: token } });
      assert.equal(r.status, 401, JSON.stringify(r.body));
      assert.equal(r.body.error.code, code);
      assert.equal(r.body.accessToken, undefined);
    }
    const noRole = await api('POST', '/auth/sessions', { body: { idToken: await idToken({ sub: 'idp-nobody' }) } });
    assert.equal(noRole.status, 403);
    assert.equal(noRole.body.error.code, 'auth.no_role');
    const notGranted = await api('POST', '/auth/sessions', { body: { idToken: await idToken({ sub: 'idp-n1', carecircle_role: 'nurse' }), role: 'auditor' } });
    assert.equal(notGranted.body.error.code, 'auth.role_not_granted');
    for (const body of [{}, { idToken: 42 }, { wechatCode: '!' }, []]) {
      assert.equal((await api('POST', '/auth/sessions', { body })).status, 400, JSON.stringify(body));
    }
  });

  test('a role change at the provider ends the sessions of the old role', async () => {
    const nurse = await api('POST', '/auth/sessions', { body: { idToken: await idToken({ sub: 'idp-n2', carecircle_role: 'nurse' }) } });
    assert.equal((await api('GET', '/staff/forest', { token: nurse.body.accessToken })).status, 200);
    const auditor = await api('POST', '/auth/sessions', { body: { idToken: await idToken({ sub: 'idp-n2', carecircle_role: 'auditor' }) } });
    assert.equal(auditor.body.role, 'auditor');
    assert.equal(auditor.body.patientId, nurse.body.patientId, 'the same staff record');
    const old = await api('GET', '/staff/forest', { token: nurse.body.accessToken });
    assert.equal(old.status, 401);
    assert.equal((await api('POST', '/auth/refresh', { body: { refreshToken: nurse.body.refreshToken } })).status, 401);
    assert.equal((await api('GET', '/staff/audit', { token: auditor.body.accessToken })).status, 200);
  });
});

describe('WeChat', () => {
  test('the first code registers a patient and binds the openid; later codes find it', async () => {
    wechat.add('wx-code-000001', { openid: 'o-http-1', unionid: 'u-http-1' });
    wechat.add('wx-code-000002', { openid: 'o-http-1' });
    const first = await api('POST', '/auth/sessions', { body: { wechatCode: 'wx-code-000001' } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.match(first.body.patientId, /^wx-[0-9a-f]{24}$/);
    const second = await api('POST', '/auth/sessions', { body: { wechatCode: 'wx-code-000002' } });
    assert.equal(second.body.patientId, first.body.patientId);
    const reused = await api('POST', '/auth/sessions', { body: { wechatCode: 'wx-code-000001' } });
    assert.equal(reused.status, 401);
    assert.equal(reused.body.error.code, 'auth.wechat_code_rejected');
    assert.equal((await api('GET', '/profile', { token: second.body.accessToken })).status, 200);
    // A server without WeChat configured says so.
    const none = await plainApi('POST', '/auth/sessions', { body: { wechatCode: 'wx-code-000003' } });
    assert.equal(none.status, 404);
    assert.equal(none.body.error.code, 'auth.provider_not_configured');
  });
});

describe('sessions', () => {
  test('refresh rotates; the spent token again ends the session', async () => {
    const s = await demo('newPatient');
    const r1 = await api('POST', '/auth/refresh', { body: { refreshToken: s.refreshToken } });
    assert.equal(r1.status, 200);
    assert.notEqual(r1.body.accessToken, s.accessToken);
    assert.notEqual(r1.body.refreshToken, s.refreshToken);
    assert.equal(r1.body.patientId, s.patientId);
    assert.equal((await api('GET', '/profile', { token: r1.body.accessToken })).status, 200);
    const reuse = await api('POST', '/auth/refresh', { body: { refreshToken: s.refreshToken } });
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.error.code, 'auth.refresh_reused');
    assert.equal((await api('GET', '/profile', { token: r1.body.accessToken })).status, 401, 'the family is revoked');
    assert.equal((await api('POST', '/auth/refresh', { body: { refreshToken: r1.body.refreshToken } })).status, 401);
  });

  test('logout ends the session; the other device stays', async () => {
    const a = await demo('demoPatient');
    const b = await demo('demoPatient');
    const out = await api('POST', '/auth/logout', { token: a.accessToken });
    assert.equal(out.status, 200);
    const after_ = await api('GET', '/profile', { token: a.accessToken });
    assert.equal(after_.status, 401);
    assert.equal(after_.body.error.code, 'auth.invalid_token');
    assert.equal((await api('POST', '/auth/refresh', { body: { refreshToken: a.refreshToken } })).status, 401);
    assert.equal((await api('GET', '/profile', { token: b.accessToken })).status, 200);
  });

  test('operations end every session of a record; other roles may not', async () => {
    const victim = await demo('newPatient');
    const nurse = await demo('staff', { role: 'nurse' });
    const refused = await api('POST', '/staff/sessions/revoke', { token: nurse.accessToken, body: { subjectId: victim.patientId } });
    assert.equal(refused.status, 403);
    const ops = await demo('staff', { role: 'operations' });
    const ok = await api('POST', '/staff/sessions/revoke', { token: ops.accessToken, body: { subjectId: victim.patientId } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.revoked, 1);
    assert.equal((await api('GET', '/profile', { token: victim.accessToken })).status, 401);
  });
});

describe('the role policy over HTTP', () => {
  test('a patient token on a staff route is 403 auth.forbidden; staff on a patient route 403 auth.patient_only', async () => {
    const p = await demo('demoPatient');
    for (const [method, path] of [['GET', '/staff/forest'], ['GET', '/staff/audit'], ['POST', '/staff/stories/decide']]) {
      const r = await api(method, path, { token: p.accessToken, key: newKey(), body: method === 'POST' ? {} : undefined });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.body.error.code, 'auth.forbidden');
    }
    const s = await demo('staff', { role: 'service' });
    const r = await api('GET', '/profile', { token: s.accessToken });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'auth.patient_only');
  });

  // One route each role may call and one it may not.
  const CASES = [
    ['nurse', ['GET', '/staff/forest'], ['GET', '/staff/stories']],
    ['service', ['GET', '/staff/stories'], ['GET', '/staff/forest']],
    ['doctor', ['GET', '/staff/forest'], ['GET', '/staff/community-report-inputs']],
    ['operations', ['GET', '/staff/community-report-inputs'], ['GET', '/staff/stories']],
    ['auditor', ['GET', '/staff/audit'], ['GET', '/staff/forest']],
  ];
  for (const [role, [m1, p1], [m2, p2]] of CASES) {
    test(`${role}: ${m1} ${p1} allowed, ${m2} ${p2} refused`, async () => {
      const s = await demo('staff', { role });
      const ok = await api(m1, p1, { token: s.accessToken });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      const no = await api(m2, p2, { token: s.accessToken });
      assert.equal(no.status, 403);
      assert.equal(no.body.error.code, 'auth.role_forbidden');
    });
  }

  test('no token, a garbage token, a refresh token as bearer: 401', async () => {
    const s = await demo('demoPatient');
    for (const token of [undefined, 'x'.repeat(40), s.refreshToken]) {
      const r = await api('GET', '/profile', { token });
      assert.equal(r.status, 401);
    }
  });
});

describe('the audit log', () => {
  test('staff actions are recorded (allowed and refused); the auditor reads them paged; SQL cannot change them', async () => {
    const service = await demo('staff', { role: 'service' });
    const decided = await api('POST', '/staff/stories/decide', {
      token: service.accessToken,
      key: newKey(),
      body: { storyId: 'st-audit-missing', decision: 'approve' },
    });
    assert.equal(decided.status, 404);
    assert.equal((await api('GET', '/staff/forest', { token: service.accessToken })).status, 403);
    const patient = await demo('demoPatient');
    await api('GET', '/profile', { token: patient.accessToken });

    const auditor = await demo('staff', { role: 'auditor' });
    const page = await api('GET', '/staff/audit', { token: auditor.accessToken });
    assert.equal(page.status, 200);
    const mine = page.body.entries.filter((e) => e.actorId === service.patientId);
    const decide = mine.find((e) => e.route === '/staff/stories/decide' && e.target === 'st-audit-missing');
    assert.ok(decide, JSON.stringify(mine));
    assert.deepEqual(
      [decide.role, decide.operation, decide.status, decide.outcome, decide.demo, decide.method],
      ['service', 'decideStory', 404, 'rejected', true, 'POST'],
    );
    assert.match(decide.address, /127\.0\.0\.1/);
    assert.ok(Math.abs(decide.receivedAtMs - Date.now()) < 60_000);
    const denied = mine.find((e) => e.route === '/staff/forest');
    assert.equal(denied.outcome, 'denied');
    assert.equal(denied.status, 403);
    assert.ok(!page.body.entries.some((e) => e.actorId === patient.patientId), 'patients are not in the staff log');

    // Paging: the next page continues where this one stopped.
    if (page.body.next) {
      const next = await api('GET', `/staff/audit?before=${page.body.next}`, { token: auditor.accessToken });
      assert.ok(next.body.entries.every((e) => Number(e.id) < Number(page.body.next)));
    }
    assert.equal((await api('GET', '/staff/audit?before=abc', { token: auditor.accessToken })).status, 400);

    for (const sql of ["UPDATE staff_audit_log SET outcome = 'ok'", 'DELETE FROM staff_audit_log', 'TRUNCATE staff_audit_log']) {
      await assert.rejects(backend.pool.query(sql), /append-only|permission denied/, sql);
    }
  });
});
