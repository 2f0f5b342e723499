// The sign-in module of the reference backend (scripts/backend/auth/) on its
// own: the access policy, the Host and loopback checks, id-token verification
// with jose (keys made here, served from a loopback JWKS endpoint or passed as
// a local JWKS), the WeChat code exchange behind its interface, sessions on a
// private PostgreSQL (rotation, reuse, logout, revocation, role change) and
// the append-only audit log. The HTTP routes are tested in auth_http.test.mjs.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { exportJWK, generateKeyPair, SignJWT } from 'jose';

import { readAuditLog, recordStaffAction } from '../../scripts/backend/auth/audit.mjs';
import { allowedHosts, isAllowedHost, isLocalRequest, isLoopbackAddress } from '../../scripts/backend/auth/host.mjs';
import { applyAuthSchema } from '../../scripts/backend/auth/index.mjs';
import { AuthError, createOidcVerifier, normalizeOidcConfig } from '../../scripts/backend/auth/oidc.mjs';
import { isStaffRole, mayCall, refusal, ROLES } from '../../scripts/backend/auth/policy.mjs';
import { createSessionStore, linkIdentity } from '../../scripts/backend/auth/sessions.mjs';
import { FakeWeChatExchange, WeChatJsCode2Session } from '../../scripts/backend/auth/wechat.mjs';
import { applySchema, createPool, startPostgres } from '../../scripts/backend/db.mjs';

const ISSUER = 'https://idp.demo-hospital.example';
const AUDIENCE = 'carecircle-test';

// ---------------------------------------------------------------- policy

describe('access policy', () => {
  // One representative route per role that it may call, and one it may not.
  const CASES = [
    ['patient', 'POST /check-ins', 'GET /staff/forest'],
    ['nurse', 'POST /staff/vouchers/redeem', 'POST /staff/stories/decide'],
    ['service', 'POST /staff/stories/decide', 'GET /staff/community-report-inputs'],
    ['doctor', 'POST /staff/referral-events', 'POST /staff/vouchers/redeem'],
    ['operations', 'GET /staff/community-report-inputs', 'GET /staff/audit'],
    ['auditor', 'GET /staff/audit', 'GET /staff/forest'],
  ];
  for (const [role, allowed, denied] of CASES) {
    test(`${role}: may ${allowed}, not ${denied}`, () => {
      const [m1, p1] = allowed.split(' ');
      const [m2, p2] = denied.split(' ');
      assert.equal(mayCall(role, m1, p1), true);
      assert.equal(mayCall(role, m2, p2), false);
    });
  }

  test('staff never call patient routes, patients never staff routes, unknown roles nothing', () => {
    for (const role of Object.keys(ROLES)) {
      for (const route of ROLES.patient.routes) {
        const [m, p] = route.split(' ');
        assert.equal(mayCall(role, m, p), role === 'patient', `${role} ${route}`);
      }
      for (const r of Object.keys(ROLES)) {
        for (const route of ROLES[r].routes.filter((x) => x.includes(' /staff/'))) {
          const [m, p] = route.split(' ');
          if (role === 'patient') assert.equal(mayCall(role, m, p), false, `${role} ${route}`);
        }
      }
    }
    assert.equal(mayCall('admin', 'GET', '/staff/forest'), false);
    assert.equal(mayCall('__proto__', 'GET', '/profile'), false);
    assert.equal(refusal('patient', '/staff/forest').code, 'auth.forbidden');
    assert.equal(refusal('nurse', '/staff/audit').code, 'auth.role_forbidden');
    assert.equal(refusal('nurse', '/profile').code, 'auth.patient_only');
    assert.equal(isStaffRole('patient'), false);
    assert.equal(isStaffRole('auditor'), true);
  });

  test('every staff role has workbench screens and a Chinese label', () => {
    for (const [role, r] of Object.entries(ROLES)) {
      if (!r.staff) continue;
      assert.ok(r.screens.length > 0, role);
      assert.match(r.label, /^[\u4e00-\u9fff]{2}$/);
    }
  });
});

// ---------------------------------------------------------------- host

describe('Host and loopback checks', () => {
  test('only the server own names and the configured origins are accepted', () => {
    const hosts = allowedHosts({ host: '127.0.0.1', port: 8787, origins: ['https://carecircle.demo-hospital.example'] });
    for (const ok of ['127.0.0.1:8787', 'localhost:8787', 'LOCALHOST:8787', 'carecircle.demo-hospital.example', 'carecircle.demo-hospital.example:443']) {
      assert.equal(isAllowedHost(ok, hosts), true, ok);
    }
    for (const bad of ['evil.example', 'evil.example:8787', '127.0.0.1:8788', '127.0.0.1', '', undefined, 'carecircle.demo-hospital.example:8443']) {
      assert.equal(isAllowedHost(bad, hosts), false, String(bad));
    }
  });

  test('loopback peers without forwarding headers are local; anything relayed is not', () => {
    assert.equal(isLoopbackAddress('127.0.0.1'), true);
    assert.equal(isLoopbackAddress('::ffff:127.0.0.5'), true);
    assert.equal(isLoopbackAddress('::1'), true);
    assert.equal(isLoopbackAddress('10.0.0.2'), false);
    assert.equal(isLoopbackAddress('::ffff:192.168.1.9'), false);
    assert.equal(isLocalRequest({ socket: { remoteAddress: '127.0.0.1' }, headers: {} }), true);
    assert.equal(isLocalRequest({ socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': '203.0.113.9' } }), false);
    assert.equal(isLocalRequest({ socket: { remoteAddress: '127.0.0.1' }, headers: { forwarded: 'for=203.0.113.9' } }), false);
    assert.equal(isLocalRequest({ socket: { remoteAddress: '192.168.1.20' }, headers: {} }), false);
  });
});

// ---------------------------------------------------------------- OIDC

describe('id tokens (jose)', () => {
  let keys;
  let other;
  let jwksServer;
  let jwksUrl;
  let jwksRequests = 0;

  before(async () => {
    keys = await generateKeyPair('RS256');
    other = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwksServer = http.createServer((req, res) => {
      jwksRequests += 1;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise((r) => jwksServer.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${jwksServer.address().port}/jwks.json`;
  });
  after(() => new Promise((r) => jwksServer.close(r)));

  const sign = (claims, { key = keys.privateKey, kid = 'k1', iss = ISSUER, aud = AUDIENCE, exp = '5m', iat, alg = 'RS256' } = {}) => {
    let jwt = new SignJWT(claims).setProtectedHeader({ alg, kid }).setIssuer(iss).setAudience(aud).setSubject(claims.sub ?? 'u-1');
    jwt = iat === undefined ? jwt.setIssuedAt() : jwt.setIssuedAt(iat);
    if (exp !== null) jwt = jwt.setExpirationTime(exp);
    return jwt.sign(key);
  };

  test('a token from the JWKS URL verifies and its claims map to a role', async () => {
    const v = createOidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl });
    const nurse = await v.verify(await sign({ sub: 'staff-77', carecircle_role: ['nurse'], name: '测试护士' }));
    assert.deepEqual(nurse, { provider: ISSUER, subject: 'staff-77', roles: ['nurse'], patientId: null, name: '测试护士' });
    const patient = await v.verify(await sign({ sub: 'p-9', patient_id: 'mpi-000123' }));
    assert.equal(patient.patientId, 'mpi-000123');
    assert.deepEqual(patient.roles, []);
    assert.ok(jwksRequests >= 1);
  });

  test('claim names and role values are configurable', async () => {
    const v = createOidcVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1' }] },
      roleClaim: 'groups',
      roleMap: { 'cc-nurses': 'nurse', 'cc-audit': 'auditor' },
      patientIdClaim: 'mrn',
    });
    const r = await v.verify(await sign({ groups: ['unrelated', 'cc-audit'], mrn: 'M1' }));
    assert.deepEqual(r.roles, ['auditor']);
    assert.equal(r.patientId, 'M1');
  });

  const refusedWith = async (verifier, tokenPromise, code, reason) => {
    await assert.rejects(verifier.verify(await tokenPromise), (error) => {
      assert.ok(error instanceof AuthError);
      assert.equal(error.status, 401);
      assert.equal(error.code, code);
      if (reason) assert.equal(error.extra.reason, reason);
      return true;
    });
  };

  test('another key, another issuer or audience, expired, not yet valid, issued in the future: 401', async () => {
    const v = createOidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl });
    const now = Math.floor(Date.now() / 1000);
    await refusedWith(v, sign({}, { key: other.privateKey }), 'auth.invalid_id_token', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    await refusedWith(v, sign({}, { key: other.privateKey, kid: 'unknown' }), 'auth.invalid_id_token', 'ERR_JWKS_NO_MATCHING_KEY');
    await refusedWith(v, sign({}, { iss: 'https://evil.example' }), 'auth.invalid_id_token', 'ERR_JWT_CLAIM_VALIDATION_FAILED');
    await refusedWith(v, sign({}, { aud: 'someone-else' }), 'auth.invalid_id_token', 'ERR_JWT_CLAIM_VALIDATION_FAILED');
    await refusedWith(v, sign({}, { exp: now - 120, iat: now - 600 }), 'auth.token_expired');
    await refusedWith(v, sign({ nbf: now + 600 }), 'auth.invalid_id_token', 'ERR_JWT_CLAIM_VALIDATION_FAILED');
    await refusedWith(v, sign({}, { iat: now + 600, exp: now + 900 }), 'auth.invalid_id_token', 'ERR_JWT_CLAIM_VALIDATION_FAILED');
    await refusedWith(v, sign({}, { exp: null }), 'auth.invalid_id_token', 'ERR_JWT_CLAIM_VALIDATION_FAILED');
    // A token older than maxTokenAgeSec (an hour by default) even if exp is far away.
    await refusedWith(v, sign({}, { iat: now - 7200, exp: now + 7200 }), 'auth.token_expired');
  });

  test('within the clock tolerance a just-expired token still passes', async () => {
    const v = createOidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl, clockToleranceSec: 30 });
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await v.verify(await sign({}, { exp: now - 10, iat: now - 60 }))).subject, 'u-1');
  });

  test('algorithms are pinned: an HS256 token made with the public key as secret, or alg none, is refused', async () => {
    const v = createOidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl });
    const secret = new TextEncoder().encode(JSON.stringify(await exportJWK(keys.publicKey)));
    await refusedWith(v, sign({}, { key: secret, alg: 'HS256' }), 'auth.invalid_id_token');
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'x', iat: now, exp: now + 60 })).toString('base64url');
    await refusedWith(v, Promise.resolve(`${header}.${payload}.`), 'auth.invalid_id_token');
    // An ES256 token when only RS256 is configured.
    const ec = await generateKeyPair('ES256');
    await refusedWith(v, sign({}, { key: ec.privateKey, alg: 'ES256' }), 'auth.invalid_id_token');
  });

  test('bad configurations are refused at start', () => {
    const base = { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [] } };
    assert.throws(() => normalizeOidcConfig({ ...base, issuer: '' }), /issuer/);
    assert.throws(() => normalizeOidcConfig({ ...base, audience: undefined }), /audience/);
    assert.throws(() => normalizeOidcConfig({ ...base, algorithms: ['HS256'] }), /algorithms/);
    assert.throws(() => normalizeOidcConfig({ ...base, algorithms: ['none'] }), /algorithms/);
    assert.throws(() => normalizeOidcConfig({ ...base, jwksUrl: 'http://idp.example/jwks' }), /exactly one|https/);
    assert.throws(() => normalizeOidcConfig({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'http://idp.example/jwks' }), /https/);
    assert.throws(() => normalizeOidcConfig({ ...base, roleMap: { x: 'superuser' } }), /unknown role/);
    assert.throws(() => normalizeOidcConfig({ ...base, clockToleranceSec: 3600 }), /clockTolerance/);
    assert.equal(normalizeOidcConfig(base).algorithms[0], 'RS256');
  });

  test('a malformed idToken is a 400, not a crash', async () => {
    const v = createOidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl });
    for (const bad of [undefined, 42, '', 'short', 'a'.repeat(20_000)]) {
      await assert.rejects(v.verify(bad), (e) => e.status === 400 && e.code === 'request.bad_body');
    }
    await assert.rejects(v.verify('not.a.jwt-at-all-really'), (e) => e.status === 401);
  });
});

// ---------------------------------------------------------------- WeChat

describe('WeChat code exchange', () => {
  test('the double accepts each registered code once', async () => {
    const wx = new FakeWeChatExchange({ codes: { 'code-aaaa-0001': { openid: 'o-1', unionid: 'u-1' } } });
    assert.deepEqual(await wx.exchange('code-aaaa-0001'), { openid: 'o-1', unionid: 'u-1' });
    await assert.rejects(wx.exchange('code-aaaa-0001'), (e) => e.status === 401 && e.code === 'auth.wechat_code_rejected');
    await assert.rejects(wx.exchange('bad code!'), (e) => e.status === 400);
    assert.equal(wx.provider, 'wechat:wx0000000000000000');
  });

  test('the real adapter builds the jscode2session request and reads its answers (fetch replaced, no network)', async () => {
    const seen = [];
    const answers = [{ openid: 'o-real', session_key: 'k' }, { errcode: 40029, errmsg: 'invalid code' }, { errcode: 45011 }];
    const fetchImpl = async (url) => {
      seen.push(String(url));
      return { json: async () => answers.shift() };
    };
    const wx = new WeChatJsCode2Session({ appid: 'wx0123456789abcdef', secret: 's'.repeat(32), fetchImpl });
    assert.deepEqual(await wx.exchange('code-bbbb-0001'), { openid: 'o-real' });
    const url = new URL(seen[0]);
    assert.equal(url.pathname, '/sns/jscode2session');
    assert.equal(url.searchParams.get('js_code'), 'code-bbbb-0001');
    assert.equal(url.searchParams.get('grant_type'), 'authorization_code');
    await assert.rejects(wx.exchange('code-bbbb-0002'), (e) => e.code === 'auth.wechat_code_rejected');
    await assert.rejects(wx.exchange('code-bbbb-0003'), (e) => e.status === 503);
    const down = new WeChatJsCode2Session({ appid: 'wx0123456789abcdef', secret: 's'.repeat(32), fetchImpl: async () => { throw new Error('offline'); } });
    await assert.rejects(down.exchange('code-bbbb-0004'), (e) => e.code === 'auth.wechat_unavailable');
    assert.throws(() => new WeChatJsCode2Session({ appid: 'nope', secret: 's'.repeat(32) }), /appid/);
    assert.equal(WeChatJsCode2Session.fromEnv({}), null);
  });
});

// ---------------------------------------------------------------- sessions and audit on PostgreSQL

describe('sessions and the audit log on PostgreSQL', () => {
  let postgres;
  let pool;
  let clock = Date.now();
  const nowMs = () => clock;
  let store;
  let n = 0;

  const newRecord = async (isStaff = false) => {
    n += 1;
    const id = `t-${isStaff ? 's' : 'p'}-${n}`;
    await pool.query(
      `INSERT INTO patients (id, display_name, is_staff, referral_code) VALUES ($1, 'T*', $2, $3)`,
      [id, isStaff, `ABCDEFGH${String(n).padStart(5, '0')}`],
    );
    return id;
  };
  const open = async (subjectId, role) => {
    const client = await pool.connect();
    try {
      return await store.open(client, { subjectId, role, provider: 'test', demo: false });
    } finally {
      client.release();
    }
  };

  before(async () => {
    postgres = await startPostgres();
    pool = createPool(postgres.url, { max: 4 });
    await applySchema(pool);
    await applyAuthSchema(pool);
    await applyAuthSchema(pool); // idempotent
    store = createSessionStore({ pool, nowMs });
  });
  after(async () => {
    await pool?.end();
    await postgres?.stop();
  });

  test('an access token authenticates until it expires; the session outlives it through refresh', async () => {
    const id = await newRecord();
    const s = await open(id, 'patient');
    assert.match(s.accessToken, /^cca_/);
    assert.match(s.refreshToken, /^ccr_/);
    assert.deepEqual(await store.authenticate(s.accessToken), { subjectId: id, role: 'patient', sessionId: s.sessionId, demo: false });
    assert.equal(await store.authenticate(s.refreshToken), null, 'a refresh token is no access token');
    const stored = await pool.query('SELECT token_sha256 FROM auth_tokens WHERE session_id = $1', [s.sessionId]);
    assert.ok(stored.rows.every((r) => !r.token_sha256.includes(s.accessToken)), 'only hashes are stored');
    clock += 16 * 60_000;
    assert.equal(await store.authenticate(s.accessToken), null, 'expired after 15 minutes');
    const r = await store.refresh(s.refreshToken);
    assert.equal((await store.authenticate(r.accessToken)).subjectId, id);
  });

  test('refresh rotates; presenting a spent refresh token revokes the whole family', async () => {
    const id = await newRecord();
    const s = await open(id, 'patient');
    const r1 = await store.refresh(s.refreshToken);
    assert.notEqual(r1.refreshToken, s.refreshToken);
    const r2 = await store.refresh(r1.refreshToken);
    assert.ok(await store.authenticate(r2.accessToken));
    // The first refresh token again: copied by someone.
    await assert.rejects(store.refresh(s.refreshToken), (e) => e.status === 401 && e.code === 'auth.refresh_reused');
    assert.equal(await store.authenticate(r2.accessToken), null, 'the live access token of the family is revoked');
    await assert.rejects(store.refresh(r2.refreshToken), (e) => e.code === 'auth.invalid_refresh_token');
    const row = await pool.query('SELECT revoked_reason FROM auth_sessions WHERE id = $1', [s.sessionId]);
    assert.equal(row.rows[0].revoked_reason, 'refresh_reused');
  });

  test('two refreshes of one token at once: one wins, the other is reuse', async () => {
    const id = await newRecord();
    const s = await open(id, 'patient');
    const results = await Promise.allSettled([store.refresh(s.refreshToken), store.refresh(s.refreshToken)]);
    assert.equal(results.filter((x) => x.status === 'fulfilled').length, 1);
    assert.equal(results.find((x) => x.status === 'rejected').reason.code, 'auth.refresh_reused');
  });

  test('logout and staff revocation end sessions; garbage tokens are refused', async () => {
    const id = await newRecord();
    const a = await open(id, 'patient');
    const b = await open(id, 'patient');
    await store.logout(a.sessionId);
    assert.equal(await store.authenticate(a.accessToken), null);
    await assert.rejects(store.refresh(a.refreshToken), (e) => e.code === 'auth.invalid_refresh_token');
    assert.ok(await store.authenticate(b.accessToken), 'another device stays signed in');
    assert.equal(await store.revokeSubject(id), 1);
    assert.equal(await store.authenticate(b.accessToken), null);
    for (const bad of [undefined, '', 'cca_short', `cca_${'x'.repeat(43)}`, `ccr_${'x'.repeat(43)}`]) {
      assert.equal(await store.authenticate(bad), null);
    }
    await assert.rejects(store.refresh('nonsense'), (e) => e.code === 'auth.invalid_refresh_token');
  });

  test('a staff session ends after 12 hours even with a fresh refresh token', async () => {
    const id = await newRecord(true);
    const s = await open(id, 'nurse');
    clock += 11 * 3_600_000;
    const r = await store.refresh(s.refreshToken);
    clock += 2 * 3_600_000;
    await assert.rejects(store.refresh(r.refreshToken), (e) => e.code === 'auth.invalid_refresh_token');
  });

  test('identities: first sign-in links (and registers), a role change revokes the record sessions', async () => {
    const created = [];
    const createRecord = async (client, rec) => {
      created.push(rec.id);
      await client.query(`INSERT INTO patients (id, display_name, is_staff, referral_code) VALUES ($1, 'N*', $2, $3)`, [
        rec.id,
        rec.isStaff,
        `JKMNPQRS${String(created.length).padStart(5, '0')}`,
      ]);
    };
    const link = async (identity) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const id = await linkIdentity(client, identity, createRecord, clock);
        await client.query('COMMIT');
        return id;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    };
    const patient = await link({ provider: ISSUER, subject: 'sub-p', role: 'patient', patientId: 'mpi-42', name: '测试' });
    assert.equal(patient, 'mpi-42');
    assert.equal(await link({ provider: ISSUER, subject: 'sub-p', role: 'patient', patientId: 'mpi-42' }), 'mpi-42');
    assert.deepEqual(created, ['mpi-42'], 'registered once');
    const wx1 = await link({ provider: 'wechat:wx0000000000000000', subject: 'openid-1', role: 'patient' });
    assert.match(wx1, /^wx-[0-9a-f]{24}$/);
    assert.equal(await link({ provider: 'wechat:wx0000000000000000', subject: 'openid-1', role: 'patient' }), wx1);
    // A patient identity cannot turn into staff (and the other way round).
    await assert.rejects(link({ provider: ISSUER, subject: 'sub-p', role: 'nurse' }), (e) => e.code === 'auth.role_mismatch');

    const staff = await link({ provider: ISSUER, subject: 'sub-s', role: 'nurse' });
    const s = await open(staff, 'nurse');
    assert.ok(await store.authenticate(s.accessToken));
    assert.equal(await link({ provider: ISSUER, subject: 'sub-s', role: 'auditor' }), staff);
    assert.equal(await store.authenticate(s.accessToken), null, 'the nurse session ended with the role change');
    const reason = await pool.query('SELECT revoked_reason FROM auth_sessions WHERE id = $1', [s.sessionId]);
    assert.equal(reason.rows[0].revoked_reason, 'role_changed');
  });

  test('the audit log appends and pages, and refuses UPDATE, DELETE and TRUNCATE even via SQL', async () => {
    const actor = await newRecord(true);
    for (let i = 0; i < 5; i += 1) {
      await recordStaffAction(pool, {
        receivedAtMs: clock + i,
        actorId: actor,
        role: 'service',
        demo: false,
        method: 'POST',
        route: '/staff/stories/decide',
        operation: 'decideStory',
        target: `st-${i}`,
        address: '127.0.0.1',
        status: i === 4 ? 403 : 200,
      });
    }
    const first = await readAuditLog(pool, { limit: 3 });
    assert.deepEqual(first.entries.map((e) => e.target), ['st-4', 'st-3', 'st-2']);
    assert.equal(first.entries[0].outcome, 'denied');
    const second = await readAuditLog(pool, { limit: 3, before: first.next });
    assert.deepEqual(second.entries.map((e) => e.target), ['st-1', 'st-0']);
    assert.equal(second.next, null);
    await assert.rejects(readAuditLog(pool, { before: "1; DROP TABLE x" }), (e) => e.code === 'request.bad_cursor');

    // Refused by the missing privilege (the server's role) or, for a superuser, by the trigger.
    for (const sql of [
      "UPDATE staff_audit_log SET outcome = 'ok'",
      'DELETE FROM staff_audit_log',
      'TRUNCATE staff_audit_log',
    ]) {
      await assert.rejects(pool.query(sql), (e) => /append-only|permission denied/.test(e.message), sql);
    }
    assert.equal((await pool.query('SELECT count(*)::int AS n FROM staff_audit_log')).rows[0].n, 5);

    // The trigger alone, with every privilege granted back inside a transaction that is rolled back.
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('GRANT ALL ON staff_audit_log TO CURRENT_USER');
      for (const sql of ["UPDATE staff_audit_log SET outcome = 'ok'", 'DELETE FROM staff_audit_log', 'TRUNCATE staff_audit_log']) {
        await client.query('SAVEPOINT s');
        await assert.rejects(client.query(sql), (e) => /append-only/.test(e.message) && e.code === '42501', sql);
        await client.query('ROLLBACK TO SAVEPOINT s');
      }
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }

    // The server's role keeps INSERT and SELECT only (its ACL entry on the table).
    const acl = await pool.query(
      `SELECT a.privilege_type FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
        WHERE c.relname = 'staff_audit_log' AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = current_user) ORDER BY 1`,
    );
    assert.deepEqual(acl.rows.map((r) => r.privilege_type), ['INSERT', 'SELECT']);
  });
});

// ---------------------------------------------------------------- the shell's copy of the policy

test("the offline demo's staff roles (web/backend/staff-roles.js) agree with the server's policy", async () => {
  const { STAFF_ROLES } = await import('../../web/backend/staff-roles.js');
  const server = Object.fromEntries(
    Object.entries(ROLES)
      .filter(([, r]) => r.staff)
      .map(([role, r]) => [role, { label: r.label, screens: [...r.screens] }]),
  );
  const web = Object.fromEntries(Object.entries(STAFF_ROLES).map(([role, r]) => [role, { label: r.label, screens: [...r.screens] }]));
  assert.deepEqual(web, server);
  // The methods the demo allows are the reads and decisions behind the role's routes.
  const ROUTE_OF = {
    getHospitalForest: 'GET /staff/forest',
    getCommunityReportInputs: 'GET /staff/community-report-inputs',
    getPendingStories: 'GET /staff/stories',
    decideStory: 'POST /staff/stories/decide',
    getStaffAudit: 'GET /staff/audit',
    redeemCounterCode: 'POST /staff/vouchers/counter-redeem',
    getStaffJobs: 'GET /staff/jobs',
    getDischargeCards: 'GET /staff/discharge-cards',
    issueDischargeCard: 'POST /staff/discharge-cards',
    saveKocAssessment: 'POST /staff/koc-assessments',
    recordClinicalMoment: 'POST /staff/clinical-moments',
    getGroupMessageQueue: 'GET /staff/group-messages',
    resolveGroupMessage: 'POST /staff/group-messages/resolve',
    getIntakeGroups: 'GET /staff/groups',
    setGroupQaSlots: 'PUT /staff/groups/qa-slots',
    simulateGroupMessage: 'POST /staff/group-messages/simulate',
    getStoriesMonth: 'GET /staff/stories-month',
    setStoriesMonthCall: 'PUT /staff/stories-month/call',
    pickStoryOfMonth: 'POST /staff/stories-month/pick',
    listEventReferrals: 'GET /staff/event-referrals',
    recordHospitalEvent: 'POST /staff/referral-events',
    importHospitalEvents: 'POST /staff/referral-events/import',
    getDayRedemptions: 'GET /staff/vouchers/redemptions',
    getRecoveryList: 'GET /staff/recovery',
    recordRecoveryCall: 'POST /staff/recovery/calls',
    getRestDays: 'GET /staff/rest-days',
    approveRestDays: 'POST /staff/rest-days',
    getCampaigns: 'GET /staff/campaigns',
    saveCampaign: 'POST /staff/campaigns',
    dryRunCampaign: 'POST /staff/campaigns/dry-run',
    getCommunityGroups: 'GET /staff/community/groups',
    getMemberListInputs: 'GET /staff/community/member-list-inputs',
    getCommunityReportTrend: 'GET /staff/community/report-trend',
    getReferralQualityInputs: 'GET /staff/community/referral-quality-inputs',
    getRiskFlagInputs: 'GET /staff/community/risk-flag-inputs',
    reviewRiskFlag: 'POST /staff/community/risk-flags/review',
  };
  // Every staff method of the shell is mapped above (a new one must be added here).
  for (const r of Object.values(STAFF_ROLES)) for (const method of r.methods) assert.ok(ROUTE_OF[method], `${method} has a route in this table`);
  for (const [role, r] of Object.entries(STAFF_ROLES)) {
    for (const method of r.methods) assert.ok(ROLES[role].routes.includes(ROUTE_OF[method]), `${role} ${method}`);
    for (const [method, route] of Object.entries(ROUTE_OF)) {
      if (ROLES[role].routes.includes(route)) assert.ok(r.methods.includes(method), `${role} may ${method} on the server`);
    }
  }
});
