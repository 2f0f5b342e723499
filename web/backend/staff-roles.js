// The staff roles as the shell knows them: their Chinese label, the workbench
// screens each may open, and the Backend methods each may call. The server's
// policy (scripts/backend/auth/policy.mjs) decides over HTTP — it sends the
// role and screens with the session — and this table is what the offline demo
// plays the server with; a Node test checks that the two agree.

/** @typedef {'nurse' | 'service' | 'doctor' | 'operations' | 'auditor'} StaffRole */

/**
 * @type {Readonly<Record<StaffRole, {label: string, screens: readonly string[], methods: readonly string[]}>>}
 */
export const STAFF_ROLES = Object.freeze({
  nurse: { label: '护士', screens: ['forest', 'koc', 'counter'], methods: ['getHospitalForest', 'redeemCounterCode'] },
  service: { label: '客服', screens: ['moderation', 'counter'], methods: ['getPendingStories', 'decideStory', 'redeemCounterCode'] },
  doctor: { label: '医生', screens: ['forest', 'koc'], methods: ['getHospitalForest'] },
  operations: { label: '运营', screens: ['report', 'forest'], methods: ['getHospitalForest', 'getCommunityReportInputs'] },
  auditor: { label: '审计', screens: ['audit'], methods: ['getStaffAudit'] },
});

/** Every Backend method that only staff call. */
export const STAFF_METHODS = Object.freeze(['getHospitalForest', 'getCommunityReportInputs', 'getPendingStories', 'decideStory', 'getStaffAudit', 'redeemCounterCode']);

/** @param {unknown} role */
export function isStaffRole(role) {
  return typeof role === 'string' && Object.hasOwn(STAFF_ROLES, role);
}
