// The HTTP routes of docs/api/openapi.yaml under /api/v1, mapped to the
// operations of service.mjs. Nothing here decides anything: a route names
// who may call it (patient or staff) and which service function answers.
// server.mjs supplies the plumbing (authentication, idempotency, replies).

import { AUTH_ROUTES } from './auth/index.mjs';
import { ApiError } from './service.mjs';
import * as service from './service.mjs';
import { DEPLOYMENT_ROUTES, getMyReferralCode, registerDeploymentRoutes } from './loops/deployment.mjs';
import { COUNTER_ROUTES, registerCounterRoutes } from './loops/counter.mjs';
import { CAMPAIGN_ROUTES, registerCampaignRoutes } from './console/campaigns.mjs';
import { CHANNELS_ROUTES, registerChannelsRoutes } from './loops/channels.mjs';
import { HOSPITAL_DESK_ROUTES, registerHospitalDeskRoutes } from './console/hospital-desk.mjs';
import { recordEventByHand } from './console/events.mjs';
import { INBOX_ROUTES, registerInboxRoutes } from './loops/inbox.mjs';
import { checkInAndIssue } from './loops/issuance.mjs';
import { INTAKE_ROUTES, registerIntakeRoutes } from './intake/routes.mjs';
import { STORIES_MONTH_ROUTES, registerStoriesMonthRoutes } from './console/stories-month.mjs';
import { COMMUNITY_CONSOLE_ROUTES, registerCommunityConsoleRoutes } from './console/community.mjs';

/** Mutations by operationId (the contract's, also the /batch item's `operation`). */
export const OPERATIONS = Object.freeze({
  // The check-in and the issuance it completes, in one transaction (loops/issuance.mjs).
  saveCheckIn: { role: 'patient', run: (c, ctx, who, body) => checkInAndIssue(c, ctx, who.subjectId, body) },
  claimReferral: { role: 'patient', run: (c, ctx, who, body) => service.claimReferral(c, ctx, who.subjectId, body) },
  setConsent: { role: 'patient', run: (c, ctx, who, body) => service.setConsent(c, ctx, who.subjectId, body) },
  submitStory: { role: 'patient', run: (c, ctx, who, body) => service.submitStory(c, ctx, who.subjectId, body) },
  recordPromptShown: { role: 'patient', run: (c, ctx, who, body) => service.recordPromptShown(c, ctx, who.subjectId, body) },
  recordHospitalEvent: { role: 'staff', run: (c, ctx, who, body) => recordEventByHand(c, ctx, who.subjectId, body) },
  redeemVoucher: { role: 'staff', run: (c, ctx, who, body) => service.redeemVoucher(c, ctx, who.subjectId, body) },
  decideStory: { role: 'staff', run: (c, ctx, who, body) => service.decideStory(c, ctx, who.subjectId, body) },
  deleteCheckIns: { role: 'patient', run: (c, ctx, who, body) => service.deleteCheckIns(c, ctx, who.subjectId, body) },
  recordClinicalMoment: { role: 'staff', run: (c, ctx, who, body) => service.recordClinicalMoment(c, ctx, who.subjectId, body) },
  recordStaffTouch: { role: 'staff', run: (c, ctx, who, body) => service.recordStaffTouch(c, ctx, who.subjectId, body) },
});
for (const [name, op] of Object.entries(OPERATIONS)) op.name = name;

export const POST_ROUTES = new Map([
  ['/check-ins', 'saveCheckIn'],
  ['/referrals', 'claimReferral'],
  ['/stories', 'submitStory'],
  ['/me/prompts', 'recordPromptShown'],
  ['/staff/referral-events', 'recordHospitalEvent'],
  ['/staff/vouchers/redeem', 'redeemVoucher'],
  ['/staff/stories/decide', 'decideStory'],
  ['/me/check-ins/delete', 'deleteCheckIns'],
  ['/staff/clinical-moments', 'recordClinicalMoment'],
  ['/staff/touches', 'recordStaffTouch'],
]);

/** PUT: replace one resource of the caller (an idempotent mutation, with its key like every other). */
export const PUT_ROUTES = new Map([['/me/consents', 'setConsent']]);

/** Reads: `run(client, ctx, who, query)` inside one read-only snapshot. */
export const GET_ROUTES = new Map([
  ['/profile', { role: 'patient', run: (c, ctx, who) => service.getProfile(c, who.subjectId) }],
  ['/streak-inputs', { role: 'patient', run: (c, ctx, who) => service.getStreakInputs(c, who.subjectId) }],
  ['/eligibility-inputs', { role: 'patient', run: (c, ctx, who) => service.getEligibilityInputsForDevice(c, who.subjectId, ctx) }],
  ['/referral-graph', { role: 'patient', run: (c, ctx, who) => service.getReferralGraph(c, ctx, who.subjectId) }],
  ['/me/consents', { role: 'patient', run: (c, ctx, who) => service.getConsents(c, who.subjectId) }],
  ['/me/prompts', { role: 'patient', run: (c, ctx, who) => service.getPromptHistory(c, who.subjectId) }],
  ['/stories', { role: 'patient', run: (c, ctx, who) => service.getMyStories(c, who.subjectId) }],
  ['/community/stories', { role: 'patient', run: (c, ctx, who, query) => service.getCommunityStories(c, who.subjectId, query.before ?? null) }],
  ['/me/referral-code', { role: 'patient', run: (c, ctx, who) => getMyReferralCode(c, ctx, who.subjectId) }],
  ['/referral-codes', { role: 'patient', run: (c, ctx, who, query) => service.lookupReferralCode(c, ctx, who.subjectId, query.code) }],
  ['/staff/forest', { role: 'staff', run: (c) => service.getHospitalForest(c) }],
  ['/staff/stories', { role: 'staff', run: (c, ctx, who, query) => service.getPendingStories(c, query.before ?? null) }],
  [
    '/staff/community-report-inputs',
    {
      role: 'staff',
      run: async (c, ctx, who, query) => {
        const month = query.month ?? new Date(ctx.nowMs() + 8 * 3_600_000).toISOString().slice(0, 7);
        if (typeof month !== 'string' || !/^\d{4}-\d{2}$/.test(month)) throw new ApiError(400, 'request.bad_query', 'month 应为 YYYY-MM');
        return service.getCommunityReportInputs(c, month);
      },
    },
  ],
]);

/** Every route this server answers under /api/v1 (the contract test checks docs/api/openapi.yaml lists each). */
export function apiRoutes() {
  return [
    { method: 'GET', path: '/now' },
    ...[...GET_ROUTES.keys()].map((path) => ({ method: 'GET', path })),
    ...[...POST_ROUTES.keys()].map((path) => ({ method: 'POST', path })),
    ...[...PUT_ROUTES.keys()].map((path) => ({ method: 'PUT', path })),
    { method: 'POST', path: '/batch' },
    { method: 'POST', path: '/demo/sessions' },
    ...DEPLOYMENT_ROUTES,
    ...COUNTER_ROUTES,
    ...CAMPAIGN_ROUTES,
    ...CHANNELS_ROUTES,
    ...HOSPITAL_DESK_ROUTES,
    ...INBOX_ROUTES,
    ...INTAKE_ROUTES,
    ...STORIES_MONTH_ROUTES,
    ...COMMUNITY_CONSOLE_ROUTES,
    ...AUTH_ROUTES,
  ];
}

/** Is `path` (under /api/v1) a route of this server for some method? */
export function isKnownPath(path) {
  return (
    GET_ROUTES.has(path) || POST_ROUTES.has(path) || PUT_ROUTES.has(path) || path === '/batch' || path === '/now' || path === '/demo/sessions' ||
    AUTH_ROUTES.some((r) => r.path === path) || DEPLOYMENT_ROUTES.some((r) => r.path === path) || INBOX_ROUTES.some((r) => r.path === path) ||
    COUNTER_ROUTES.some((r) => r.path === path) || CAMPAIGN_ROUTES.some((r) => r.path === path) || CHANNELS_ROUTES.some((r) => r.path === path) || HOSPITAL_DESK_ROUTES.some((r) => r.path === path) || INTAKE_ROUTES.some((r) => r.path === path) ||
    STORIES_MONTH_ROUTES.some((r) => r.path === path) || COMMUNITY_CONSOLE_ROUTES.some((r) => r.path === path)
  );
}

/**
 * Registers every route on a Fastify instance (prefix /api/v1).
 * @param {import('fastify').FastifyInstance} app
 * @param {{
 *   core: {version: string},
 *   read: (request: object, route: object) => Promise<object>,
 *   mutate: (request: object, operationName: string) => Promise<{status: number, body: object}>,
 *   batch: (request: object) => Promise<object>,
 *   guard: (role: 'patient' | 'staff', {mutation: boolean}) => Function,
 *   send: (reply: object, status: number, body: object) => object,
 * }} deps
 */
export function registerRoutes(app, deps) {
  app.get('/now', (request, reply) => deps.send(reply, 200, { coreVersion: deps.core.version }));
  for (const [path, route] of GET_ROUTES) {
    app.get(path, { onRequest: deps.guard(route.role, { mutation: false }) }, async (request, reply) =>
      deps.send(reply, 200, await deps.read(request, route)),
    );
  }
  const mutation = (method, path, operationName) =>
    app.route({
      method,
      url: path,
      onRequest: deps.guard(OPERATIONS[operationName].role, { mutation: true }),
      handler: async (request, reply) => {
        const result = await deps.mutate(request, operationName);
        return deps.send(reply, result.status, result.body);
      },
    });
  for (const [path, name] of POST_ROUTES) mutation('POST', path, name);
  for (const [path, name] of PUT_ROUTES) mutation('PUT', path, name);
  app.post('/batch', { onRequest: deps.guard('patient', { mutation: true }) }, async (request, reply) =>
    deps.send(reply, 200, await deps.batch(request)),
  );
  if (deps.deployment) registerDeploymentRoutes(app, { deployment: deps.deployment, send: deps.send });
  if (deps.pool) registerCounterRoutes(app, deps);
  if (deps.pool) registerCampaignRoutes(app, deps);
  if (deps.pool) registerChannelsRoutes(app, deps);
  if (deps.pool) registerHospitalDeskRoutes(app, deps);
  if (deps.pool) registerInboxRoutes(app, deps);
  if (deps.pool && deps.intake) registerIntakeRoutes(app, deps);
  if (deps.pool) registerStoriesMonthRoutes(app, deps);
  if (deps.pool) registerCommunityConsoleRoutes(app, deps);
}
