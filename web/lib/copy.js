// What people read when something did not work, and how dates are written:
// one module for every screen, so that no error code, English browser
// message ("Failed to fetch") or limit in bytes reaches a patient or a
// member of staff, and every date has the same form.
//
// The core and the backends already answer in Chinese; their `message` is
// shown when it is plain Chinese. Otherwise (a raw code, English, a limit in
// 字节, a browser's own error) the code's copy below is shown, or the
// caller's fallback.

/** Shown when the phone could not reach the server (the browser's "Failed to fetch", a timeout). */
export const NETWORK_COPY = '网络连接不上，请检查网络后再试';

/** Every error code the core, the reference backend and the shell can answer with, in the reader's words. */
export const ERROR_COPY = Object.freeze({
  // the shell and the network
  'network.unavailable': NETWORK_COPY,
  'network.timeout': '网络太慢，没有等到回复，请稍后再试',
  'shell.moved_on': '页面已经换了内容，请重新操作',
  'shell.no_referral_code': '暂时还没有您的推荐码，请稍后再试',
  'shell.no_streak': '打卡记录暂时无法读取，请稍后再试',
  'internal.unexpected': '系统暂时出了点问题，请稍后再试',
  // requests (the backend)
  'request.bad_body': '提交的内容不完整，请检查后再试',
  'request.bad_content_type': '提交的内容格式不对，请刷新页面后再试',
  'request.bad_idempotency_key': '这次提交没有成功，请刷新页面后再试',
  'request.missing_idempotency_key': '这次提交没有成功，请刷新页面后再试',
  'request.bad_json': '提交的内容格式不对，请刷新页面后再试',
  'request.bad_query': '这一页暂时无法读取，请返回后重新打开',
  'request.method_not_allowed': '这个操作暂时不能进行，请刷新页面后再试',
  'request.not_found': '没有找到要打开的内容，请从首页重新进入',
  'request.too_large': '提交的内容太长了，请删减一些后再试',
  'request.rate_limited': '操作太频繁了，请稍等一会儿再试',
  'idempotency.key_reused': '这次提交已经处理过了，请刷新页面查看',
  'auth.forbidden': '您没有权限进行这个操作',
  'auth.invalid_token': '登录已过期，请重新登录',
  'auth.missing_token': '请先登录',
  // input checks (the core)
  'input.bad_json': '内容格式不对，请刷新页面后再试',
  'input.bad_shape': '数据格式不对，请刷新页面后再试',
  'input.bad_date': '日期不对，请检查后再试',
  'input.bad_enum': '选项不对，请重新选择',
  'input.bad_time': '时间不对，请检查手机时间后再试',
  'input.missing_field': '还有必填的内容没有填写',
  'input.out_of_range': '内容太长或数值超出范围，请检查后再试',
  'input.too_deep': '内容层级太多，无法处理',
  'input.too_large': '内容太长了，请删减一些后再试',
  'input.too_many_items': '一次提交的条目太多，请分几次提交',
  'input.unknown_field': '内容里有无法识别的项目，请刷新页面后再试',
  'input.wrong_type': '内容格式不对，请检查后再试',
  // patients, stories, consents
  'patient.unknown': '没有找到您的档案，请联系医院',
  'community.not_member': '加入病种社群后才能阅读病友故事',
  'community.consent_withdrawn': '您已退出病友社群互动，重新同意「加入病种社群」后可以阅读病友故事',
  'story.consent_required': '提交故事需要您先单独同意发布病友故事',
  'story.not_found': '没有找到这篇故事',
  'story.not_pending': '这篇故事已经审核过了',
  'story.too_many_pending': '您有几篇故事还在等待审核，请审核后再提交',
  // check-ins
  'checkin.before_enrolment': '这一天在您加入康复计划之前，不计入连续打卡',
  'checkin.unprovable_day': '这条离线打卡比上次联网早了两天以上，服务器无法确认，这一天不计入连续打卡',
  'streak.bad_config': '打卡计划设置有误，请联系医院',
  'streak.bad_now': '手机时间不对，请校准后再试',
  'streak.before_start': '康复计划开始之前的日子不能打卡',
  'streak.duplicate_day': '这一天已经打过卡了',
  'streak.duplicate_delivery': '这条打卡记录已经收到了',
  'streak.duplicate_id': '这条打卡记录已经收到了',
  'streak.future_timestamp': '不能为还没到的日子打卡',
  'streak.makeup_not_past': '只能为已经过去的日子补签',
  'streak.makeup_quota_exceeded': '本月的补签次数已经用完',
  'streak.makeup_window_passed': '这一天已经超过可补签的期限',
  'streak.timestamp_out_of_range': '打卡时间不对，请检查手机时间',
  'streak.unknown_patient': '没有找到您的打卡档案，请联系医院',
  // rewards and coupons
  'eligibility.awaiting_event': '还在等待医院确认，确认后即可领取',
  'eligibility.bad_now': '手机时间不对，请校准后再试',
  'eligibility.unknown_campaign': '活动列表中没有这个活动',
  'eligibility.bad_prompt_policy': '提醒设置有误，请联系医院',
  'eligibility.budget_exhausted': '本期奖励已经发完了',
  'eligibility.campaign_disabled': '这个活动已经停止',
  'eligibility.campaign_ended': '这个活动已经结束',
  'eligibility.campaign_not_published': '这个活动还没有开始',
  'eligibility.campaign_not_started': '这个活动还没有开始',
  'eligibility.for_referees_only': '这项奖励只给受邀请的新朋友',
  'eligibility.no_milestone': '还没有达到领取条件',
  'eligibility.no_referrals': '还没有朋友通过您的邀请就诊',
  'eligibility.not_direct_referral': '只有您直接邀请的朋友才计入',
  'eligibility.not_referred_by_member': '邀请人不是本社群的成员',
  'eligibility.not_stackable': '这项奖励不能和其他奖励同时使用',
  'eligibility.per_person_limit': '您已经领过这项奖励了',
  'eligibility.prompt_cap_reached': '近期提醒次数已满，不再提醒',
  'eligibility.prompt_clinical_moment': '就诊期间不做提醒',
  'eligibility.prompt_opted_out': '您已关闭邀请提醒',
  'eligibility.quality_hold': '奖励在核实期内，核实后发放',
  'eligibility.quota_exhausted': '本期名额已经满了',
  'eligibility.quota_not_released': '本期名额还没有开放',
  'eligibility.referee_not_inpatient': '朋友住院后才计入这项奖励',
  'eligibility.referee_not_new': '朋友之前已经在本院就诊过',
  'eligibility.referrer_not_member': '邀请人不是本社群的成员',
  'eligibility.staff_excluded': '医院员工不参加这项活动',
  'eligibility.tier_not_reached': '还没有达到这一档的条件',
  'eligibility.voided_by_complaint': '因投诉核实，这项奖励已作废',
  'eligibility.wrong_channel': '这项奖励只能通过指定渠道领取',
  'voucher.already_used': '这张券已经使用过了',
  'voucher.not_available': '这张券现在不能使用',
  'voucher.not_found': '没有找到这张券',
  'voucher.not_redeemable': '这张券现在不能核销',
  'voucher.void': '这张券已经作废',
  'counter.bad_code': '核销码不对，请核对后再输入',
  'counter.unknown_code': '没有找到这个核销码',
  'counter.expired': '核销码已过期，请让患者刷新后再出示',
  // campaigns (staff)
  'campaign.bad_exclusion': '活动的互斥设置有误',
  'campaign.bad_id': '活动编号有误',
  'campaign.bad_limit': '活动的限领设置有误',
  'campaign.bad_milestone': '活动的里程碑设置有误',
  'campaign.bad_quota': '活动的名额设置有误',
  'campaign.bad_reward': '活动的奖励设置有误',
  'campaign.bad_tiers': '活动的分档设置有误',
  'campaign.bad_title': '活动名称有误',
  'campaign.bad_window': '活动的起止时间有误',
  'campaign.cash_reward_forbidden': '活动不能发放现金奖励',
  'campaign.downline_reward_forbidden': '不能按下线人数发放奖励',
  'campaign.duplicate_id': '活动编号重复',
  'campaign.empty_rewards': '活动还没有设置奖励',
  'campaign.hold_too_short': '奖励的核实期太短',
  'campaign.inpatient_reward_timing': '住院相关奖励的发放时间有误',
  'campaign.lottery_forbidden': '活动不能采用抽奖',
  'campaign.share_condition_forbidden': '不能以分享作为领奖条件',
  'campaign.spend_condition_forbidden': '不能以消费金额作为领奖条件',
  'campaign.staff_beneficiary_forbidden': '医院员工不能作为受益人',
  'campaign.trigger_not_hospital_event': '领奖条件必须是医院确认的事件',
  'campaign.unfavourable_change': '不能做出对患者不利的修改',
  'campaign.invalid': '活动不符合规定，请按提示修改',
  'campaign.frozen': '进行中的活动不能改回草稿',
  'campaign.effective_not_future': '新版本最早从明天开始生效',
  'campaign.effective_too_far': '生效日期太远了',
  'campaign.too_many': '同时进行的活动太多了',
  // referrals
  'referral.cycle': '推荐关系出现循环，已在最近的一条处断开',
  'referral.duplicate_patient': '同一位患者登记了两次',
  'referral.duplicate_record': '同一条推荐记录内容不一致，保留了较早的一条',
  'referral.duplicate_referee': '一位朋友有两位推荐人，只计最早的一位',
  'referral.referee_predates_referrer': '被推荐人比推荐人更早就诊，不计入',
  'referral.self_referral': '自己推荐自己，不计入',
  'referral.stage_regression': '推荐进度的时间前后颠倒，只计到顺序正确的一步',
  'referral.unknown_id': '推荐记录里有未登记的患者',
  'referral.unknown_patient': '没有找到您的推荐记录',
  'referral.unknown': '没有找到这条推荐记录',
  'referral.unknown_code': '没有找到这个推荐码，请核对后再输入',
  'referral.no_code': '暂时还没有您的推荐码，请稍后再试',
  'referral.event_too_old': '这条推荐进度的时间太早，不能再登记',
  'referral.bad_channel': '推荐渠道不正确，请重新扫描推荐函或感恩卡上的二维码',
  'referral.channel_needs_token': '推荐函和感恩卡须扫描上面的二维码登记；也可以直接填写推荐码',
  'referral.channel_mismatch': '推荐函或感恩卡的编码只能随它自己的二维码登记，请重新扫描二维码',
  'referral.bad_token': '推荐函或感恩卡上的编码不完整或有误，请重新扫描二维码',
  'referral.token_wrong_channel': '这个编码不属于这种推荐函或感恩卡，请重新扫描二维码',
  'referral.unknown_token': '没有找到这份推荐函或感恩卡，请核对后重新扫描',
  'referral.token_other_code': '推荐码与推荐函或感恩卡上的不一致，请重新扫描二维码',
  'referral.card_used': '这张感恩卡的卡号已经有朋友用过了，每张卡只能登记一位朋友',
  'referral.card_before_discharge': '感恩卡在出院后才能发放，请在患者出院后再发',
  'referral.card_discharge_too_old': '感恩卡须在出院后30天内发放',
  'referral.card_already_issued': '这次出院已经发过感恩卡了，每次出院只发一张',
  'referral.discharge_not_recorded': '还没有这位患者的出院记录，请先确认出院再发感恩卡',
  'referral.discharge_mismatch': '这一天没有这位患者的出院记录，请核对出院日期',
  'referral.staff_excluded': '工作人员不参与推荐奖励，不发感恩卡',
  'referral.weak_random': '编码生成失败，请重试',
  'referral.token_unusable': '编码生成失败，请重试',
  // community and wording
  'community.bad_answer': '有一题的答案不对，请重新选择',
  'community.bad_config': '社群设置有误',
  'community.bad_counts': '社群人数有误',
  'community.bad_now': '手机时间不对，请校准后再试',
  'community.duplicate_group': '社群重复了',
  'community.duplicate_member': '成员重复了',
  'community.missing_answer': '还有题目没有回答',
  'community.unknown_question': '有一题无法识别，请刷新页面后再试',
  'moderation.bad_config': '用语检查的设置有误',
  'moderation.text_too_long': '内容太长了，请删减一些后再试',
  'moderation.unknown_rule': '用语检查的规则有误',
  // posters
  'poster.bad_code': '推荐码不对，请核对后再输入',
  'poster.bad_image': '这张照片无法使用，请换一张',
  'poster.bad_link': '邀请链接不对',
  'poster.bad_metrics': '字体信息有误，海报改用标准字宽排版',
  'poster.bad_qr': '二维码无法生成',
  'poster.forbidden_field': '这个模板不能填写这一项',
  'poster.unknown_template': '没有这个海报模板',
  'poster.weak_random': '推荐码生成失败，请稍后再试',
  'poster.wording_flagged': '有些用语不适合发布，请修改标出的部分',
  // referral set-up and invite prompts
  'eligibility.prompt_reward_day': '今天是您收到奖励的日子，先不打扰您邀请朋友',
  'referral.bad_config': '推荐设置有误，请联系医院',
  'referral.bad_now': '时间信息有误，请刷新后再试',
  'referral.bad_recorder': '没有记录人，请重新登录后再记录',
  'referral.bad_period': '统计的时间段有误，请重新选择',
  'referral.duplicate_referrer': '推荐记录重复，请联系医院核对',
  // the console's community work
  'community.unknown_group': '没有找到这个群',
  'risk.unknown_flag': '没有找到这条风险提示，请刷新后再试',
  'risk.already_reviewed': '这条风险提示已经复核过了',
  // the hospital desk: importing a day's events
  'csv.bad_encoding': '文件的文字编码无法识别，请用表格软件另存为通用格式后再导入',
  'csv.malformed': '文件格式有误（例如引号没有配对），请检查后再导入',
  'csv.empty': '文件是空的',
  'csv.missing_columns': '第1行应为表头，并包含患者编号（或推荐编号）、事件、时间',
  'csv.too_many_rows': '一次导入的行数太多，请分成几份再导入',
  'csv.too_large': '文件太大，请分成几份再导入',
  'recovery.not_lapsed': '这条推荐没有失效，不需要挽回',
  'restdays.bad_range': '休息日的起止日期有误',
  'restdays.too_long': '一次批准的休息日太多，请分次批准',
  'restdays.too_old': '这些日子太早了，已不能补批',
  'restdays.too_far': '这些日子太远了，暂时不能预先批准',
  // 病友故事官
  'story_month.wording_flagged': '征集文案中有不适合发布的用语，请修改后再发布',
  'story_month.not_approved': '只能从审核通过的故事中评选',
  'story_month.already_picked': '这个月的月度故事已经选定',
  'story_month.story_already_picked': '这篇故事已经当选过月度故事',
  // integrations (the hospital system's events, group messages)
  'webhook.unsigned': '医院系统的请求缺少签名，已拒绝',
  'webhook.bad_nonce': '医院系统请求的随机串格式有误，已拒绝',
  'webhook.bad_signature': '医院系统请求的签名不对，已拒绝',
  'webhook.stale': '医院系统请求的时间与服务器相差太多，已拒绝',
  'webhook.not_configured': '本院尚未配置医院系统对接',
  'webhook.replayed': '这条医院系统请求已经处理过，没有重复记录',
  'intake.bad_signature': '群消息接入的签名不对，已拒绝',
  'intake.stale_signature': '群消息接入的签名已过期，请重新发送',
  'intake.not_found': '没有找到这条群消息',
  'intake.already_resolved': '这条消息已经处理过了',
  'intake.not_configured': '本院尚未配置群消息接入',
});

const CJK = /[\u3400-\u9fff]/;
/** Latin words people may read: the brand and TA (written Chinese for "him or her"). */
const ALLOWED_WORDS = new Set(['CareCircle', 'TA']);

/** True when `text` is Chinese copy a person can read: no code, no English, no limit in bytes. */
export function isPlainChinese(text) {
  if (typeof text !== 'string' || !CJK.test(text)) return false;
  if (/字节|[A-Za-z]+[._-][A-Za-z]/.test(text)) return false;
  const words = text.match(/[A-Za-z]{2,}/g) ?? [];
  return words.every((w) => ALLOWED_WORDS.has(w));
}

/** True for the browser's own "the network failed" errors (fetch's TypeError) and the shell's network codes. */
export function isNetworkFailure(err) {
  if (!err || typeof err !== 'object') return false;
  const code = /** @type {{code?: unknown}} */ (err).code;
  if (typeof code === 'string' && code.startsWith('network.')) return true;
  const message = /** @type {{message?: unknown}} */ (err).message;
  return err instanceof TypeError && typeof message === 'string' && /fetch|network|load failed/i.test(message);
}

/**
 * What to tell a person about `err` — an Error, a core or backend error
 * `{code, message}`, or a message string: the network copy for a failed
 * connection; the message itself when it is plain Chinese; else the code's
 * copy; else `fallback`.
 * @param {unknown} err
 * @param {string} [fallback]
 * @returns {string}
 */
export function describeError(err, fallback = '没有完成，请稍后再试') {
  if (isNetworkFailure(err)) return ERROR_COPY[/** @type {any} */ (err).code] ?? NETWORK_COPY;
  const message = typeof err === 'string' ? err : err && typeof err === 'object' ? /** @type {any} */ (err).message : undefined;
  if (isPlainChinese(message)) return message;
  const code = err && typeof err === 'object' ? /** @type {any} */ (err).code : undefined;
  if (typeof code === 'string' && Object.hasOwn(ERROR_COPY, code)) return ERROR_COPY[code];
  return fallback;
}

// ---------------------------------------------------------------- dates

/** The programme's zone (Beijing time): dates are the days the patient lives. */
const ZONE_OFFSET_MS = 8 * 3_600_000;

/** {year, month, day} of a date: a 'YYYY-MM-DD' string as written, an instant (ms or Date) in Beijing time. */
function dayParts(value) {
  if (typeof value === 'string') {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
    if (!m) return null;
    return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  }
  const ms = value instanceof Date ? value.getTime() : Number(value);
  if (!Number.isFinite(ms)) return null;
  const d = new Date(ms + ZONE_OFFSET_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * A day as every patient screen writes it: 11月23日 in the current year,
 * 2025年11月23日 otherwise (the core's own copy writes days the same way).
 * @param {string | number | Date} value 'YYYY-MM-DD', or an instant
 * @param {number} [nowMs] the current time (the backend's clock), for the year
 * @returns {string} '' when `value` is not a date
 */
export function formatDay(value, nowMs = Date.now()) {
  const d = dayParts(value);
  if (!d) return '';
  const now = dayParts(nowMs);
  return now && now.year === d.year ? `${d.month}月${d.day}日` : `${d.year}年${d.month}月${d.day}日`;
}

// ---------------------------------------------------------------- lengths

/** The length of `text` as people count it: characters (a Chinese character, a letter, an emoji = 1). */
export function charCount(text) {
  return [...String(text ?? '')].length;
}

/** The live counter of a text field with a limit in characters: '12/60字'. */
export function counterText(text, max) {
  return `${charCount(text)}/${max}字`;
}
