// Sign-in, sessions, the access policy and the staff audit log of the
// reference backend, as one object the server wires in (docs/identity.md).
//
//   const auth = createAuth({pool, ctx, host, port, origins, demo, oidc, wechat});
//   installAuthHooks(app, auth, {prefix, nowMs})  // Fastify root: Host check, audit hook
//   registerAuthRoutes(api, {auth, send, guard})  // /auth/*, /staff/audit, /staff/sessions/revoke, demo sign-in
//   await auth.guard(request, method, path)       // 401 / 403, or the caller (request.who)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createPatient, DEMO_COMMUNITY_ID, DEMO_PATIENT_ID, DEMO_STAFF_ID, newDemoName } from '../seed.mjs';
import { readAuditLog, recordStaffAction } from './audit.mjs';
import { INTAKE_STAFF_OPERATIONS } from '../intake/routes.mjs';
import { STORIES_MONTH_STAFF_OPERATIONS } from '../console/stories-month.mjs';
import { COMMUNITY_STAFF_OPERATIONS } from '../console/community-policy.mjs';
import { CAMPAIGN_STAFF_OPERATIONS } from '../console/campaigns.mjs';
import { allowedHosts, isAllowedHost, isLocalRequest } from './host.mjs';
import { AuthError, createOidcVerifier } from './oidc.mjs';
import { isStaffRole, mayCall, refusal, ROLES, roleInfo, STAFF_ROLES } from './policy.mjs';
import { createSessionStore, linkIdentity } from './sessions.mjs';

export { AuthError } from './oidc.mjs';
export { ROLES, STAFF_ROLES } from './policy.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const AUTH_SCHEMA_FILE = join(HERE, 'schema.sql');

/** Applies auth/schema.sql (idempotent; after the main schema). */
export async function applyAuthSchema(pool) {
  await pool.query(readFileSync(AUTH_SCHEMA_FILE, 'utf8'));
}

/** The demo's staff accounts, one per role (synthetic, labelled 演示). */
export const DEMO_STAFF = Object.freeze({
  nurse: { id: DEMO_STAFF_ID, name: '陈护士', displayName: '演示工作人员 陈*' },
  service: { id: 'demo-staff-service', name: '林客服', displayName: '演示客服 林*' },
  doctor: { id: 'demo-staff-doctor', name: '周医生', displayName: '演示医生 周*' },
  operations: { id: 'demo-staff-operations', name: '许运营', displayName: '演示运营 许*' },
  auditor: { id: 'demo-staff-auditor', name: '郑审计', displayName: '演示审计 郑*' },
});

/** What each staff route does, for the audit log (mutations carry their operationId). */
const STAFF_OPERATIONS = Object.freeze({
  'GET /staff/forest': 'getHospitalForest',
  'GET /staff/stories': 'getPendingStories',
  'GET /staff/community-report-inputs': 'getCommunityReportInputs',
  'GET /staff/audit': 'readAuditLog',
  'POST /staff/referral-events': 'recordHospitalEvent',
  'POST /staff/vouchers/redeem': 'redeemVoucher',
  'POST /staff/stories/decide': 'decideStory',
  'POST /staff/clinical-moments': 'recordClinicalMoment',
  'POST /staff/touches': 'recordStaffTouch',
  'POST /staff/sessions/revoke': 'revokeSessions',
  ...CAMPAIGN_STAFF_OPERATIONS,
  ...INTAKE_STAFF_OPERATIONS,
  ...STORIES_MONTH_STAFF_OPERATIONS,
  ...COMMUNITY_STAFF_OPERATIONS,
});

/** The thing a staff request acts on, from its body or query. */
function targetOf(body, query) {
  if (body && typeof body === 'object') {
    for (const key of ['storyId', 'referralId', 'subjectId']) if (typeof body[key] === 'string') return body[key];
    if (body.campaign && typeof body.campaign === 'object' && typeof body.campaign.id === 'string') return body.campaign.id.slice(0, 128);
    if (typeof body.patientId === 'string') return typeof body.grantKey === 'string' ? `${body.patientId}/${body.grantKey}` : body.patientId;
  }
  if (query && typeof query.month === 'string') return query.month;
  return null;
}

/**
 * @param {{
 *   pool: import('pg').Pool,
 *   ctx: {core: object, nowMs: () => number},
 *   host: string, port: number,
 *   origins?: string[],
 *   demo?: boolean,
 *   oidc?: import('./oidc.mjs').OidcConfig | null,
 *   wechat?: {provider: string, exchange: (code: string) => Promise<{openid: string, unionid?: string}>} | null,
 *   sessionOptions?: object,
 *   log?: (line: string) => void,
 * }} options
 */
export function createAuth({ pool, ctx, host, port, origins = [], demo = false, oidc = null, wechat = null, sessionOptions = {}, log = () => {} }) {
  const sessions = createSessionStore({ pool, nowMs: ctx.nowMs, ...sessionOptions });
  const verifier = oidc ? createOidcVerifier(oidc, { nowMs: ctx.nowMs }) : null;
  let hosts = allowedHosts({ host, port, origins });

  async function createRecord(client, { id, name, isStaff }) {
    const masked = name ? `${name[0]}*` : isStaff ? '工作人员' : '新用户';
    await createPatient(client, ctx, { id, name, displayName: masked, demo: false, isStaff, isNewPatient: !isStaff });
  }

  async function withTransaction(fn) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** The reply of a new session or a refresh. */
  function sessionReply(opened, { subjectId, role, demo: isDemo }) {
    return {
      token: opened.accessToken,
      accessToken: opened.accessToken,
      refreshToken: opened.refreshToken,
      accessExpiresAtMs: opened.accessExpiresAtMs,
      refreshExpiresAtMs: opened.refreshExpiresAtMs,
      patientId: subjectId,
      ...roleInfo(role),
      demo: isDemo,
    };
  }

  /** POST /auth/sessions {idToken, role?} | {wechatCode}. */
  async function signIn(body) {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AuthError(400, 'request.bad_body', '请求内容应为 {idToken} 或 {wechatCode}');
    let identity;
    if (typeof body.idToken === 'string' || body.idToken !== undefined) {
      if (!verifier) throw new AuthError(404, 'auth.provider_not_configured', '这家医院没有开通统一身份登录');
      const verified = await verifier.verify(body.idToken);
      let role;
      if (body.role !== undefined) {
        if (!verified.roles.includes(body.role)) throw new AuthError(403, 'auth.role_not_granted', '这个账号没有所选岗位的权限', { path: '/role' });
        role = body.role;
      } else {
        role = verified.roles.find((r) => isStaffRole(r)) ?? (verified.roles.includes('patient') || verified.patientId ? 'patient' : null);
      }
      if (!role) throw new AuthError(403, 'auth.no_role', '这个账号还没有开通，请联系医院');
      if (role === 'patient' && !verified.patientId) throw new AuthError(403, 'auth.no_patient_id', '没有找到您的就诊档案，请联系医院');
      identity = { provider: verified.provider, subject: verified.subject, role, patientId: verified.patientId, name: verified.name };
    } else if (body.wechatCode !== undefined) {
      if (!wechat) throw new AuthError(404, 'auth.provider_not_configured', '这家医院没有开通微信登录');
      const { openid, unionid } = await wechat.exchange(body.wechatCode);
      identity = { provider: wechat.provider, subject: openid, unionid, role: 'patient', patientId: null, name: '' };
    } else {
      throw new AuthError(400, 'request.bad_body', '请求内容应为 {idToken} 或 {wechatCode}');
    }
    return withTransaction(async (client) => {
      const subjectId = await linkIdentity(client, identity, createRecord, ctx.nowMs());
      const who = { subjectId, role: identity.role, provider: identity.provider, demo: false };
      return sessionReply(await sessions.open(client, who), who);
    });
  }

  /** POST /demo/sessions {as: demoPatient | newPatient | staff, role?, communityMember?} — demo mode, loopback only. */
  async function demoSignIn(body, rawRequest) {
    if (!demo) throw new AuthError(404, 'request.not_found', '没有这个接口');
    if (!isLocalRequest(rawRequest)) throw new AuthError(403, 'auth.demo_local_only', '演示账号只能在本机使用');
    const as = body?.as ?? 'demoPatient';
    return withTransaction(async (client) => {
      let subjectId;
      let role = 'patient';
      if (as === 'demoPatient') subjectId = DEMO_PATIENT_ID;
      else if (as === 'staff') {
        role = body?.role ?? 'nurse';
        if (!isStaffRole(role)) {
          throw new AuthError(400, 'request.bad_body', `role 应为 ${STAFF_ROLES.join(' / ')}`, { path: '/role' });
        }
        const account = DEMO_STAFF[role];
        subjectId = account.id;
        const exists = await client.query('SELECT 1 FROM patients WHERE id = $1', [subjectId]);
        if (exists.rowCount === 0) {
          await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7))', [subjectId]);
          const again = await client.query('SELECT 1 FROM patients WHERE id = $1', [subjectId]);
          if (again.rowCount === 0) await createPatient(client, ctx, { ...account, isStaff: true });
        }
      } else if (as === 'newPatient') {
        subjectId = `demo-new-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
        const name = newDemoName();
        await createPatient(client, ctx, {
          id: subjectId,
          name,
          displayName: `演示新用户 ${name[0]}*`,
          isCommunityMember: body?.communityMember === true,
          isNewPatient: true,
          communityId: body?.communityMember === true ? DEMO_COMMUNITY_ID : null,
        });
      } else {
        throw new AuthError(400, 'request.bad_body', 'as 应为 demoPatient / staff / newPatient', { path: '/as' });
      }
      const who = { subjectId, role, provider: 'demo', demo: true };
      return sessionReply(await sessions.open(client, who), who);
    });
  }

  /** POST /auth/refresh {refreshToken}. */
  async function refresh(body) {
    const r = await sessions.refresh(body?.refreshToken);
    return sessionReply(r, r);
  }

  /**
   * The caller of a request (401 when there is none), allowed to call
   * `method path` by the policy (403 otherwise). Sets request.who.
   */
  async function guard(request, method, path) {
    const header = String(request.headers.authorization ?? '');
    const match = /^Bearer ([A-Za-z0-9_.~+/=-]{16,256})$/.exec(header);
    if (!match) throw new AuthError(401, 'auth.missing_token', '请先登录');
    const who = await sessions.authenticate(match[1]);
    if (!who) throw new AuthError(401, 'auth.invalid_token', '登录已过期，请重新登录');
    request.who = who;
    if (!mayCall(who.role, method, path)) {
      const { code, message } = refusal(who.role, path);
      throw new AuthError(403, code, message);
    }
    return who;
  }

  /** GET /auth/session: who the token is (the shell asks after a reload). */
  function describe(who) {
    return { patientId: who.subjectId, ...roleInfo(who.role), demo: who.demo };
  }

  /** POST /staff/sessions/revoke {subjectId}: ends every session of a record. */
  async function revoke(body) {
    if (typeof body?.subjectId !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(body.subjectId)) {
      throw new AuthError(400, 'request.bad_body', 'subjectId 应为患者或工作人员编号', { path: '/subjectId' });
    }
    return { revoked: await sessions.revokeSubject(body.subjectId, 'revoked_by_staff') };
  }

  /** GET /staff/audit?before=<cursor>. */
  async function auditPage(query) {
    try {
      return await readAuditLog(pool, { before: query?.before ?? null });
    } catch (error) {
      if (error.code === 'request.bad_cursor') throw new AuthError(400, 'request.bad_query', 'before 应为上一页返回的 next', { path: '/before' });
      throw error;
    }
  }

  /** Appends a staff request to the audit log (after the reply; never fails the request). */
  async function audit(request, { method, path, status, errorCode }) {
    const who = request.who;
    if (!who || !isStaffRole(who.role)) return;
    const route = `${method} ${path}`;
    try {
      await recordStaffAction(pool, {
        receivedAtMs: request.receivedAtMs ?? ctx.nowMs(),
        actorId: who.subjectId,
        role: who.role,
        sessionId: who.sessionId,
        demo: who.demo,
        method,
        route: path,
        operation: STAFF_OPERATIONS[route] ?? route,
        target: targetOf(request.body, request.query),
        address: request.ip ?? request.raw?.socket?.remoteAddress ?? 'unknown',
        status,
        errorCode: errorCode ?? null,
      });
    } catch (error) {
      log(`audit log write failed: ${error?.message ?? error}`);
    }
  }

  return Object.freeze({
    sessions,
    demo,
    signIn,
    demoSignIn,
    refresh,
    guard,
    describe,
    revoke,
    auditPage,
    audit,
    /** Is this Host header one the server answers to? */
    hostAllowed: (hostHeader) => isAllowedHost(hostHeader, hosts),
    /** Once the real port is known (port 0 at start). */
    setPort(actualPort) {
      hosts = allowedHosts({ host, port: actualPort, origins });
    },
  });
}

/**
 * The server-wide hooks, on the root Fastify instance before any route:
 *   onRequest  the Host check (421 request.bad_host) and the time received;
 *   onSend     a staff request's row in the audit log, written before the
 *              reply leaves (so the next request already sees it).
 * @param {import('fastify').FastifyInstance} app
 * @param {ReturnType<typeof createAuth>} auth
 * @param {{prefix: string, nowMs: () => number}} options
 */
export function installAuthHooks(app, auth, { prefix, nowMs }) {
  app.addHook('onRequest', async (request) => {
    request.receivedAtMs = nowMs();
    if (!auth.hostAllowed(request.headers.host)) {
      throw new AuthError(421, 'request.bad_host', '请求的地址不属于这个服务');
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.who || !isStaffRole(request.who.role)) return payload;
    const url = request.routeOptions?.url ?? request.url.split('?', 1)[0];
    const path = url.startsWith(prefix) ? url.slice(prefix.length) : url;
    let errorCode = null;
    if (reply.statusCode >= 400 && typeof payload === 'string') {
      try {
        errorCode = JSON.parse(payload)?.error?.code ?? null;
      } catch {
        errorCode = null;
      }
    }
    await auth.audit(request, { method: request.method, path, status: reply.statusCode, errorCode });
    return payload;
  });
}

/**
 * The auth routes on the /api/v1 scope.
 * @param {import('fastify').FastifyInstance} api
 * @param {{auth: ReturnType<typeof createAuth>, send: Function,
 *   guard: (role: null, options: {mutation: boolean}) => Function | Function[]}} deps
 *   guard: the server's onRequest hooks of a signed-in route (rate limit,
 *   then auth.guard with the route's method and path)
 */
export function registerAuthRoutes(api, { auth, send, guard }) {
  const signedIn = { onRequest: guard(null, { mutation: false }) };
  api.post('/auth/sessions', async (request, reply) => send(reply, 200, await auth.signIn(request.body)));
  api.post('/auth/refresh', async (request, reply) => send(reply, 200, await auth.refresh(request.body)));
  api.post('/auth/logout', signedIn, async (request, reply) => {
    await auth.sessions.logout(request.who.sessionId);
    return send(reply, 200, { ended: true });
  });
  api.get('/auth/session', signedIn, async (request, reply) => send(reply, 200, auth.describe(request.who)));
  api.get('/staff/audit', signedIn, async (request, reply) => send(reply, 200, await auth.auditPage(request.query)));
  api.post('/staff/sessions/revoke', signedIn, async (request, reply) => send(reply, 200, await auth.revoke(request.body)));
  // Not in demo mode the route does not exist: 404, as for any unknown route.
  api.post('/demo/sessions', async (request, reply) => send(reply, 200, await auth.demoSignIn(request.body, request.raw)));
}

/** The routes the auth layer adds under /api/v1 (for apiRoutes and the contract test). */
export const AUTH_ROUTES = Object.freeze([
  { method: 'POST', path: '/auth/sessions' },
  { method: 'POST', path: '/auth/refresh' },
  { method: 'POST', path: '/auth/logout' },
  { method: 'GET', path: '/auth/session' },
  { method: 'GET', path: '/staff/audit' },
  { method: 'POST', path: '/staff/sessions/revoke' },
]);

export { ROLES as ROLE_POLICY };
