// Synthetic demo data for the referral tree, the staff forest and the
// community report of the offline demo (G19: everything here is invented).
//
// Data generation only, no rule: which stage a referral has reached, what a
// referrer may see, how a name is masked, how the forest is laid out and
// whether a group is healthy are all decided by the C++ core. This file only
// writes plausible hospital events (the shapes of docs/api/referral.md and
// docs/api/community.md) relative to the device's today, deterministically,
// with clearly made-up names that the core masks before anything is shown.
// No diagnosis, department or phone number appears anywhere.

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** A 32-bit linear congruential generator (Numerical Recipes constants): same seed, same data. */
export function lcg(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** Local `hour`:00 (device zone) `back` days before the day of `nowMs`: a demo timestamp. */
function daysAgoMs(nowMs, back, hour = 10) {
  const today = new Date(nowMs);
  return new Date(today.getFullYear(), today.getMonth(), today.getDate() - back, hour, 0, 0).getTime();
}

// ------------------------------------------------------------ 我的推荐树

/**
 * The demo patient's referral graph in the referral module's record format
 * (docs/api/referral.md): friends at every stage, with and without consent to
 * share their progress (G7), a few level-2/3 descendants (and one level 4,
 * which the patient never sees, G6), and two bad records the core reports and
 * leaves out (a self-referral and a second referrer for one referee).
 *
 * The first eight referees and record ids are the ones of the wallet's demo
 * referrals (generateDemoReferrals in ./offline.js), with the same days; the
 * two record formats are separate and so are their stores.
 *
 * Instants are relative to `nowMs` (the device's today): the stages the core
 * derives (arrived within 48 h, lapsed after, …) stay the same whatever day
 * the demo is opened. Names are synthetic, complete only here: the core masks
 * them (李晓芳 → 李*芳) and never returns levels 2–3 by name.
 *
 * @param {number} nowMs device clock
 * @param {string} patientId the demo patient
 * @returns {{records: object[], patients: object[]}}
 */
export function generateDemoReferralGraph(nowMs, patientId) {
  const at = (back, hour) => daysAgoMs(nowMs, back, hour);
  const ago = (hours) => nowMs - hours * HOUR_MS;
  const records = [];
  const patients = [{ id: patientId, name: '王建国', firstVisitAtMs: at(400, 9) }];
  const person = (id, name, firstVisitAtMs = 0) => {
    patients.push(firstVisitAtMs ? { id, name, firstVisitAtMs } : { id, name });
    return id;
  };
  const refer = (id, referrerId, refereeId, facts) => {
    records.push({
      id,
      referrerId,
      refereeId,
      registeredAtMs: 0,
      arrivedAtMs: 0,
      convertedAtMs: 0,
      vestedAtMs: 0,
      voidedAtMs: 0,
      consentToShareProgress: false,
      ...facts,
    });
  };
  const me = patientId;

  // Level 1 — the wallet's eight referrals, same referees, same days.
  // Vested long ago, consented: every detailed step and the reward.
  refer('demo-rf-2b7k', me, person('demo-pt-8m4q', '李晓芳', at(320, 9)), {
    invitedAtMs: at(322, 20), registeredAtMs: at(320, 9), arrivedAtMs: at(319, 14), convertedAtMs: at(319, 16),
    vestedAtMs: at(229, 10), rewardTitle: '200元健康金', consentToShareProgress: true,
  });
  // Vested, no consent: only 已邀请 / 已接受邀请 / 奖励已发放.
  refer('demo-rf-3c9p', me, person('demo-pt-5t2w', '张伟', at(300, 11)), {
    invitedAtMs: at(303, 19), registeredAtMs: at(300, 11), arrivedAtMs: at(300, 15), convertedAtMs: at(300, 17),
    vestedAtMs: at(210, 10), rewardTitle: '200元健康金',
  });
  // Converted (成交), consented; the reward is still in its quality hold.
  refer('demo-rf-4d6h', me, person('demo-pt-9x3r', '陈静怡', at(150, 10)), {
    invitedAtMs: at(152, 21), registeredAtMs: at(150, 10), arrivedAtMs: at(148, 9), convertedAtMs: at(148, 11),
    consentToShareProgress: true,
  });
  // Converted, no consent.
  refer('demo-rf-5f8m', me, person('demo-pt-2v7n', '刘洋', at(140, 8)), {
    invitedAtMs: at(141, 20), registeredAtMs: at(140, 8), arrivedAtMs: at(140, 9), convertedAtMs: at(138, 10),
  });
  // Voided by a complaint, consented.
  refer('demo-rf-6g2s', me, person('demo-pt-4k8d', '赵敏', at(131, 10)), {
    invitedAtMs: at(133, 18), registeredAtMs: at(131, 10), arrivedAtMs: at(130, 10), voidedAtMs: at(42, 16),
    consentToShareProgress: true,
  });
  // Arrived 40 days ago, never converted: lapsed, no consent.
  refer('demo-rf-7h5v', me, person('demo-pt-6p1c', '孙丽娟', at(40, 10)), {
    invitedAtMs: at(41, 19), registeredAtMs: at(40, 10), arrivedAtMs: at(40, 11),
  });
  // Registered 10 days ago, arrived 9: lapsed, consented (the offer is held, a recovery call is due).
  refer('demo-rf-8j3x', me, person('demo-pt-7r5g', '周杰', at(10, 10)), {
    invitedAtMs: at(11, 20), registeredAtMs: at(10, 10), arrivedAtMs: at(9, 9), consentToShareProgress: true,
  });
  // Invited a few hours ago, consented.
  refer('demo-rf-9k7z', me, person('demo-pt-3h9b', '吴桂兰'), { invitedAtMs: ago(5), consentToShareProgress: true });

  // Level 1 — the stages the wallet's set does not cover.
  // Registered (建档) this morning, consented.
  refer('demo-rf-a1m3', me, person('demo-pt-c5n8', '郑美玲'), {
    invitedAtMs: ago(40), registeredAtMs: ago(10), consentToShareProgress: true,
  });
  // Arrived (到院) yesterday, consented.
  refer('demo-rf-a2p6', me, person('demo-pt-d7q2', '黄志强'), {
    invitedAtMs: ago(70), registeredAtMs: ago(50), arrivedAtMs: ago(20), consentToShareProgress: true,
  });
  // Arrived yesterday, no consent: 已接受邀请.
  refer('demo-rf-a3r9', me, person('demo-pt-e2s4', '林晓东'), {
    invitedAtMs: ago(60), registeredAtMs: ago(44), arrivedAtMs: ago(18),
  });
  // Invited 6 days ago, never registered: lapsed, no consent (coarse: 已邀请).
  refer('demo-rf-a4t5', me, person('demo-pt-f9u6', '何秀英'), { invitedAtMs: at(6, 20) });
  // Voided, no consent (coarse: 已结束).
  refer('demo-rf-a5v7', me, person('demo-pt-g3w1', '马超'), {
    invitedAtMs: at(70, 19), registeredAtMs: at(68, 9), arrivedAtMs: at(68, 10), convertedAtMs: at(68, 15),
    voidedAtMs: at(30, 11),
  });

  // Levels 2 and 3: the patient only ever sees how many (G6).
  refer('demo-rf-b101', 'demo-pt-8m4q', person('demo-pt-h1x2', '高淑珍'), {
    invitedAtMs: at(200, 19), registeredAtMs: at(198, 9), arrivedAtMs: at(198, 10), convertedAtMs: at(198, 12),
  });
  refer('demo-rf-b102', 'demo-pt-8m4q', person('demo-pt-h2y3', '罗文博'), { invitedAtMs: at(90, 20), registeredAtMs: at(88, 9) });
  refer('demo-rf-b103', 'demo-pt-h1x2', person('demo-pt-h3z4', '梁佳琪'), {
    invitedAtMs: at(60, 19), registeredAtMs: at(58, 9), arrivedAtMs: at(58, 10), convertedAtMs: at(57, 9),
  });
  refer('demo-rf-b201', 'demo-pt-5t2w', person('demo-pt-i1a5', '宋建华'), {
    invitedAtMs: at(180, 19), registeredAtMs: at(178, 9), arrivedAtMs: at(178, 10), convertedAtMs: at(177, 9),
  });
  refer('demo-rf-b202', 'demo-pt-5t2w', person('demo-pt-i2b6', '谢雨萱'), { invitedAtMs: at(120, 19) });
  refer('demo-rf-b203', 'demo-pt-5t2w', person('demo-pt-i3c7', '韩国强'), {
    invitedAtMs: at(100, 19), registeredAtMs: at(99, 9), arrivedAtMs: at(99, 10), convertedAtMs: at(99, 12),
  });
  refer('demo-rf-b204', 'demo-pt-i1a5', person('demo-pt-i4d8', '唐慧敏'), { invitedAtMs: at(80, 19), registeredAtMs: at(79, 9) });
  refer('demo-rf-b205', 'demo-pt-i1a5', person('demo-pt-i5e9', '冯振宇'), { invitedAtMs: at(75, 19) });
  // Level 4: below what any patient sees (G6); only staff see it in the forest.
  refer('demo-rf-b206', 'demo-pt-i4d8', person('demo-pt-i6f1', '董丽华'), { invitedAtMs: at(30, 19) });
  refer('demo-rf-b301', 'demo-pt-9x3r', person('demo-pt-j1g2', '曹梦瑶'), {
    invitedAtMs: at(50, 19), registeredAtMs: at(49, 9), arrivedAtMs: at(49, 10), convertedAtMs: at(49, 15),
  });

  // Bad records, reported by the core and left out of the tree:
  // a self-referral, and a second referrer for 李晓芳 (first touch wins).
  refer('demo-rf-x001', me, me, { invitedAtMs: at(3, 20) });
  refer('demo-rf-x002', person('demo-pt-k9h3', '潘志远', at(500, 9)), 'demo-pt-8m4q', { invitedAtMs: at(310, 20) });

  // Omit the steps not (yet) confirmed: the contract reads absent as 0.
  for (const record of records) {
    for (const key of ['registeredAtMs', 'arrivedAtMs', 'convertedAtMs', 'vestedAtMs', 'voidedAtMs']) {
      if (record[key] === 0) delete record[key];
    }
  }
  return { records, patients };
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力宇鹏飞俊峰志国红梅燕晓东海波林雪琳佳欣怡雨婷子涵浩然思博宏斌凤琴淑珍春梅秋月';

/**
 * The made-up full name of a 演示好友 who joined on this device (offline
 * demo), derived from their opaque id so that no name is ever stored (G19).
 * Same id, same name; the core masks it before anything is shown.
 * @param {string} id
 */
export function demoFriendName(id) {
  let hash = 2166136261;
  for (const ch of String(id)) hash = Math.imul(hash ^ ch.codePointAt(0), 16777619) >>> 0;
  const random = lcg(hash);
  const pick = (text) => text[Math.floor(random() * text.length)];
  return pick(SURNAMES) + pick(GIVEN) + (random() < 0.7 ? pick(GIVEN) : '');
}

// ------------------------------------------------------------ staff forest

/**
 * A synthetic hospital referral forest for the staff view: `size` patients,
 * deterministic for a seed. Shape: many patients came on their own (roots);
 * most refer nobody, some refer one to three friends, a few enthusiastic
 * ambassadors (KOC) refer ten to thirty; chains stop at `maxDepth` levels
 * below a root. Plus a handful of bad records (a self-referral, a second
 * referrer for one referee, a referral that would close a cycle) so that the
 * core has issues to report; none of them adds a patient.
 *
 * Returns the request fields of layoutForest (docs/api/referral.md): records
 * with only the confirmed steps (absent = 0), and patients with synthetic
 * names the core masks.
 *
 * @param {number} nowMs device clock
 * @param {{size?: number, seed?: number, maxDepth?: number}} [options]
 * @returns {{records: object[], patients: object[], nowMs: number}}
 */
export function generateDemoForest(nowMs, options = {}) {
  const steps = forestSteps(nowMs, options);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/**
 * generateDemoForest in slices of a few thousand patients, yielding to the
 * event loop in between, so that building 100k records never blocks the page
 * for long (same output, byte for byte).
 * @param {number} nowMs
 * @param {{size?: number, seed?: number, maxDepth?: number}} [options]
 * @returns {Promise<{records: object[], patients: object[], nowMs: number}>}
 */
export async function generateDemoForestAsync(nowMs, options = {}) {
  const steps = forestSteps(nowMs, options);
  let step = steps.next();
  while (!step.done) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    step = steps.next();
  }
  return step.value;
}

const FOREST_SLICE = 8192;

function* forestSteps(nowMs, { size = 100_000, seed = 20261123, maxDepth = 12 } = {}) {
  const random = lcg(seed);
  const pick = (text) => text[Math.floor(random() * text.length)];
  const name = () => pick(SURNAMES) + pick(GIVEN) + (random() < 0.7 ? pick(GIVEN) : '');
  const id = (n) => `h${n.toString(36).padStart(4, '0')}`;
  const children = () => {
    const r = random();
    if (r < 0.6) return 0;
    if (r < 0.8) return 1;
    if (r < 0.9) return 2;
    if (r < 0.95) return 3;
    if (r < 0.994) return 4 + Math.floor(random() * 5);
    return 10 + Math.floor(random() * 21);  // an ambassador
  };

  const records = [];
  const patients = [];
  // Per patient: first visit and depth, for placing their referrals (the
  // names alone are sent: first visits would only add bytes).
  const firstVisit = new Float64Array(size);
  const depth = new Uint8Array(size);
  let made = 0;
  let rec = 0;
  let nextPause = FOREST_SLICE;
  const queue = new Int32Array(size);
  const start = nowMs - 720 * DAY_MS;
  while (made < size) {
    // A new root: a patient who came on their own, then their whole tree breadth first.
    const root = made++;
    firstVisit[root] = start + Math.floor(random() * 420) * DAY_MS + (8 + Math.floor(random() * 9)) * HOUR_MS;
    patients.push({ id: id(root), name: name() });
    let head = 0;
    let tail = 0;
    queue[tail++] = root;
    while (head < tail && made < size) {
      const parent = queue[head++];
      if (made >= nextPause) {
        nextPause += FOREST_SLICE;
        yield made;
      }
      if (depth[parent] >= maxDepth) continue;
      const n = Math.min(children(), size - made);
      for (let k = 0; k < n; k += 1) {
        const child = made++;
        depth[child] = depth[parent] + 1;
        let invitedAtMs = firstVisit[parent] + (2 + Math.floor(random() * 40)) * DAY_MS + Math.floor(random() * 12) * HOUR_MS;
        // Late invitations are placed between the referrer's first visit and now.
        if (invitedAtMs > nowMs) invitedAtMs = firstVisit[parent] + Math.floor(random() * (nowMs - firstVisit[parent]));
        const record = { id: `f${(rec++).toString(36)}`, referrerId: id(parent), refereeId: id(child), invitedAtMs };
        // How far this referral got: confirmed hospital events only, none after now.
        const r = random();
        let last = invitedAtMs;
        const step = (key, at) => {
          if (at > nowMs) return false;
          record[key] = at;
          last = at;
          return true;
        };
        const after = (hours) => last + (1 + Math.floor(random() * hours)) * HOUR_MS;
        const reached =
          r < 0.88 &&
          step('registeredAtMs', after(72)) &&
          r < 0.75 &&
          step('arrivedAtMs', after(120)) &&
          r < 0.62 &&
          step('convertedAtMs', after(6)) &&
          r < 0.45 &&
          step('vestedAtMs', last + 91 * DAY_MS);
        if (!reached && r > 0.985 && record.registeredAtMs) step('voidedAtMs', after(60 * 24));
        firstVisit[child] = record.registeredAtMs || invitedAtMs;
        records.push(record);
        patients.push({ id: id(child), name: name() });
        queue[tail++] = child;
      }
    }
    // Children still queued when the size was reached simply refer nobody.
  }
  // Bad records (ids of existing patients only, so the patient count stays `size`).
  const lastInvite = nowMs - HOUR_MS;
  const referee = records[Math.floor(records.length / 2)];
  const ancestor = records[0];
  records.push(
    { id: 'bad-self', referrerId: id(7), refereeId: id(7), invitedAtMs: lastInvite },
    { id: 'bad-second-referrer', referrerId: id(3), refereeId: referee.refereeId, invitedAtMs: lastInvite },
    // The first root's first friend "referring" that root: a cycle, broken at this most recent touch.
    { id: 'bad-cycle', referrerId: ancestor.refereeId, refereeId: ancestor.referrerId, invitedAtMs: lastInvite },
  );
  return { records, patients, nowMs };
}

// ------------------------------------------------------------ community report

const GROUP_NAMES = [
  '甲状腺术后康复群',
  '乳腺术后康复群',
  '糖尿病自我管理群',
  '高血压随访群',
  '心脏康复群',
  '膝关节置换康复群',
  '产后康复妈妈群',
  '慢阻肺呼吸康复群',
  '脑卒中康复家属群',
  '腰椎术后康复群',
  '儿童哮喘家长群',
  '老年骨质疏松群',
];

// Daily message level of each demo group (messages a day, roughly) and its
// revisit / referral figures: chosen so the report has every status. Demo data.
const GROUP_SHAPES = [
  { level: 96, revisit: [160, 74], fission: [40, 15] },
  { level: 72, revisit: [190, 81], fission: [36, 12] },
  { level: 58, revisit: [140, 61], fission: [28, 9] },
  { level: 64, revisit: [176, 52], fission: [30, 6] },
  { level: 51, revisit: [120, 55], fission: [22, 8] },
  { level: 38, revisit: [110, 39], fission: [18, 6] },
  { level: 31, revisit: [150, 66], fission: [44, 11] },
  { level: 27, revisit: [96, 30], fission: [12, 4] },
  { level: 24, revisit: null, fission: [8, 3] },
  { level: 14, revisit: [88, 21], fission: [10, 1] },
  { level: 9, revisit: [64, 29], fission: null },
  { level: 5, revisit: [72, 18], fission: [6, 0] },
];

/**
 * The inputs of communityHealthReport for the demo hospital's 12 groups
 * (docs/api/community.md): this month, one message count per day from the
 * 1st to today, revisits and the quarter's new members. Every threshold and
 * label is the core's; nothing here is judged.
 * @param {number} nowMs device clock
 * @returns {{month: string, groups: object[]}}
 */
export function generateDemoCommunity(nowMs) {
  const random = lcg(46_000);
  const today = new Date(nowMs);
  const month = `${String(today.getFullYear()).padStart(4, '0')}-${String(today.getMonth() + 1).padStart(2, '0')}`;
  const days = today.getDate();  // the 1st … today
  const groups = GROUP_SHAPES.map((shape, i) => {
    const dailyMessages = [];
    for (let d = 0; d < days; d += 1) {
      const weekend = new Date(today.getFullYear(), today.getMonth(), d + 1).getDay() % 6 === 0;
      const swing = 0.55 + random() * 0.9 + (weekend ? 0.25 : 0);
      dailyMessages.push(Math.max(0, Math.round(shape.level * swing)));
    }
    const group = {
      id: `demo-g${String(i + 1).padStart(2, '0')}`,
      name: `${GROUP_NAMES[i]}（演示）`,
      memberCount: 60 + Math.floor(random() * 140),
      dailyMessages,
    };
    if (shape.revisit) group.revisit = { members: shape.revisit[0], revisitedWithin60Days: shape.revisit[1] };
    if (shape.fission) group.quarterNewMembers = { total: shape.fission[0], referredByMembers: shape.fission[1] };
    return group;
  });
  return { month, groups };
}
