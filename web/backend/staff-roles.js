// The staff roles as the shell knows them: their Chinese label, the workbench
// screens each may open, and the Backend methods each may call. The server's
// policy (scripts/backend/auth/policy.mjs) decides over HTTP — it sends the
// role and screens with the session — and this table is what the offline demo
// plays the server with; a Node test checks that the two agree.

/** @typedef {'nurse' | 'service' | 'doctor' | 'operations' | 'auditor'} StaffRole */

/** The drug-advice bot's review queue and the groups' Q&A slots (群消息复核). */
const GROUP_METHODS = ['getGroupMessageQueue', 'resolveGroupMessage', 'getIntakeGroups', 'setGroupQaSlots', 'simulateGroupMessage'];
/** The story-officer programme (病友故事官). */
const STORY_MONTH_METHODS = ['getStoriesMonth', 'setStoriesMonthCall', 'pickStoryOfMonth'];

/**
 * @type {Readonly<Record<StaffRole, {label: string, screens: readonly string[], methods: readonly string[]}>>}
 */
export const STAFF_ROLES = Object.freeze({
  nurse: { label: '护士', screens: ['forest', 'koc', 'counter', 'moderation'], methods: ['getHospitalForest', 'redeemCounterCode', ...GROUP_METHODS] },
  service: { label: '客服', screens: ['moderation', 'counter', 'story-month'], methods: ['getPendingStories', 'decideStory', 'redeemCounterCode', ...GROUP_METHODS, ...STORY_MONTH_METHODS] },
  doctor: { label: '医生', screens: ['forest', 'koc'], methods: ['getHospitalForest'] },
  operations: { label: '运营', screens: ['report', 'forest', 'story-month'], methods: ['getHospitalForest', 'getCommunityReportInputs', ...STORY_MONTH_METHODS] },
  auditor: { label: '审计', screens: ['audit'], methods: ['getStaffAudit'] },
});

/** Every Backend method that only staff call. */
export const STAFF_METHODS = Object.freeze(['getHospitalForest', 'getCommunityReportInputs', 'getPendingStories', 'decideStory', 'getStaffAudit', 'redeemCounterCode',
  ...GROUP_METHODS, ...STORY_MONTH_METHODS]);

/** @param {unknown} role */
export function isStaffRole(role) {
  return typeof role === 'string' && Object.hasOwn(STAFF_ROLES, role);
}
