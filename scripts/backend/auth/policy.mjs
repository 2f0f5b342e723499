// Who may call what: THE access policy of the reference backend (docs/identity.md
// shows the same table). Every /api/v1 route is listed under the roles that may
// call it; a route no role lists is refused to everyone (403 auth.forbidden).
//
// Patients and staff are apart: a patient token never reaches a /staff/ route
// and a staff token never reaches a patient's own data. Each staff role gets
// the screens of the workbench (工作台) its work needs, and the routes those
// screens and its desk duties call, nothing else.

import { HOSPITAL_DESK_POLICY } from '../console/desk-policy.mjs';
import { CHANNELS_POLICY } from '../loops/channels-policy.mjs';
import { COMMUNITY_CONSOLE_POLICY } from '../console/community-policy.mjs';

/** @typedef {'patient'|'nurse'|'service'|'doctor'|'operations'|'auditor'} Role */

const PATIENT_ROUTES = Object.freeze([
  'GET /profile',
  'GET /streak-inputs',
  'GET /eligibility-inputs',
  'GET /referral-graph',
  'GET /me/consents',
  'PUT /me/consents',
  'GET /me/prompts',
  'POST /me/prompts',
  'POST /me/check-ins/delete',
  'GET /stories',
  'POST /stories',
  'GET /community/stories',
  'GET /referral-codes',
  'GET /me/referral-code',
  'GET /me/vouchers/counter-code',
  'GET /me/inbox',
  'GET /stories/month',
  'GET /me/honours',
  'POST /check-ins',
  'POST /referrals',
  'POST /batch',
]);

/**
 * The roles: their Chinese label (shown to staff), the workbench screens
 * (web/staff/staff.js tabs) and the routes.
 * @type {Readonly<Record<Role, {label: string, staff: boolean, screens: readonly string[], routes: readonly string[]}>>}
 */
const BASE_ROLES = Object.freeze({
  patient: { label: '患者', staff: false, screens: Object.freeze([]), routes: PATIENT_ROUTES },
  // 护士: follows the patients she referred in (forest), the KOC talk, confirms
  // arrivals and admissions at the desk, redeems vouchers at the counter.
  nurse: {
    label: '护士',
    staff: true,
    screens: Object.freeze(['forest', 'koc', 'counter', 'moderation']),
    routes: Object.freeze([
      'GET /staff/forest', 'POST /staff/referral-events', 'POST /staff/vouchers/redeem', 'POST /staff/vouchers/counter-redeem',
      'POST /staff/clinical-moments', 'POST /staff/touches',
      // The drug-advice bot's review items and the groups' Q&A slots (群消息复核).
      'GET /staff/group-messages', 'POST /staff/group-messages/resolve', 'GET /staff/groups', 'PUT /staff/groups/qa-slots', 'POST /staff/group-messages/simulate',
    ]),
  },
  // 客服: reviews patients' stories (内容审核) and redeems vouchers.
  service: {
    label: '客服',
    staff: true,
    screens: Object.freeze(['moderation', 'counter', 'story-month']),
    routes: Object.freeze(['GET /staff/stories', 'POST /staff/stories/decide', 'POST /staff/vouchers/redeem', 'POST /staff/vouchers/counter-redeem', 'POST /staff/touches',
      'GET /staff/group-messages', 'POST /staff/group-messages/resolve', 'GET /staff/groups', 'PUT /staff/groups/qa-slots', 'POST /staff/group-messages/simulate',
      'GET /staff/stories-month', 'PUT /staff/stories-month/call', 'POST /staff/stories-month/pick']),
  },
  // 医生: the referral forest and KOC assessment of the patients; confirms
  // conversions, admissions and discharges; sets the groups' Q&A slots.
  doctor: {
    label: '医生',
    staff: true,
    screens: Object.freeze(['forest', 'koc', 'qa-slots']),
    routes: Object.freeze(['GET /staff/forest', 'POST /staff/referral-events', 'POST /staff/clinical-moments', 'POST /staff/touches',
      // The doctor owns the groups' Q&A slots (群答疑时段).
      'GET /staff/groups', 'PUT /staff/groups/qa-slots']),
  },
  // 运营: the community health report and the forest; ends a session of anyone
  // (a lost phone, a staff member who left).
  operations: {
    label: '运营',
    staff: true,
    screens: Object.freeze(['campaigns', 'report', 'forest', 'jobs', 'story-month']),
    routes: Object.freeze(['GET /staff/forest', 'GET /staff/community-report-inputs', 'GET /staff/campaigns', 'POST /staff/campaigns', 'POST /staff/campaigns/dry-run', 'GET /staff/jobs', 'POST /staff/sessions/revoke',
      'GET /staff/stories-month', 'PUT /staff/stories-month/call', 'POST /staff/stories-month/pick']),
  },
  // 审计: reads the audit log, nothing else.
  auditor: { label: '审计', staff: true, screens: Object.freeze(['audit']), routes: Object.freeze(['GET /staff/audit']) },
});

/** Each role with the hospital desk's screens and routes added after its own (console/hospital-desk.mjs). */
export const ROLES = Object.freeze(
  Object.fromEntries(
    Object.entries(BASE_ROLES).map(([role, r]) => {
      const extra = [HOSPITAL_DESK_POLICY[role], CHANNELS_POLICY[role], COMMUNITY_CONSOLE_POLICY[role]].filter(Boolean);
      if (extra.length === 0) return [role, r];
      return [role, Object.freeze({ ...r, screens: Object.freeze([...r.screens, ...extra.flatMap((d) => d.screens)]), routes: Object.freeze([...r.routes, ...extra.flatMap((d) => d.routes)]) })];
    }),
  ),
);

/** Routes every signed-in caller may call whatever the role (their own session). */
const ANY_SIGNED_IN = new Set(['POST /auth/logout', 'GET /auth/session']);

export const STAFF_ROLES = Object.freeze(Object.keys(ROLES).filter((r) => ROLES[r].staff));

/** @param {string} role */
export function isRole(role) {
  return typeof role === 'string' && Object.hasOwn(ROLES, role);
}

/** @param {string} role */
export function isStaffRole(role) {
  return isRole(role) && ROLES[role].staff;
}

/**
 * May `role` call `method path`?
 * @param {string} role
 * @param {string} method
 * @param {string} path  the route under /api/v1, e.g. /staff/forest
 */
export function mayCall(role, method, path) {
  if (!isRole(role)) return false;
  const route = `${method} ${path}`;
  return ANY_SIGNED_IN.has(route) || ROLES[role].routes.includes(route);
}

/** The refusal of a route the role may not call: its code and a message for people. */
export function refusal(role, path) {
  if (path.startsWith('/staff/')) {
    return isStaffRole(role)
      ? { code: 'auth.role_forbidden', message: `${ROLES[role].label}岗位不能进行这项操作` }
      : { code: 'auth.forbidden', message: '只有医院工作人员可以这样做' };
  }
  return { code: 'auth.patient_only', message: '这是患者本人的功能，工作人员账号不能使用' };
}

/** What a session's reply tells the shell about the role. */
export function roleInfo(role) {
  const r = ROLES[role];
  return { role, roleLabel: r.label, staff: r.staff, screens: [...r.screens] };
}
