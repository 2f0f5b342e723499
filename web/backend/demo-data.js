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

// ------------------------------------------------------------ 病友故事

// The words of the demo community's approved stories: everyday rehab life in
// the members' own voice, with no efficacy or cure claim, no drug, no
// "best/first" and no price, link or code — the core's wording check
// (layoutPoster, storyPoster) passes every one of them, and a test checks it.
// Made up for the demo; no real patient wrote them.
const DEMO_COMMUNITY_STORIES = Object.freeze([
  ['早上七点的康复操', '每天早上七点，我在阳台上做一遍颈部康复操。动作放慢一点，累了就歇一会儿，坚持下来心情也跟着轻松了。'],
  ['复查那天的新朋友', '复查那天排队的时候，旁边的阿姨跟我聊起她每天的散步路线。我们互相留了群里的昵称，约好下次复查再见。'],
  ['学着做清淡的菜', '出院后照着饮食单学做饭，少油少盐。老伴说我做的冬瓜汤越来越有味道了，现在周末全家都等着我下厨。'],
  ['傍晚的两圈', '晚饭后和女儿在小区里慢慢走两圈，边走边聊天。她说好久没有这样陪我散步了，我听了心里暖暖的。'],
  ['冰箱上的小卡片', '出院时护士给了我一张康复操的小卡片，我把它贴在冰箱上，每天照着做一遍，有不明白的就记下来复查时问。'],
  ['打卡满一个月', '今天在群里打卡满一个月了。看到大家每天互相提醒、互相打气，觉得康复路上并不孤单。'],
  ['重新拿起毛笔', '术后两个月，我又开始练字了。每次写半小时，写累了就起身活动活动肩膀，看着纸上的字一天天写得更稳。'],
  ['学会了慢慢来', '刚出院时总是着急，后来明白康复要一步一步来。现在每天只给自己定一个小目标，做到了就在本子上画个勾。'],
  ['和孙子一起做操', '孙子放学回来，会陪我一起做康复操。他一边做一边数数，比我还认真，一家人都被他逗笑了。'],
  ['写给自己的小本子', '我买了一个小本子，每天写几句话，记下当天的心情、吃了什么、做了哪些活动。翻回去看，能看到自己一点点的变化。'],
  ['第一次独自复查', '今天自己坐公交去医院复查，提前查好了路线，带齐了资料，一切都很顺利。回家的路上给家人报了个平安。'],
  ['把问题写下来', '有疑问我就记在手机备忘录里，复查时一条条问医生。按医生的安排来，心里踏实多了。'],
  ['群里的早安', '每天早上群里都有人发早安，大家互相问候。我也跟着养成了早起的习惯，先喝一杯温水，再做一遍康复操。'],
  ['一盆绿萝', '住院时邻床的病友说，养点花草心情会好些。回家后我种了一盆绿萝，每天给它浇浇水，看着新叶一片片长出来。'],
  ['十点前睡觉', '以前总是熬夜，现在晚上十点前睡觉，早上起来做操、吃早饭，作息规律了，白天精神也足了些。'],
  ['谢谢一路的陪伴', '感谢家人这段时间的陪伴，也谢谢护士们耐心的讲解，让我对接下来的康复有了信心。'],
  ['听音乐，深呼吸', '护士建议我学着放松。我现在每天午后听一会儿音乐，做几次深呼吸，紧张的时候也会这样给自己缓一缓。'],
  ['出院后去公园', '出院后第一次去公园，看到湖边有人打太极，我在旁边看了好一会儿，也跟着比划了几个动作。'],
  ['墙上的计划表', '我在墙上贴了一张康复计划表，每完成一天就画一个勾。看着一排排的勾，很有成就感。'],
  ['同龄的病友', '在群里认识了几位同龄的病友，我们常分享做饭和散步的小经验，也会提醒彼此按时复查。'],
  ['包了一顿饺子', '今天给家人包了一顿饺子，站久了就坐下歇会儿，大家一起动手，吃得很开心。'],
  ['雨天在客厅做操', '下雨天不能出门散步，我就在客厅里跟着康复操的图示慢慢做，做完再泡一杯热茶。'],
  ['回到工作岗位', '回到工作岗位后，我每隔一小时起来活动一下脖子和肩膀，按时吃饭、按时休息，慢慢找回了节奏。'],
  ['写给刚出院的病友', '刚出院时我也很紧张。听医护人员的安排，按时复查，有问题多问，给自己一点时间，慢慢就适应了。'],
  ['楼下的老邻居', '楼下的老邻居每天傍晚喊我一起散步，我们走走停停，聊聊家常，走着走着就成了习惯。'],
  ['周末的菜市场', '周末和老伴一起去菜市场，挑新鲜的蔬菜，回家一起择菜做饭，日子过得踏实又充实。'],
]);

/**
 * The approved stories of the demo community (病友故事), as the offline
 * demo's "server" returns them: 26 stories of fictitious members, approved
 * over the last three months relative to the device's today, deterministic.
 * Generated on request and never stored (G19). Each author is a synthetic
 * display label in the masked form a server stores (王*): only a made-up
 * surname is ever generated, no full name exists to be masked.
 * @param {number} nowMs device clock
 * @returns {{id: string, title: string, story: string, author: string, approvedAtMs: number}[]}
 */
export function generateDemoCommunityStories(nowMs) {
  const random = lcg(46_001);
  const pick = (text) => text[Math.floor(random() * text.length)];
  return DEMO_COMMUNITY_STORIES.map(([title, story], i) => ({
    id: `demo-cs-${String(i + 1).padStart(2, '0')}`,
    title,
    story,
    author: `${pick(SURNAMES)}*`,
    // The newest was approved yesterday, then every three or four days.
    approvedAtMs: daysAgoMs(nowMs, 1 + Math.floor(i * 3.5), 9 + Math.floor(random() * 9)),
  }));
}
