// 活动管理 (staff console, 运营): the hospital's campaigns as a table, each
// edited as a form — never as JSON — with the core's validator run as the
// operator types: every violation is shown next to the field it names, with
// its guard (G1 …) and the Chinese reason. A running campaign is frozen (G13):
// the form says so, the core's validateCampaignChange checks the edit, and a
// save schedules a new version from a future day while the old one ends. The
// preview shows the text patients will read: the same record that is saved.
// 试运行 runs the campaign — saved or as the form has it — over the
// hospital's patients through the backend (the server, or the offline demo
// playing it) chunk by chunk with the core's dryRunCampaign: the first rows
// appear after the first chunk, the totals and the budget per month grow
// until every patient is counted. The browser decides nothing: the backend
// re-checks every save.

import { describeError, ERROR_COPY } from '../lib/copy.js';

const TYPES = Object.freeze({
  referralReward: '推荐奖励（双方各得）',
  referralTier: '推荐等级（勋章、会员）',
  monthlyQuota: '每月名额（先到先得）',
  checkInMilestone: '康复打卡里程碑',
});
const TRIGGERS = Object.freeze({
  registrationConfirmed: '医院确认建档',
  arrivalConfirmed: '医院确认到院',
  conversionConfirmed: '医院确认就诊',
  admissionConfirmed: '医院确认入院',
  dischargeConfirmed: '医院确认出院',
});
/** Offered so that the validator can say why not (G2, G3): never accepted. */
const REFUSED_TRIGGERS = Object.freeze({
  shareToMoments: '分享到朋友圈',
  shareToGroup: '分享到微信群',
  scan: '扫码',
  click: '点击链接',
  signUp: '注册即得',
  inviteSent: '发出邀请',
});
const REWARD_TYPES = Object.freeze({ voucher: '服务券', service: '医疗服务', membership: '会员', medal: '勋章', privilege: '就医特权', title: '荣誉称号' });
/** Offered so that the validator can say why not (G1): never accepted. */
const REFUSED_REWARD_TYPES = Object.freeze({ cash: '现金', redPacket: '红包', balance: '可提现余额', points: '积分' });
const CHANNELS = Object.freeze({ '': '不限', code: '推荐码', link: '推荐链接', letter: '电子推荐函', dischargeCard: '出院感恩卡' });
const STATUS_LABELS = Object.freeze({ draft: '草稿', current: '进行中', scheduled: '已排期', ended: '已结束', superseded: '已替换' });
const GRANT_STATES = Object.freeze({ issuable: '现在可发放', holding: '核实期中', waiting: '等待医院确认' });
const OUTCOMES = Object.freeze({
  draftCreated: '草稿已保存，患者看不到草稿',
  draftSaved: '草稿已保存，患者看不到草稿',
  published: '活动已发布，患者现在可以看到',
  scheduled: '新版本已排期',
  rescheduled: '新版本已重新排期',
});
const ROWS_PAGE = 200;
const DAY_MS = 86_400_000;
const ZONE_OFFSET_MS = 8 * 3_600_000;

const yuan = (fen) => `${(fen / 100).toLocaleString('zh-CN', { maximumFractionDigits: 2 })}元`;
const count = (n) => n.toLocaleString('zh-CN');
const dateZh = (date) => {
  const [y, m, d] = date.split('-').map(Number);
  return `${y}年${m}月${d}日`;
};
const civilDate = (ms) => new Date(ms + ZONE_OFFSET_MS).toISOString().slice(0, 10);

/** An element with a class and text. */
function el(tag, className = '', text = '') {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function options(select, entries, selected, refused = null) {
  for (const [value, label] of Object.entries(entries)) {
    const o = new Option(label, value, false, value === selected);
    select.append(o);
  }
  if (refused) {
    const group = document.createElement('optgroup');
    group.label = '不符合规定（会被拒绝）';
    for (const [value, label] of Object.entries(refused)) group.append(new Option(label, value, false, value === selected));
    select.append(group);
  }
}

/**
 * @param {{core: any, backend: any, showToast: (text: string, kind?: string) => void}} deps
 */
export function createCampaigns({ core, backend, showToast }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  let built = false;
  /** @type {{today: string, campaigns: any[]} | null} */
  let listing = null;
  /** The campaign being edited: its listing entry (null for a new one) and the form's record. */
  let entry = null;
  let record = null;
  let checkTimer = 0;
  let run = 0;
  let busy = false;

  // ------------------------------------------------------------ layout

  function build() {
    const root = $('staff-campaigns');
    const head = el('div', 'console-toolbar campaigns-head');
    const title = el('h2', 'section-head__title', '活动管理');
    title.id = 'campaigns-title';
    const note = el('p', 'campaigns-head__note', '每个活动保存前都经过合规校验；进行中的活动只能做对患者更有利的修改，并作为新版本排期生效。');
    const spacer = el('span', 'console-toolbar__spacer');
    const create = el('button', 'btn btn--primary btn--small', '新建活动');
    create.type = 'button';
    create.id = 'campaign-new';
    create.addEventListener('click', () => edit(null));
    head.append(title, spacer, create);

    const grid = el('div', 'console-grid campaigns-grid');
    const listPanel = el('section', 'console-panel campaigns-list');
    listPanel.setAttribute('aria-labelledby', 'campaigns-list-title');
    const listTitle = el('h3', 'campaigns-subtitle', '活动列表');
    listTitle.id = 'campaigns-list-title';
    const wrap = el('div', 'console-table-wrap');
    const table = el('table', 'console-table');
    table.id = 'campaign-table';
    table.innerHTML = '<thead><tr><th scope="col">活动</th><th scope="col">状态</th><th scope="col" class="num">版本</th><th scope="col" class="num">预算</th></tr></thead><tbody></tbody>';
    wrap.append(table);
    const listError = el('p', 'form-error');
    listError.id = 'campaign-list-error';
    listError.setAttribute('role', 'alert');
    listError.hidden = true;
    listPanel.append(listTitle, wrap, listError);

    const form = document.createElement('form');
    form.id = 'campaign-form';
    form.className = 'console-panel campaign-form';
    form.noValidate = true;
    form.setAttribute('aria-labelledby', 'campaign-form-title');
    form.addEventListener('input', scheduleCheck);
    form.addEventListener('change', scheduleCheck);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      save().catch((err) => console.warn('campaign save failed', err));
    });
    grid.append(listPanel, form);

    const dry = el('section', 'console-panel campaign-dryrun');
    dry.id = 'campaign-dryrun';
    dry.setAttribute('aria-labelledby', 'campaign-dryrun-title');
    root.append(note, grid, dry);
    root.prepend(head);
    built = true;
  }

  // ------------------------------------------------------------ list

  async function load() {
    if (!built) build();
    const section = $('staff-campaigns');
    section.dataset.state = 'loading';
    try {
      listing = await backend.getCampaigns(core);
      $('campaign-list-error').hidden = true;
    } catch (err) {
      $('campaign-list-error').textContent = describeError(err, '活动列表加载失败，请稍后再试');
      $('campaign-list-error').hidden = false;
      section.dataset.state = 'error';
      throw err;
    }
    renderList();
    const keep = entry ? listing.campaigns.find((c) => c.id === entry.id) : null;
    if (keep || !record) edit(keep ?? listing.campaigns[0] ?? null);
    section.dataset.state = 'ready';
  }

  function renderList() {
    const body = /** @type {HTMLTableSectionElement} */ ($('campaign-table').querySelector('tbody'));
    body.replaceChildren();
    for (const c of listing?.campaigns ?? []) {
      const config = c.current.config;
      const tr = document.createElement('tr');
      tr.dataset.campaignId = c.id;
      if (entry?.id === c.id) tr.setAttribute('aria-selected', 'true');
      const name = el('td');
      const open = el('button', 'campaigns-link', config.title);
      open.type = 'button';
      open.addEventListener('click', () => edit(c));
      name.append(open, el('span', 'campaigns-id', `${TYPES[config.type] ?? ''} · ${c.id}`));
      const state = el('td');
      state.append(el('span', `campaigns-state campaigns-state--${c.current.state}`, STATUS_LABELS[c.current.state] ?? ''));
      if (c.scheduled) state.append(el('span', 'campaigns-state campaigns-state--scheduled', `新版本${dateZh(civilDate(c.scheduled.effectiveFromMs))}生效`));
      const window = config.validFrom || config.validTo ? `${config.validFrom ? dateZh(config.validFrom) : '即日'}至${config.validTo ? dateZh(config.validTo) : '长期'}` : '长期有效';
      name.append(el('span', 'campaigns-id', window));
      tr.append(name, state, el('td', 'num', `v${c.current.version}`), el('td', 'num', config.budgetFen ? yuan(config.budgetFen) : '不限'));
      body.append(tr);
    }
  }

  // ------------------------------------------------------------ form

  const running = () => entry?.current.state === 'current' && entry.current.config.status !== 'draft';

  function blankCampaign() {
    return {
      id: '',
      title: '',
      description: '',
      type: 'referralReward',
      status: 'draft',
      referral: { trigger: 'registrationConfirmed', refereeMustBeNew: true, holdDays: 90 },
      referrerRewards: [{ id: 'reward-1', type: 'voucher', title: '', valueFen: 0, validDays: 90 }],
      refereeRewards: [{ id: 'reward-1', type: 'voucher', title: '', valueFen: 0, validDays: 90 }],
    };
  }

  function edit(c) {
    entry = c;
    record = structuredClone(c ? (c.scheduled ?? c.current).config : blankCampaign());
    renderForm();
    renderList();
    check();
    renderDryRunIdle();
  }

  /** A labelled field carrying the JSON path the validator names. */
  function field(label, path, control, hint = '') {
    const wrap = el('div', 'cfield');
    wrap.dataset.path = path;
    const id = `cf${path.replace(/[^A-Za-z0-9]/g, '-')}`;
    control.id = id;
    const lab = el('label', 'cfield__label', label);
    lab.htmlFor = id;
    wrap.append(lab, control);
    if (hint) wrap.append(el('span', 'cfield__hint', hint));
    const error = el('p', 'cfield__error');
    error.hidden = true;
    wrap.append(error);
    return wrap;
  }

  function input(type, value, attrs = {}) {
    const i = /** @type {HTMLInputElement} */ (el('input', 'input'));
    i.type = type;
    if (value !== undefined && value !== null) i.value = String(value);
    for (const [k, v] of Object.entries(attrs)) i.setAttribute(k, String(v));
    return i;
  }

  function checkbox(label, path, checked) {
    const wrap = el('div', 'cfield cfield--check');
    wrap.dataset.path = path;
    const id = `cf${path.replace(/[^A-Za-z0-9]/g, '-')}`;
    const box = input('checkbox', null);
    box.id = id;
    box.checked = Boolean(checked);
    const lab = el('label', 'cfield__label', label);
    lab.htmlFor = id;
    const error = el('p', 'cfield__error');
    error.hidden = true;
    wrap.append(box, lab, error);
    return wrap;
  }

  function select(entries, selected, refused = null) {
    const s = /** @type {HTMLSelectElement} */ (el('select', 'input'));
    options(s, entries, selected, refused);
    return s;
  }

  function group(title, path) {
    const fs = el('fieldset', 'cgroup');
    fs.dataset.path = path;
    fs.append(el('legend', 'cgroup__title', title));
    const error = el('p', 'cfield__error');
    error.hidden = true;
    fs.append(error);
    return fs;
  }

  function rewardRow(reward, path, onRemove) {
    const row = el('div', 'creward');
    row.dataset.path = path;
    row.dataset.reward = '';
    const type = select(REWARD_TYPES, reward.type ?? 'voucher', REFUSED_REWARD_TYPES);
    type.dataset.key = 'type';
    const title = input('text', reward.title ?? '', { maxlength: 256, placeholder: '例如 100元体检券' });
    title.dataset.key = 'title';
    const value = input('number', ((reward.valueFen ?? 0) / 100).toString(), { min: 0, step: '0.01', inputmode: 'decimal' });
    value.dataset.key = 'valueYuan';
    const quantity = input('number', reward.quantity ?? 1, { min: 1, max: 10, step: 1 });
    quantity.dataset.key = 'quantity';
    const days = input('number', reward.validDays ?? 90, { min: 0, max: 3660, step: 1 });
    days.dataset.key = 'validDays';
    const id = input('text', reward.id ?? '', { maxlength: 128 });
    id.dataset.key = 'id';
    row.append(
      field('类型', `${path}/type`, type),
      field('名称（患者看到）', `${path}/title`, title),
      field('面额（元）', `${path}/valueFen`, value),
      field('每次张数', `${path}/quantity`, quantity),
      field('有效天数', `${path}/validDays`, days, '0 = 长期'),
      field('编号', `${path}/id`, id),
    );
    if (onRemove) {
      const remove = el('button', 'btn btn--ghost btn--small creward__remove', '删除');
      remove.type = 'button';
      remove.addEventListener('click', onRemove);
      row.append(remove);
    }
    return row;
  }

  function rewardList(title, key, base = record) {
    const fs = group(title, `/${key}`);
    fs.dataset.list = key;
    const list = base[key] ?? [];
    list.forEach((reward, i) =>
      fs.append(
        rewardRow(reward, `/${key}/${i}`, () => {
          syncRecord();
          base[key].splice(i, 1);
          renderForm();
          check();
        }),
      ),
    );
    const add = el('button', 'btn btn--secondary btn--small', '添加奖励');
    add.type = 'button';
    add.addEventListener('click', () => {
      syncRecord();
      (base[key] ??= []).push({ id: `reward-${(base[key]?.length ?? 0) + 1}`, type: 'voucher', title: '', valueFen: 0, validDays: 90 });
      renderForm();
      check();
    });
    fs.append(add);
    return fs;
  }

  function renderForm() {
    const form = $('campaign-form');
    form.replaceChildren();
    const frozen = running();
    const head = el('div', 'console-toolbar');
    const h = el('h3', 'campaigns-subtitle', entry ? `编辑：${entry.current.config.title}` : '新建活动');
    h.id = 'campaign-form-title';
    head.append(h);
    form.append(head);
    if (frozen) {
      const banner = el('p', 'campaign-frozen');
      banner.id = 'campaign-frozen';
      banner.textContent = entry.scheduled
        ? `这个活动正在进行，规则已冻结。已排期的新版本将于${dateZh(civilDate(entry.scheduled.effectiveFromMs))}生效；再次保存会替换它。只能做对患者更有利的修改。`
        : '这个活动正在进行，规则已冻结：只能做对患者更有利的修改，保存后作为新版本从生效日起执行，当前版本在前一天结束。';
      form.append(banner);
    }
    const summary = el('div', 'campaign-violations');
    summary.id = 'campaign-violations';
    summary.setAttribute('role', 'alert');
    summary.hidden = true;
    form.append(summary);

    const basics = el('div', 'cgrid');
    const id = input('text', record.id, { maxlength: 128, autocomplete: 'off', spellcheck: 'false', placeholder: '例如 spring-exam' });
    id.dataset.name = 'id';
    if (entry) id.readOnly = true;
    const title = input('text', record.title, { maxlength: 256 });
    title.dataset.name = 'title';
    const type = select(TYPES, record.type);
    type.dataset.name = 'type';
    type.addEventListener('change', () => {
      syncRecord();
      adaptToType();
      renderForm();
      check();
    });
    if (frozen) type.disabled = true;
    basics.append(field('活动编号', '/id', id, '字母、数字和连字符，保存后不能修改'), field('活动名称（患者看到）', '/title', title), field('类型', '/type', type));
    const status = select({ draft: '草稿（患者看不到）', running: '发布（进行中）' }, record.status ?? 'running');
    status.dataset.name = 'status';
    basics.append(field('状态', '/status', status));
    if (frozen) {
      // The day after the backend's today (the demo's clock or the server's).
      const from = input('date', listing ? civilDate(Date.parse(`${listing.today}T00:00:00Z`) - ZONE_OFFSET_MS + DAY_MS) : '');
      from.dataset.name = 'effectiveFrom';
      basics.append(field('新版本生效日期', '/effectiveFrom', from, '最早明天'));
    }
    const validFrom = input('date', record.validFrom ?? '');
    validFrom.dataset.name = 'validFrom';
    const validTo = input('date', record.validTo ?? '');
    validTo.dataset.name = 'validTo';
    basics.append(field('开始日期', '/validFrom', validFrom, '空 = 即日起'), field('结束日期', '/validTo', validTo, '空 = 长期'));
    form.append(basics);
    const description = /** @type {HTMLTextAreaElement} */ (el('textarea', 'textarea'));
    description.rows = 3;
    description.maxLength = 4096;
    description.value = record.description ?? '';
    description.dataset.name = 'description';
    form.append(field('活动说明（患者看到的文字）', '/description', description));

    if (record.type === 'referralReward' || record.type === 'referralTier') {
      const r = record.referral ?? {};
      const fs = group('推荐条件', '/referral');
      const grid = el('div', 'cgrid');
      const trigger = select(TRIGGERS, r.trigger ?? 'registrationConfirmed', REFUSED_TRIGGERS);
      trigger.dataset.name = 'referral.trigger';
      const channel = select(CHANNELS, r.channel ?? '');
      channel.dataset.name = 'referral.channel';
      const hold = input('number', r.holdDays ?? 90, { min: 90, max: 365, step: 1 });
      hold.dataset.name = 'referral.holdDays';
      grid.append(field('发放条件', '/referral/trigger', trigger), field('推荐渠道', '/referral/channel', channel), field('核实期（天）', '/referral/holdDays', hold, '至少90天无投诉后到账'));
      fs.append(grid);
      const checks = el('div', 'cchecks');
      const isNew = checkbox('朋友须为新患者', '/referral/refereeMustBeNew', r.refereeMustBeNew ?? true);
      isNew.querySelector('input').dataset.name = 'referral.refereeMustBeNew';
      const inpatient = checkbox('朋友须为住院患者', '/referral/refereeMustBeInpatient', r.refereeMustBeInpatient ?? false);
      inpatient.querySelector('input').dataset.name = 'referral.refereeMustBeInpatient';
      const member = checkbox('推荐人须为病友社群成员', '/referral/referrerMustBeMember', r.referrerMustBeMember ?? false);
      member.querySelector('input').dataset.name = 'referral.referrerMustBeMember';
      checks.append(isNew, inpatient, member);
      fs.append(checks);
      form.append(fs);
    }
    if (record.type === 'referralReward') {
      form.append(rewardList('推荐人获得', 'referrerRewards'), rewardList('被推荐的朋友获得', 'refereeRewards'));
    } else if (record.type === 'checkInMilestone') {
      const rule = input('text', record.milestoneRuleId ?? 'revisit-voucher-50', { maxlength: 128 });
      rule.dataset.name = 'milestoneRuleId';
      form.append(field('打卡里程碑规则', '/milestoneRuleId', rule), rewardList('达成后获得', 'rewards'));
    } else if (record.type === 'referralTier') {
      const fs = group('推荐等级', '/tiers');
      (record.tiers ?? []).forEach((tier, i) => {
        const box = el('div', 'ctier');
        box.dataset.tier = String(i);
        const grid = el('div', 'cgrid');
        const tid = input('text', tier.id ?? '', { maxlength: 128 });
        tid.dataset.key = 'id';
        const ttitle = input('text', tier.title ?? '', { maxlength: 256 });
        ttitle.dataset.key = 'title';
        const min = input('number', tier.minReferrals ?? 1, { min: 1, max: 1000, step: 1 });
        min.dataset.key = 'minReferrals';
        grid.append(field('等级编号', `/tiers/${i}/id`, tid), field('等级名称', `/tiers/${i}/title`, ttitle), field('所需成功推荐人数', `/tiers/${i}/minReferrals`, min));
        box.append(grid, rewardList(`${tier.title || `第${i + 1}级`}的奖励`, 'rewards', tier));
        box.querySelector('[data-list]')?.setAttribute('data-path', `/tiers/${i}/rewards`);
        for (const row of box.querySelectorAll('[data-reward]')) {
          const old = /** @type {HTMLElement} */ (row).dataset.path ?? '';
          /** @type {HTMLElement} */ (row).dataset.path = `/tiers/${i}${old}`;
          for (const f of row.querySelectorAll('.cfield')) /** @type {HTMLElement} */ (f).dataset.path = `/tiers/${i}${/** @type {HTMLElement} */ (f).dataset.path}`;
        }
        fs.append(box);
      });
      const add = el('button', 'btn btn--secondary btn--small', '添加等级');
      add.type = 'button';
      add.addEventListener('click', () => {
        syncRecord();
        const n = (record.tiers ??= []).length + 1;
        record.tiers.push({ id: `tier-${n}`, title: '', minReferrals: n, rewards: [] });
        renderForm();
        check();
      });
      fs.append(add);
      form.append(fs);
    } else if (record.type === 'monthlyQuota') {
      const day = input('number', record.releaseDayOfMonth ?? 15, { min: 1, max: 28, step: 1 });
      day.dataset.name = 'releaseDayOfMonth';
      form.append(field('每月开放日', '/releaseDayOfMonth', day));
      const fs = group('名额', '/pools');
      (record.pools ?? []).forEach((pool, i) => {
        const box = el('div', 'ctier');
        box.dataset.pool = String(i);
        const grid = el('div', 'cgrid');
        const pid = input('text', pool.id ?? '', { maxlength: 128 });
        pid.dataset.key = 'id';
        const size = input('number', pool.size ?? 0, { min: 0, max: 100000, step: 1 });
        size.dataset.key = 'size';
        grid.append(field('名额编号', `/pools/${i}/id`, pid), field('每月名额数', `/pools/${i}/size`, size));
        box.append(grid, rewardRow(pool.reward ?? {}, `/pools/${i}/reward`, null));
        fs.append(box);
      });
      form.append(fs);
    }

    const limits = el('div', 'cgrid');
    const per = input('number', record.perPersonLimit ?? 0, { min: 0, step: 1 });
    per.dataset.name = 'perPersonLimit';
    const budget = input('number', ((record.budgetFen ?? 0) / 100).toString(), { min: 0, step: '0.01' });
    budget.dataset.name = 'budgetYuan';
    limits.append(field('每人最多', '/perPersonLimit', per, '0 = 不限'), field('活动总预算（元）', '/budgetFen', budget, '0 = 不限'));
    form.append(limits);
    const others = (listing?.campaigns ?? []).filter((c) => c.id !== record.id && c.live);
    if (others.length) {
      const fs = group('不能与这些活动同时获得', '/exclusiveWith');
      const checks = el('div', 'cchecks');
      for (const c of others) {
        const box = checkbox(c.current.config.title, `/exclusiveWith/${c.id}`, (record.exclusiveWith ?? []).includes(c.id));
        box.querySelector('input').dataset.exclusive = c.id;
        checks.append(box);
      }
      fs.append(checks);
      form.append(fs);
    }

    const preview = el('section', 'campaign-preview');
    preview.id = 'campaign-preview';
    preview.setAttribute('aria-label', '患者看到的内容');
    form.append(preview);

    const actions = el('div', 'console-toolbar campaign-actions');
    const error = el('p', 'form-error');
    error.id = 'campaign-error';
    error.setAttribute('role', 'alert');
    error.hidden = true;
    const result = el('p', 'campaign-result');
    result.id = 'campaign-result';
    result.setAttribute('aria-live', 'polite');
    const spacer = el('span', 'console-toolbar__spacer');
    const dry = el('button', 'btn btn--secondary', '试运行');
    dry.type = 'button';
    dry.id = 'campaign-dryrun-start';
    dry.addEventListener('click', () => dryRun().catch((err) => console.warn('dry run failed', err)));
    const submit = el('button', 'btn btn--primary', frozen ? '排期新版本' : '保存');
    submit.type = 'submit';
    submit.id = 'campaign-save';
    actions.append(result, spacer, dry, submit);
    form.append(error, actions);
    renderPreview();
  }

  function adaptToType() {
    const t = record.type;
    const referral = t === 'referralReward' || t === 'referralTier';
    if (referral) record.referral ??= { trigger: 'registrationConfirmed', refereeMustBeNew: true, holdDays: 90 };
    else delete record.referral;
    if (t !== 'referralReward') {
      delete record.referrerRewards;
      delete record.refereeRewards;
    } else {
      record.referrerRewards ??= [];
      record.refereeRewards ??= [];
    }
    if (t === 'referralTier') record.tiers ??= [{ id: 'tier-1', title: '', minReferrals: 1, rewards: [] }];
    else delete record.tiers;
    if (t === 'monthlyQuota') {
      record.pools ??= [{ id: 'pool-1', size: 10, reward: { id: 'pool-reward', type: 'voucher', title: '', valueFen: 0, validDays: 60 } }];
    } else {
      delete record.pools;
      delete record.releaseDayOfMonth;
    }
    if (t === 'checkInMilestone') record.rewards ??= [];
    else {
      delete record.rewards;
      delete record.milestoneRuleId;
    }
  }

  // ------------------------------------------------------------ form → record

  /** Local problems the form itself sees (not a number …), by path. */
  let formProblems = [];

  function numberOf(control, path, { integer = true, yuanToFen = false } = {}) {
    const text = /** @type {HTMLInputElement} */ (control).value.trim();
    if (text === '') return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || (integer && !yuanToFen && !Number.isInteger(n)) || (yuanToFen && Math.round(n * 100) !== Math.round(n * 100 * 1000) / 1000)) {
      formProblems.push({ path, message: yuanToFen ? '请填写金额，最多两位小数' : '请填写整数' });
      return undefined;
    }
    return yuanToFen ? Math.round(n * 100) : n;
  }

  function readReward(row, path, base = {}) {
    const r = { ...base };
    for (const control of row.querySelectorAll('[data-key]')) {
      const key = /** @type {HTMLElement} */ (control).dataset.key;
      const value = /** @type {HTMLInputElement} */ (control).value;
      if (key === 'type' || key === 'title' || key === 'id') r[key] = value.trim();
      else if (key === 'valueYuan') {
        const fen = numberOf(control, `${path}/valueFen`, { yuanToFen: true });
        if (fen === undefined) delete r.valueFen;
        else r.valueFen = fen;
      } else {
        const n = numberOf(control, `${path}/${key}`);
        if (n === undefined) delete r[key];
        else r[key] = n;
      }
    }
    return r;
  }

  /** Reads every control into `record` (keys the form does not show are kept as they were). */
  function syncRecord() {
    const form = $('campaign-form');
    formProblems = [];
    const get = (name) => /** @type {HTMLInputElement | null} */ (form.querySelector(`[data-name="${name}"]`));
    for (const key of ['id', 'title', 'description', 'type', 'status', 'milestoneRuleId']) {
      const control = get(key);
      if (control) record[key] = key === 'description' ? control.value : control.value.trim();
    }
    for (const key of ['validFrom', 'validTo']) {
      const control = get(key);
      if (!control) continue;
      if (control.value) record[key] = control.value;
      else delete record[key];
    }
    if (record.referral) {
      const trigger = get('referral.trigger');
      if (trigger) record.referral.trigger = trigger.value;
      const channel = get('referral.channel');
      if (channel) {
        if (channel.value) record.referral.channel = channel.value;
        else delete record.referral.channel;
      }
      const hold = get('referral.holdDays');
      if (hold) {
        const n = numberOf(hold, '/referral/holdDays');
        if (n === undefined) delete record.referral.holdDays;
        else record.referral.holdDays = n;
      }
      for (const key of ['refereeMustBeNew', 'refereeMustBeInpatient', 'referrerMustBeMember']) {
        const box = get(`referral.${key}`);
        if (box) record.referral[key] = box.checked;
      }
    }
    for (const fs of form.querySelectorAll('fieldset[data-list]')) {
      const key = /** @type {HTMLElement} */ (fs).dataset.list ?? '';
      const tierBox = fs.closest('[data-tier]');
      const owner = tierBox ? record.tiers[Number(/** @type {HTMLElement} */ (tierBox).dataset.tier)] : record;
      const rows = [...fs.querySelectorAll(':scope > [data-reward]')];
      owner[key] = rows.map((row, i) => readReward(row, /** @type {HTMLElement} */ (row).dataset.path ?? '', owner[key]?.[i]));
    }
    for (const box of form.querySelectorAll('[data-tier]')) {
      const i = Number(/** @type {HTMLElement} */ (box).dataset.tier);
      const tier = record.tiers[i];
      for (const control of box.querySelectorAll(':scope > .cgrid [data-key]')) {
        const key = /** @type {HTMLElement} */ (control).dataset.key ?? '';
        if (key === 'minReferrals') {
          const n = numberOf(control, `/tiers/${i}/minReferrals`);
          if (n === undefined) delete tier.minReferrals;
          else tier.minReferrals = n;
        } else tier[key] = /** @type {HTMLInputElement} */ (control).value.trim();
      }
    }
    for (const box of form.querySelectorAll('[data-pool]')) {
      const i = Number(/** @type {HTMLElement} */ (box).dataset.pool);
      const pool = record.pools[i];
      for (const control of box.querySelectorAll(':scope > .cgrid [data-key]')) {
        const key = /** @type {HTMLElement} */ (control).dataset.key ?? '';
        if (key === 'size') {
          const n = numberOf(control, `/pools/${i}/size`);
          if (n === undefined) delete pool.size;
          else pool.size = n;
        } else pool[key] = /** @type {HTMLInputElement} */ (control).value.trim();
      }
      const row = box.querySelector('[data-reward]');
      if (row) pool.reward = readReward(row, `/pools/${i}/reward`, pool.reward);
    }
    const day = get('releaseDayOfMonth');
    if (day) {
      const n = numberOf(day, '/releaseDayOfMonth');
      if (n === undefined) delete record.releaseDayOfMonth;
      else record.releaseDayOfMonth = n;
    }
    const per = get('perPersonLimit');
    if (per) {
      const n = numberOf(per, '/perPersonLimit');
      if (n === undefined || n === 0) delete record.perPersonLimit;
      else record.perPersonLimit = n;
    }
    const budget = get('budgetYuan');
    if (budget) {
      const fen = numberOf(budget, '/budgetFen', { yuanToFen: true });
      if (fen === undefined || fen === 0) delete record.budgetFen;
      else record.budgetFen = fen;
    }
    const exclusive = [...form.querySelectorAll('[data-exclusive]')];
    if (exclusive.length) {
      const kept = (record.exclusiveWith ?? []).filter((id) => !exclusive.some((b) => /** @type {HTMLElement} */ (b).dataset.exclusive === id));
      const chosen = exclusive.filter((b) => /** @type {HTMLInputElement} */ (b).checked).map((b) => /** @type {HTMLElement} */ (b).dataset.exclusive ?? '');
      const all = [...kept, ...chosen];
      if (all.length) record.exclusiveWith = all;
      else delete record.exclusiveWith;
    }
    return record;
  }

  function effectiveFrom() {
    const control = /** @type {HTMLInputElement | null} */ (document.querySelector('#campaign-form [data-name="effectiveFrom"]'));
    return control?.value || undefined;
  }

  // ------------------------------------------------------------ the validator, inline

  function scheduleCheck() {
    clearTimeout(checkTimer);
    checkTimer = window.setTimeout(check, 200);
  }

  /** Violations with the path made relative to the campaign (the validator names it inside its set). */
  function relative(violations) {
    return violations.map((v) => ({ ...v, path: String(v.path ?? '').replace(/^\/(campaigns\/\d+|after|before|campaign)(?=\/|$)/, '') }));
  }

  /** Runs the core's validator (and, for a running campaign, the change check) on the form as it is. */
  function check() {
    if (!record) return [];
    syncRecord();
    renderPreview();
    const problems = [...formProblems];
    if (problems.length === 0) {
      const others = (listing?.campaigns ?? []).filter((c) => c.live && c.id !== record.id).map((c) => c.current.config);
      const validated = core.call('validateCampaigns', { campaigns: [...others, { ...record, status: 'running' }] });
      if (!validated.ok) problems.push(...relative([{ ...validated.error, guard: '' }]));
      else problems.push(...relative(validated.value.violations.filter((v) => v.campaignId === record.id || v.path.startsWith(`/campaigns/${others.length}`))));
      if (running() && validated.ok) {
        const change = core.call('validateCampaignChange', { before: entry.current.config, after: record });
        if (change.ok) problems.push(...relative(change.value.violations));
      }
    }
    showViolations(problems);
    return problems;
  }

  function describe(v) {
    const what = ERROR_COPY[v.code];
    const head = [v.guard, what].filter(Boolean).join(' · ');
    return { head, message: v.message };
  }

  function showViolations(violations) {
    const form = $('campaign-form');
    for (const e of form.querySelectorAll('.cfield__error')) {
      e.replaceChildren();
      /** @type {HTMLElement} */ (e).hidden = true;
    }
    for (const f of form.querySelectorAll('.is-invalid')) f.classList.remove('is-invalid');
    const summary = $('campaign-violations');
    summary.replaceChildren();
    summary.hidden = violations.length === 0;
    form.dataset.violations = String(violations.length);
    if (violations.length === 0) return;
    const holders = [...form.querySelectorAll('[data-path]')];
    summary.append(el('p', 'campaign-violations__title', `有${violations.length}处不符合规定或填写有误，需要修改后才能保存：`));
    const list = el('ul', 'campaign-violations__list');
    for (const v of violations) {
      const { head, message } = describe(v);
      const li = el('li');
      li.dataset.code = v.code;
      if (v.guard) li.dataset.guard = v.guard;
      if (head) li.append(el('strong', '', `${head}：`));
      li.append(message);
      list.append(li);
      // The innermost field whose path is this path or contains it.
      const path = v.path ?? '';
      let best = null;
      for (const h of holders) {
        const p = /** @type {HTMLElement} */ (h).dataset.path ?? '';
        if (p === '' ) continue;
        if ((path === p || path.startsWith(`${p}/`)) && (!best || p.length > (best.dataset.path ?? '').length)) best = /** @type {HTMLElement} */ (h);
      }
      if (best) {
        best.classList.add('is-invalid');
        const error = /** @type {HTMLElement} */ (best.querySelector(':scope > .cfield__error'));
        if (error) {
          const line = el('span', 'cfield__error-line');
          line.dataset.code = v.code;
          if (head) line.append(el('strong', '', `${head}：`));
          line.append(message);
          error.append(line);
          error.hidden = false;
        }
      }
    }
    summary.append(list);
  }

  function renderPreview() {
    const preview = document.getElementById('campaign-preview');
    if (!preview || !record) return;
    preview.replaceChildren(el('p', 'campaign-preview__eyebrow', '患者看到的内容（保存的就是这条记录）'));
    preview.append(el('p', 'campaign-preview__title', record.title || '（还没有填写活动名称）'));
    if (record.description) preview.append(el('p', 'campaign-preview__text', record.description));
    const rewards = [
      ...(record.referrerRewards ?? []).map((r) => `推荐人：${r.title}`),
      ...(record.refereeRewards ?? []).map((r) => `朋友：${r.title}`),
      ...(record.rewards ?? []).map((r) => r.title),
      ...(record.tiers ?? []).flatMap((t) => (t.rewards ?? []).map((r) => `${t.title}：${r.title}`)),
      ...(record.pools ?? []).map((p) => `${p.reward?.title ?? ''}（每月${p.size ?? 0}个）`),
    ].filter((t) => t && !t.endsWith('：'));
    if (rewards.length) {
      const ul = el('ul', 'campaign-preview__rewards');
      for (const r of rewards) ul.append(el('li', '', r));
      preview.append(ul);
    }
  }

  // ------------------------------------------------------------ save

  async function save() {
    if (busy) return;
    const problems = check();
    const error = $('campaign-error');
    error.hidden = true;
    $('campaign-result').textContent = '';
    if (problems.length) {
      error.textContent = '还有需要修改的地方，见上方说明';
      error.hidden = false;
      $('campaign-violations').scrollIntoView({ block: 'nearest' });
      return;
    }
    busy = true;
    const submit = /** @type {HTMLButtonElement} */ ($('campaign-save'));
    submit.disabled = true;
    try {
      const campaign = structuredClone(record);
      const saved = await backend.saveCampaign({ campaign, ...(running() && effectiveFrom() ? { effectiveFrom: effectiveFrom() } : {}) }, core);
      const when = saved.effectiveFromMs ? `：${dateZh(civilDate(saved.effectiveFromMs))}起生效，当前版本在前一天结束` : '';
      const text = `${OUTCOMES[saved.outcome] ?? '已保存'}${when}`;
      showToast(text, 'success');
      entry = { id: saved.campaignId, current: { state: 'draft', config: campaign } };
      await load();
      $('campaign-result').textContent = text;
      $('campaign-form').dataset.outcome = saved.outcome;
    } catch (err) {
      const violations = /** @type {any} */ (err)?.violations;
      if (Array.isArray(violations) && violations.length) showViolations(relative(violations));
      else if (/** @type {any} */ (err)?.path) showViolations(relative([{ code: err.code, guard: '', message: describeError(err), path: err.path }]));
      error.textContent = describeError(err, '保存失败，请稍后再试');
      error.hidden = false;
      $('campaign-form').dataset.outcome = 'refused';
    } finally {
      busy = false;
      submit.disabled = false;
    }
  }

  // ------------------------------------------------------------ dry run

  function renderDryRunIdle() {
    const panel = $('campaign-dryrun');
    panel.replaceChildren();
    panel.dataset.state = 'idle';
    const title = el('h3', 'campaigns-subtitle', '试运行：按医院现有患者计算');
    title.id = 'campaign-dryrun-title';
    panel.append(title, el('p', 'campaign-dryrun__hint', '用表单中的活动（未保存的修改也算）对全院患者计算：谁会得到什么、每月用掉多少预算。只计算，不发放。'));
  }

  async function dryRun() {
    const mine = ++run;
    check();
    const campaign = structuredClone(record);
    const panel = $('campaign-dryrun');
    panel.replaceChildren();
    const title = el('h3', 'campaigns-subtitle', `试运行：${campaign.title || campaign.id}`);
    title.id = 'campaign-dryrun-title';
    const progress = el('p', 'campaign-dryrun__progress', '正在计算…');
    progress.id = 'dryrun-progress';
    progress.setAttribute('aria-live', 'polite');
    const facts = el('dl', 'campaign-dryrun__facts');
    facts.id = 'dryrun-facts';
    const budget = el('p', 'campaign-dryrun__budget');
    budget.id = 'dryrun-budget';
    const months = el('div', 'console-table-wrap');
    const monthTable = el('table', 'console-table');
    monthTable.id = 'dryrun-months';
    monthTable.innerHTML = '<caption>按发放月份（核实期中的奖励计入到账的月份）</caption><thead><tr><th scope="col">月份</th><th scope="col" class="num">张数</th><th scope="col" class="num">金额</th><th scope="col">预算</th></tr></thead><tbody></tbody>';
    months.append(monthTable);
    const rowsWrap = el('div', 'console-table-wrap campaign-dryrun__rows');
    const rowsTable = el('table', 'console-table');
    rowsTable.id = 'dryrun-rows';
    rowsTable.innerHTML = '<thead><tr><th scope="col">患者</th><th scope="col">编号</th><th scope="col">奖励</th><th scope="col" class="num">面额</th><th scope="col">状态</th><th scope="col">计入月份</th></tr></thead><tbody></tbody>';
    rowsWrap.append(rowsTable);
    const more = el('button', 'btn btn--ghost btn--small', '显示更多');
    more.type = 'button';
    more.id = 'dryrun-more';
    more.hidden = true;
    const error = el('p', 'form-error');
    error.id = 'dryrun-error';
    error.setAttribute('role', 'alert');
    error.hidden = true;
    const grid = el('div', 'console-grid');
    const left = el('div');
    left.append(rowsWrap, more);
    const right = el('div');
    right.append(budget, months);
    grid.append(left, right);
    panel.append(title, progress, error, facts, grid);
    panel.dataset.state = 'running';

    const lines = [];
    let shown = 0;
    const body = /** @type {HTMLTableSectionElement} */ (rowsTable.querySelector('tbody'));
    const showMore = () => {
      const end = Math.min(lines.length, shown + ROWS_PAGE);
      for (; shown < end; shown += 1) body.append(lines[shown]);
      more.hidden = shown >= lines.length;
      more.textContent = `显示更多（还有${count(lines.length - shown)}条）`;
    };
    more.addEventListener('click', showMore);

    const started = performance.now();
    let after = null;
    let carry = null;
    let total = null;
    try {
      for (;;) {
        const reply = await backend.dryRunCampaign({ campaign, ...(after ? { after } : {}), ...(carry ? { carry } : {}) }, core);
        if (mine !== run) return;
        total ??= reply.patientsTotal;
        for (const row of reply.rows) {
          for (const g of row.grants) {
            const tr = document.createElement('tr');
            tr.dataset.patientId = row.patientId;
            tr.dataset.state = g.state;
            const state = g.state === 'holding' && g.vestsOn ? `核实期中，${dateZh(g.vestsOn)}到账` : GRANT_STATES[g.state] ?? '';
            tr.append(el('td', '', row.displayName), el('td', 'campaigns-id', row.patientId), el('td', '', g.title), el('td', 'num', yuan(g.valueFen)), el('td', '', state), el('td', '', g.month ? g.month.replace(/^(\d{4})-(\d{2})$/, (_, y, m) => `${y}年${Number(m)}月`) : '—'));
            lines.push(tr);
          }
        }
        if (shown < ROWS_PAGE) showMore();
        else {
          more.hidden = false;
          more.textContent = `显示更多（还有${count(lines.length - shown)}条）`;
        }
        if (!panel.dataset.firstMs) panel.dataset.firstMs = String(Math.round(performance.now() - started));
        renderTotals(reply, total);
        if (!reply.next) break;
        after = reply.next;
        carry = reply.totals;
        progress.textContent = `正在计算：已计算${count(reply.totals.patients)}${total ? ` / ${count(total)}` : ''}位患者`;
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      panel.dataset.totalMs = String(Math.round(performance.now() - started));
      panel.dataset.state = 'ready';
      progress.textContent = `计算完成：全院${count(Number(facts.dataset.patients))}位患者（只计算，未发放任何奖励）`;
    } catch (err) {
      if (mine !== run) return;
      panel.dataset.state = 'error';
      progress.textContent = '试运行没有完成';
      const violations = /** @type {any} */ (err)?.violations;
      error.textContent = describeError(err, '试运行失败，请稍后再试');
      error.hidden = false;
      if (Array.isArray(violations)) showViolations(relative(violations));
    }
  }

  function renderTotals(reply, total) {
    const t = reply.totals;
    const facts = $('dryrun-facts');
    facts.dataset.patients = String(t.patients);
    facts.replaceChildren();
    const fact = (id, label, value) => {
      const d = el('div', 'campaign-dryrun__fact');
      const dd = el('dd', '', value);
      dd.id = id;
      d.append(el('dt', '', label), dd);
      facts.append(d);
    };
    fact('dryrun-patients', '已计算患者', count(t.patients));
    fact('dryrun-eligible', '现在可发放', `${count(t.eligible)}人`);
    fact('dryrun-pending', '在途（核实期或等待确认）', `${count(t.pending)}人`);
    fact('dryrun-receiving', '会得到奖励', `${count(t.receiving)}人`);
    fact('dryrun-value', '计划发放', `${yuan(t.valueFen)}（${count(t.grants)}张）`);
    fact('dryrun-waiting', '等待医院确认', `${count(t.waitingGrants)}张 · ${yuan(t.waitingFen)}`);
    const b = reply.budget;
    const budget = $('dryrun-budget');
    budget.classList.toggle('is-over', b.exceeded);
    budget.textContent = b.budgetFen
      ? `总预算${yuan(b.budgetFen)}，已发放${yuan(b.spentFen)}，试运行计划${yuan(b.plannedFen)}，${b.exceeded ? `将在${b.exceededInMonth.replace(/^(\d{4})-(\d{2})$/, (_, y, m) => `${y}年${Number(m)}月`)}超出预算` : `余量${yuan(b.remainingFen)}`}`
      : `不设总预算；已发放${yuan(b.spentFen)}，试运行计划${yuan(b.plannedFen)}`;
    const body = /** @type {HTMLTableSectionElement} */ ($('dryrun-months').querySelector('tbody'));
    body.replaceChildren();
    for (const m of t.byMonth) {
      const tr = document.createElement('tr');
      tr.dataset.month = m.month;
      const over = b.exceededInMonth !== null && m.month >= b.exceededInMonth;
      tr.append(el('td', '', m.month.replace(/^(\d{4})-(\d{2})$/, (_, y, mm) => `${y}年${Number(mm)}月`)), el('td', 'num', count(m.grants)), el('td', 'num', yuan(m.valueFen)), el('td', over ? 'campaign-dryrun__over' : '', over ? '超出预算' : '预算内'));
      body.append(tr);
    }
    void total;
  }

  return {
    load() {
      return load();
    },
  };
}
