// The SYNTHETIC demo hospital of the reference backend (演示数据): made-up
// names, opaque ids, no diagnosis anywhere. Seeded once per database, relative
// to the server's today, so that every screen has something to show: a
// check-in history with gaps, a referral tree three levels deep with each
// stage once, a vested referral whose voucher is ready to issue, and the
// month's figures of a few patient groups for the staff report.
//
// Also: patient and session creation, shared with the demo login endpoint.

import { createHash, randomBytes } from 'node:crypto';

import { readDemoCampaigns } from './service.mjs';

const DAY_MS = 86_400_000;
const DEMO_ZONE_OFFSET_MS = 8 * 3_600_000; // the demo hospital is in Asia/Shanghai (demo data placement only)

export const DEMO_PATIENT_ID = 'demo-patient-0001';
export const DEMO_STAFF_ID = 'demo-staff-0001';
export const DEMO_COMMUNITY_ID = 'demo-c-thyroid';

/** Deterministic pseudo-random numbers so the demo looks the same each time. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Epoch ms of `hour`:`minute` Shanghai time, `back` days before the day of `nowMs`. */
function at(nowMs, back, hour = 10, minute = 0) {
  const dayStart = Math.floor((nowMs + DEMO_ZONE_OFFSET_MS) / DAY_MS) * DAY_MS - DEMO_ZONE_OFFSET_MS;
  return dayStart - back * DAY_MS + hour * 3_600_000 + minute * 60_000;
}

function shanghaiDate(ms) {
  return new Date(ms + DEMO_ZONE_OFFSET_MS).toISOString().slice(0, 10);
}

export const sha256Hex = (text) => createHash('sha256').update(text).digest('hex');

/** A new referral code from the core (randomness is the server's input to it). */
export function newReferralCode(core) {
  const envelope = core.call('makeReferralCode', { randomHex: randomBytes(8).toString('hex') });
  if (!envelope.ok) throw new Error(`makeReferralCode: ${envelope.error.code}`);
  return envelope.value.code;
}

/**
 * Inserts a patient with a fresh referral code.
 * @param {import('pg').PoolClient} client
 * @param {{core: object}} ctx
 * @param {{id: string, name?: string, displayName: string, demo?: boolean, isStaff?: boolean,
 *   isCommunityMember?: boolean, isNewPatient?: boolean, firstVisitAtMs?: number|null,
 *   communityId?: string|null, startDate?: string|null}} p
 */
export async function createPatient(client, ctx, p) {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const code = newReferralCode(ctx.core);
    const inserted = await client.query(
      `INSERT INTO patients (id, name, display_name, demo, is_staff, is_community_member, is_new_patient,
                             first_visit_at_ms, community_id, start_date, referral_code)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (referral_code) DO NOTHING RETURNING id`,
      [
        p.id,
        p.name ?? '',
        p.displayName,
        p.demo ?? true,
        p.isStaff ?? false,
        p.isCommunityMember ?? false,
        p.isNewPatient ?? true,
        p.firstVisitAtMs ?? null,
        p.communityId ?? null,
        p.startDate ?? null,
        code,
      ],
    );
    if (inserted.rowCount === 1) return { id: p.id, referralCode: code };
  }
  throw new Error('could not find a free referral code');
}

const FRIENDS = [
  // id, synthetic name, consent to share progress (G7), stage facts relative to today
  { id: 'demo-pt-li', name: '李晓芳', consent: true, reg: 130, arr: 129, conv: 128 },
  { id: 'demo-pt-zhang', name: '张伟', consent: false, reg: 12, arr: 11 },
  { id: 'demo-pt-chen', name: '陈静', consent: false },
  { id: 'demo-pt-liu', name: '刘洋', consent: true, reg: 3, arr: 2 },
  { id: 'demo-pt-zhao', name: '赵敏', consent: false, reg: 200, arr: 199, complaint: 150 },
];
const BELOW = [
  { id: 'demo-pt-sun', name: '孙丽', referrer: 'demo-pt-li', reg: 60 },
  { id: 'demo-pt-zhou', name: '周杰', referrer: 'demo-pt-li' },
  { id: 'demo-pt-wu', name: '吴芳', referrer: 'demo-pt-sun', reg: 20 },
];

const GROUPS = [
  ['demo-g01', '甲状腺术后康复群（演示）', 186, 78, [160, 74], [40, 15]],
  ['demo-g02', '乳腺术后互助群（演示）', 142, 55, [120, 51], [22, 8]],
  ['demo-g03', '糖尿病饮食管理群（演示）', 198, 31, [170, 60], [35, 7]],
  ['demo-g04', '高血压随访群（演示）', 120, 14, [100, 30], [12, 2]],
  ['demo-g05', '产后康复群（演示）', 96, 66, [80, 41], [30, 12]],
];

/** Inserts this month's synthetic group figures (once per month). */
export async function seedCommunityMonth(client, nowMs) {
  const today = shanghaiDate(nowMs);
  const month = today.slice(0, 7);
  const days = Number(today.slice(8, 10));
  const random = mulberry32(Number(month.replace('-', '')));
  for (const [id, name, members, average, [revMembers, revisited], [qTotal, qReferred]] of GROUPS) {
    const daily = Array.from({ length: days }, () => Math.max(0, Math.round(average * (0.6 + random() * 0.8))));
    await client.query(
      `INSERT INTO community_groups (month, id, name, member_count, daily_messages, revisit, quarter_new_members, community_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [
        month,
        id,
        name,
        members,
        JSON.stringify(daily),
        JSON.stringify({ members: revMembers, revisitedWithin60Days: revisited }),
        JSON.stringify({ total: qTotal, referredByMembers: qReferred }),
        // The demo patients' community is the thyroid group's (G9: withdrawals count out of it).
        id === 'demo-g01' ? DEMO_COMMUNITY_ID : null,
      ],
    );
  }
}

/**
 * Seeds the demo hospital once per database (advisory-locked: two servers
 * starting on one database seed it once).
 * @param {import('pg').Pool} pool
 * @param {{core: object, nowMs: () => number}} ctx
 */
export async function seedDemoHospital(pool, ctx) {
  const campaigns = await readDemoCampaigns();
  const validation = ctx.core.call('validateCampaigns', { campaigns });
  if (!validation.ok || !validation.value.valid) {
    const first = validation.ok ? validation.value.violations[0] : validation.error;
    throw new Error(`demo campaigns refused by the core: ${first.code} ${first.message}`);
  }
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('carecircle.seed'))");
    const nowMs = ctx.nowMs();
    const seeded = await client.query("SELECT value FROM schema_meta WHERE name = 'demoSeededAtMs'");
    if (seeded.rowCount === 0) await seedOnce(client, ctx, nowMs, campaigns);
    await seedCommunityMonth(client, nowMs);  // after seedOnce: a group names its community
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function seedOnce(client, ctx, nowMs, campaigns) {
  for (const [position, config] of campaigns.entries()) {
    await client.query('INSERT INTO campaigns (id, position, config) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [
      config.id,
      position,
      JSON.stringify(config),
    ]);
  }
  await client.query(
    `INSERT INTO communities (id, name, action_title, action_steps) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [
      DEMO_COMMUNITY_ID,
      '甲状腺术后康复群（演示）',
      '颈部康复操',
      JSON.stringify([
        '坐直放松，缓慢低头、抬头，各 5 次',
        '头部缓慢向左、向右转动，各 5 次',
        '耳朵轻靠肩膀，左右交替侧屈，各 5 次',
        '双肩向后慢慢绕圈 10 次，不适即停',
      ]),
    ],
  );
  await createPatient(client, ctx, {
    id: DEMO_PATIENT_ID,
    name: '王晓明',
    displayName: '演示用户 王*',
    isCommunityMember: true,
    isNewPatient: false,
    firstVisitAtMs: at(nowMs, 400),
    communityId: DEMO_COMMUNITY_ID,
  });
  await createPatient(client, ctx, { id: DEMO_STAFF_ID, name: '陈护士', displayName: '演示工作人员 陈*', isStaff: true });

  // 30 days of check-ins with a few gaps, one doctor-approved rest day.
  const random = mulberry32(20261123);
  const gaps = new Set([3, 11, 12]);
  let seq = 0;
  for (let back = 30; back >= 1; back -= 1) {
    const hour = random() < 0.6 ? 7 + Math.floor(random() * 3) : 19 + Math.floor(random() * 3);
    const minute = Math.floor(random() * 60);
    if (back === 18) {
      await client.query('INSERT INTO rest_days (patient_id, day) VALUES ($1, $2)', [DEMO_PATIENT_ID, shanghaiDate(at(nowMs, back))]);
      continue;
    }
    if (gaps.has(back)) continue;
    seq += 1;
    await client.query(
      `INSERT INTO check_ins (id, patient_id, at_ms, seq, kind) VALUES ($1, $2, $3, $4, 'normal')`,
      [`demo-seed-${String(seq).padStart(3, '0')}`, DEMO_PATIENT_ID, at(nowMs, back, hour, minute), seq],
    );
  }

  const insertReferral = (id, referrerId, refereeId, f, consent) =>
    client.query(
      `INSERT INTO referrals (id, referrer_id, referee_id, channel, referee_is_new_patient, referrer_is_member,
                              consent_to_share_progress, invited_at_ms, registration_confirmed_at_ms,
                              arrival_confirmed_at_ms, conversion_confirmed_at_ms, complaint_at_ms)
       VALUES ($1, $2, $3, 'code', true, true, $4, $5, $6, $7, $8, $9)`,
      [
        id,
        referrerId,
        refereeId,
        consent,
        at(nowMs, (f.reg ?? 5) + 2, 9),
        f.reg ? at(nowMs, f.reg, 10) : 0,
        f.arr ? at(nowMs, f.arr, 14) : 0,
        f.conv ? at(nowMs, f.conv, 15) : 0,
        f.complaint ? at(nowMs, f.complaint, 16) : 0,
      ],
    );
  for (const f of FRIENDS) {
    await createPatient(client, ctx, { id: f.id, name: f.name, displayName: `${f.name[0]}*`, isCommunityMember: false });
    await insertReferral(`demo-rf-${f.id.slice(8)}`, DEMO_PATIENT_ID, f.id, f, f.consent);
    if (f.consent) {
      // The friend's own answer (G9), which the referral's flag mirrors (G7).
      await client.query(
        `INSERT INTO consents (patient_id, purpose, granted, updated_at_ms) VALUES ($1, 'shareProgressWithReferrer', true, $2)`,
        [f.id, at(nowMs, (f.reg ?? 5) + 2, 9)],
      );
    }
  }
  for (const f of BELOW) {
    await createPatient(client, ctx, { id: f.id, name: f.name, displayName: `${f.name[0]}*` });
    await insertReferral(`demo-rf-${f.id.slice(8)}`, f.referrer, f.id, f, false);
  }
  await client.query("INSERT INTO schema_meta (name, value) VALUES ('demoSeededAtMs', $1)", [String(nowMs)]);
}

// Made-up names for new demo patients (a friend who registers with a code):
// the referrer's tree then shows a masked name (李*芳) as for any friend,
// rather than an empty one. Synthetic demo data, never a real person.
const DEMO_SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾';
const DEMO_GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建文辉宇鹏飞俊峰晓东海波林雪琳佳欣怡雨婷';

/** A synthetic full name for a new demo patient (2 or 3 characters). */
export function newDemoName() {
  const bytes = randomBytes(4);
  const given = (i) => DEMO_GIVEN[bytes[i] % DEMO_GIVEN.length];
  return DEMO_SURNAMES[bytes[0] % DEMO_SURNAMES.length] + given(1) + (bytes[3] % 10 < 7 ? given(2) : '');
}

