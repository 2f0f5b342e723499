// The community console's staff calls, played by the offline demo as the
// reference backend answers them (scripts/backend/console/community.mjs):
// member lists per group, twelve months of the health report's inputs,
// referral quality and risk flags over the demo's synthetic hospital, and the
// review of a flag. Every figure is synthetic (演示) and deterministic per
// day; the rules are the core's, in the screens (and here before a review).
//
// Consent (G9): the demo patient, a member of 甲状腺术后康复群 (demo-g01),
// leaves its lists once they withdrew the 'community' consent.
//
// Registrations: like the server, only a key of the address an account came
// from is known, never the address; the demo makes synthetic keys.

import { generateDemoCommunity, generateDemoForestAsync, lcg } from './demo-data.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const GROUP_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;
const MAX_NOTE = 200;
const REVIEWS_KEY = 'riskFlagReviews';

/** The twelve months ending with `month` (YYYY-MM), oldest first. */
export function trendMonths(month) {
  const m = MONTH.exec(month);
  let year = Number(m[1]);
  let mon = Number(m[2]);
  const out = [];
  for (let i = 0; i < 12; i += 1) {
    out.unshift(`${year}-${String(mon).padStart(2, '0')}`);
    mon -= 1;
    if (mon === 0) {
      mon = 12;
      year -= 1;
    }
  }
  return out;
}

/** A small stable hash of a text (synthetic keys and birth years). */
function hash(text) {
  let h = 2_166_136_261;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16_777_619) >>> 0;
  return h;
}

const localMonth = (ms) => new Date(ms + 8 * HOUR).toISOString().slice(0, 7);

/** Synthetic members of one demo group: some silent 3+ months, some without any interaction for 6+. */
function demoMembers(groupId, count, nowMs) {
  const random = lcg(hash(groupId));
  const surnames = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
  const today = Math.floor(nowMs / DAY) * DAY;
  const members = [];
  for (let i = 0; i < count; i += 1) {
    const joinedDaysAgo = 20 + Math.floor(random() * 400);
    const kind = random();
    const lastMessageDaysAgo = kind < 0.08 ? null : kind < 0.17 ? 95 + Math.floor(random() * 60) : Math.floor(random() * 60);
    const lastInteractionDaysAgo = kind < 0.08 && joinedDaysAgo > 190 ? null : Math.floor(random() * (kind < 0.17 ? 80 : 30));
    const at = (daysAgo) => today - Math.min(daysAgo, joinedDaysAgo) * DAY + 10 * HOUR;
    members.push({
      id: `${groupId}-m${String(i + 1).padStart(3, '0')}`,
      displayName: `演示病友 ${surnames[i % surnames.length]}*`,
      role: i === 0 ? 'doctor' : i === 1 ? 'nurse' : i === 2 ? 'service' : 'patient',
      joinedAtMs: today - joinedDaysAgo * DAY + 9 * HOUR,
      ...(lastMessageDaysAgo === null ? {} : { lastMessageAtMs: at(lastMessageDaysAgo) }),
      ...(lastInteractionDaysAgo === null ? {} : { lastInteractionAtMs: at(lastInteractionDaysAgo) }),
    });
  }
  return members;
}

/**
 * @param {{
 *   clock: () => number,
 *   refusal: (status: number, code: string, message: string, extra?: object) => Error,
 *   communityWithdrawn: () => Promise<boolean>,
 *   reportInputs: () => Promise<{month: string, groups: object[]}>,
 *   demoMember: {id: string, displayName: string},
 *   meta: {read: (name: string) => Promise<any>, write: (name: string, value: any) => Promise<void>},
 * }} deps
 *   communityWithdrawn: whether the demo patient withdrew 'community' (G9);
 *   reportInputs: this month's report inputs as the demo's report has them;
 *   meta: the demo database's key-value store (the reviews live there).
 */
export function createOfflineCommunity({ clock, refusal, communityWithdrawn, reportInputs, demoMember, meta }) {
  /** The groups and their members, as the server's tables would hold them. */
  async function groupsNow() {
    const nowMs = clock();
    const { groups } = generateDemoCommunity(nowMs);
    const withdrawn = await communityWithdrawn();
    return groups.map((g) => {
      const members = demoMembers(g.id, g.id === 'demo-g03' ? 200 : Math.min(200, g.memberCount), nowMs);
      if (g.id === 'demo-g01') {
        members.push({
          id: 'demo-member-self',
          displayName: demoMember.displayName,
          role: 'patient',
          joinedAtMs: nowMs - 300 * DAY,
          lastMessageAtMs: nowMs - 120 * DAY,
          withdrawn,
        });
      }
      const waitingList = [1, 2, 3].map((w) => ({ id: `${g.id}-w${w}`, displayName: `演示候补 ${'郑冯陈'[w - 1]}*`, requestedAtMs: nowMs - (10 - w) * DAY }));
      return { id: g.id, name: g.name, members, waitingList };
    });
  }

  /** The demo hospital's referrals: the forest the 推荐森林 screen draws. */
  async function referrals() {
    const { records } = await generateDemoForestAsync(clock());
    return records;
  }

  async function reviews() {
    return (await meta.read(REVIEWS_KEY)) ?? [];
  }

  async function riskFlagInputs() {
    const records = await referrals();
    const nowMs = clock();
    // Each account's registration, with a synthetic address key: most of the
    // hospital's addresses are shared by a few accounts at most; one ward's
    // guest network registered six within an afternoon three days ago.
    const registrations = records.map((r) => ({
      patientId: r.refereeId,
      atMs: r.registeredAtMs ?? r.invitedAtMs,
      addressKey: (hash(r.refereeId) % 40_000).toString(16).padStart(16, '0'),
    }));
    const cluster = records.filter((r) => r.invitedAtMs < nowMs - 3 * DAY).slice(-6);
    cluster.forEach((r, i) => {
      registrations.push({ patientId: `${r.refereeId}-family`, atMs: nowMs - 3 * DAY + i * 35 * 60_000, addressKey: '00000000a1c3d5e7' });
    });
    return {
      nowMs,
      registrations,
      referrals: records.map((r) => ({
        id: r.id,
        referrerId: r.referrerId,
        refereeId: r.refereeId,
        invitedAtMs: r.invitedAtMs,
        ...(r.voidedAtMs ? { voidedAtMs: r.voidedAtMs } : {}),
      })),
      reviews: await reviews(),
    };
  }

  return {
    async getCommunityGroups() {
      const groups = await groupsNow();
      return { groups: groups.map((g) => ({ id: g.id, name: g.name, members: g.members.filter((m) => !m.withdrawn).length })) };
    },

    async getMemberListInputs(groupId) {
      if (typeof groupId !== 'string' || !GROUP_ID.test(groupId)) throw refusal(400, 'request.bad_query', 'group 应为群编号', { path: '/group' });
      const group = (await groupsNow()).find((g) => g.id === groupId);
      if (!group) throw refusal(404, 'community.unknown_group', '没有找到这个群');
      const kept = group.members.filter((m) => !m.withdrawn).map(({ withdrawn, ...m }) => m);
      return {
        request: { nowMs: clock(), clock: 'device', group: { id: group.id, name: group.name }, members: kept, waitingList: group.waitingList },
        withdrawn: group.members.length - kept.length,
      };
    },

    async getCommunityReportTrend(month) {
      const nowMs = clock();
      const current = localMonth(nowMs);
      const wanted = month ?? current;
      if (typeof wanted !== 'string' || !MONTH.test(wanted) || wanted.slice(0, 4) < '2000' || wanted.slice(0, 4) > '2199') {
        throw refusal(400, 'request.bad_query', 'month 应为 YYYY-MM（2000-01 到 2199-12）', { path: '/month' });
      }
      const base = await reportInputs();
      const months = trendMonths(wanted).map((m) => {
        if (m > current) return { month: m, groups: [] };
        if (m === current) return base;
        // Earlier months: a smooth synthetic history growing toward this month.
        const monthsBack = (Number(current.slice(0, 4)) - Number(m.slice(0, 4))) * 12 + Number(current.slice(5)) - Number(m.slice(5));
        if (monthsBack > 11) return { month: m, groups: [] };
        const days = new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 0)).getUTCDate();
        return {
          month: m,
          groups: base.groups.map((g, k) => {
            const factor = 0.55 + (0.45 * (11 - monthsBack + 1)) / 11 + 0.06 * Math.sin(monthsBack + k);
            const scale = (v) => Math.max(0, Math.round(v * factor));
            const daily = g.dailyMessages.length ? Array.from({ length: days }, (_, d) => scale(g.dailyMessages[d % g.dailyMessages.length])) : [];
            return {
              id: g.id,
              name: g.name,
              memberCount: scale(g.memberCount),
              dailyMessages: daily,
              ...(g.revisit ? { revisit: { members: scale(g.revisit.members), revisitedWithin60Days: Math.min(scale(g.revisit.members), scale(g.revisit.revisitedWithin60Days)) } } : {}),
              ...(g.quarterNewMembers
                ? { quarterNewMembers: { total: scale(g.quarterNewMembers.total), referredByMembers: Math.min(scale(g.quarterNewMembers.total), scale(g.quarterNewMembers.referredByMembers)) } }
                : {}),
            };
          }),
        };
      });
      return { month: wanted, months };
    },

    async getReferralQualityInputs({ from, to } = {}) {
      const period = {};
      for (const [key, v] of [['from', from], ['to', to]]) {
        if (v === undefined || v === null || v === '') continue;
        const day = typeof v === 'string' && DATE.test(v) ? new Date(`${v}T00:00:00Z`) : null;
        if (!day || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== v) {
          throw refusal(400, 'request.bad_query', `${key} 应为 YYYY-MM-DD 日期`, { path: `/${key}` });
        }
        period[key] = v;
      }
      if (period.from && period.to && period.from > period.to) throw refusal(400, 'request.bad_query', '开始日期不能晚于结束日期', { path: '/from' });
      const records = await referrals();
      const referrerIds = [...new Set(records.map((r) => r.referrerId))].sort();
      return {
        nowMs: clock(),
        ...(Object.keys(period).length ? { period } : {}),
        // Synthetic birth years (1940-1995); about one referrer in ten has none recorded.
        referrers: referrerIds.map((id) => {
          const h = hash(id);
          return h % 10 === 0 ? { id } : { id, birthYear: 1940 + (h % 56) };
        }),
        referrals: records,
      };
    },

    async getRiskFlagInputs() {
      return riskFlagInputs();
    },

    /** Marks a flag the core raises now as reviewed (the demo plays the server's check). */
    async reviewRiskFlag({ flagId, note = '' } = {}, core) {
      if (!core) throw new TypeError('reviewRiskFlag: the core is needed in the offline demo');
      if (typeof flagId !== 'string' || flagId.length < 1 || flagId.length > 400) throw refusal(400, 'request.bad_body', 'flagId 应为风险提示编号', { path: '/flagId' });
      if (typeof note !== 'string' || [...note].length > MAX_NOTE) throw refusal(400, 'request.bad_body', `复核说明最多${MAX_NOTE}个字`, { path: '/note' });
      const envelope = core.call('riskFlags', await riskFlagInputs());
      if (!envelope.ok) throw refusal(500, envelope.error.code, envelope.error.message);
      const flag = envelope.value.flags.find((f) => f.id === flagId);
      if (!flag) throw refusal(404, 'risk.unknown_flag', '没有找到这条风险提示（可能数据已变化），请刷新后再试');
      if (flag.status === 'reviewed') throw refusal(409, 'risk.already_reviewed', '这条风险提示已经复核过了');
      const nowMs = clock();
      const review = { flagId, reviewedAtMs: nowMs, reviewedBy: 'demo-staff-operations', note };
      await meta.write(REVIEWS_KEY, [...(await reviews()), review]);
      return { flagId, status: 'reviewed', reviewedAtMs: nowMs, reviewedBy: review.reviewedBy, note };
    },
  };
}

/** The methods above (the staff roles name them; web/backend/staff-roles.js). */
export const COMMUNITY_CONSOLE_METHODS = Object.freeze([
  'getCommunityGroups', 'getMemberListInputs', 'getCommunityReportTrend', 'getReferralQualityInputs', 'getRiskFlagInputs', 'reviewRiskFlag',
]);

/** The screens and methods per role, as the server's policy adds them (console/community-policy.mjs). */
export const COMMUNITY_CONSOLE_ROLES = Object.freeze({
  operations: { screens: ['members', 'quality', 'risk'], methods: [...COMMUNITY_CONSOLE_METHODS] },
  service: { screens: ['members'], methods: ['getCommunityGroups', 'getMemberListInputs'] },
});
