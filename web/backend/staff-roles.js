// The staff roles as the shell knows them: their Chinese label, the workbench
// screens each may open, and the Backend methods each may call. The server's
// policy (scripts/backend/auth/policy.mjs) decides over HTTP — it sends the
// role and screens with the session — and this table is what the offline demo
// plays the server with; a Node test checks that the two agree.

import { HOSPITAL_DESK_METHODS, HOSPITAL_DESK_ROLES } from './http-events.js';
import { CHANNEL_STAFF_METHODS, CHANNEL_STAFF_ROLES } from './offline-channels.js';
import { COMMUNITY_CONSOLE_METHODS, COMMUNITY_CONSOLE_ROLES } from './offline-community.js';

/** @typedef {'nurse' | 'service' | 'doctor' | 'operations' | 'auditor'} StaffRole */

/** The console's campaigns (活动管理): operations only. */
const CAMPAIGN_METHODS = ['getCampaigns', 'saveCampaign', 'dryRunCampaign'];

/** The drug-advice bot's review queue and the groups' Q&A slots (群消息复核). */
const GROUP_METHODS = ['getGroupMessageQueue', 'resolveGroupMessage', 'getIntakeGroups', 'setGroupQaSlots', 'simulateGroupMessage'];
/** The story-officer programme (病友故事官). */
const STORY_MONTH_METHODS = ['getStoriesMonth', 'setStoriesMonthCall', 'pickStoryOfMonth'];

/**
 * @type {Readonly<Record<StaffRole, {label: string, screens: readonly string[], methods: readonly string[]}>>}
 */
const BASE_ROLES = Object.freeze({
  nurse: { label: '护士', screens: ['forest', 'koc', 'counter', 'moderation'], methods: ['getHospitalForest', 'redeemCounterCode', ...GROUP_METHODS] },
  service: { label: '客服', screens: ['moderation', 'counter', 'story-month'], methods: ['getPendingStories', 'decideStory', 'redeemCounterCode', ...GROUP_METHODS, ...STORY_MONTH_METHODS] },
  // The doctor owns the groups' Q&A slots (群答疑时段).
  doctor: { label: '医生', screens: ['forest', 'koc', 'qa-slots'], methods: ['getHospitalForest', 'getIntakeGroups', 'setGroupQaSlots'] },
  operations: { label: '运营', screens: ['campaigns', 'report', 'forest', 'jobs', 'story-month'], methods: [...CAMPAIGN_METHODS, 'getHospitalForest', 'getCommunityReportInputs', 'getStaffJobs', ...STORY_MONTH_METHODS] },
  auditor: { label: '审计', screens: ['audit'], methods: ['getStaffAudit'] },
});

/** Each role with the hospital desk's screens and methods added after its own (as the server's policy does). */
export const STAFF_ROLES = Object.freeze(
  /** @type {typeof BASE_ROLES} */ (
    Object.fromEntries(
      Object.entries(BASE_ROLES).map(([role, r]) => {
        const extra = [HOSPITAL_DESK_ROLES[/** @type {keyof typeof HOSPITAL_DESK_ROLES} */ (role)], CHANNEL_STAFF_ROLES[/** @type {keyof typeof CHANNEL_STAFF_ROLES} */ (role)], COMMUNITY_CONSOLE_ROLES[/** @type {keyof typeof COMMUNITY_CONSOLE_ROLES} */ (role)]].filter(Boolean);
        return [role, extra.length ? { ...r, screens: [...r.screens, ...extra.flatMap((d) => d.screens)], methods: [...r.methods, ...extra.flatMap((d) => d.methods)] } : r];
      }),
    )
  ),
);

/** Every Backend method that only staff call. */
export const STAFF_METHODS = Object.freeze([...CAMPAIGN_METHODS, 'getHospitalForest', 'getStaffJobs', 'getCommunityReportInputs', 'getPendingStories', 'decideStory', 'getStaffAudit', 'redeemCounterCode',
  ...GROUP_METHODS, ...STORY_MONTH_METHODS, ...HOSPITAL_DESK_METHODS, ...CHANNEL_STAFF_METHODS, ...COMMUNITY_CONSOLE_METHODS]);

/** @param {unknown} role */
export function isStaffRole(role) {
  return typeof role === 'string' && Object.hasOwn(STAFF_ROLES, role);
}
