// CareCircle web shell — the poster screen (推荐海报, #poster), reached from
// the referral centre (推荐).
//
// Letters and the thank-you card carry a channel token in their QR
// (getChannelTokens: the server's letter token per template, the cards staff
// issued at the patient's discharge), so the join records how the friend
// came. The thank-you card is offered only once a card was issued (G16:
// after discharge); the letter the saved KOC assessment chose is marked
// 为您推荐.
//
// Thin by design (docs/product-rules.md): the layout of every poster — text wrapping, font
// sizes, the masked name, the medal, the QR code's place, the scratch-off
// region, the wording check (G11) and the refusals (G3, G12) — is
// layoutPoster's reply (docs/api/poster.md), drawn as it is by ./replay.js.
// The referral code is the core's (makeReferralCode / checkReferralCode); the
// QR grid is Nayuki's (./qr.js) and the core checks it. This file collects
// what the patient typed, builds the request, shows the reply (or the core's
// error message verbatim, with the core's spans highlighted), scratches the
// thank-you card's foil, and saves or shares the PNG. Every request carries
// this device's measured character widths (./metrics.js) so the core's line
// breaks fit the font the phone actually draws with.
//
// Privacy: a story draft, its photo and any text typed here live in memory
// only (never localStorage, never IndexedDB — G19); the photo is a blob: URL
// of the chosen file, revoked when replaced. Publishing a story needs its own,
// withdrawable consent; refusing blocks nothing else (G9). 提交故事 hands the
// title and story — the text the core just laid out, never the name or the
// photo — to the backend (submitStory), which checks the consent and the
// wording again and keeps it for the hospital's review; only then is it
// stored anywhere (the HTTP backend's outbox while offline, the offline
// demo's local review queue). Withdrawing the consent withdraws it. Under the
// editor, 我的故事 lists what became of each story the patient submitted
// (getMyStories): 审核中, 已通过, 未通过 with the reason staff chose, 已撤回 — the
// backend's statuses, labelled here. Sharing earns nothing and nothing here
// records whether a share happened (G3).
// All text goes in through textContent; nothing is built from an HTML string.

import { STORY_REJECT_REASON_LABELS, supports } from '../backend/backend.js';
import { channelTokenOfLink, createMiniProgramBridge, whenMiniProgramKnown } from '../backend/miniprogram.js';
import { measuredMetrics } from './metrics.js';
import { drawScratchFoil, posterToPngBlob, replayPoster } from './replay.js';
import { qrRows } from './qr.js';
import { deploymentOf } from '../links.js';
import { charCount, counterText, describeError, formatDay } from '../lib/copy.js';

/**
 * The six templates of layoutPoster. `kind` says which request keys the
 * contract gives the template: letters and the card carry `referral` + `qr`
 * (and a `message`); the check-in poster carries the streak's numbers; the
 * story carries title, story and photo — and never a code or QR (G12).
 */
const TEMPLATES = Object.freeze([
  { id: 'referralHonour', label: '健康大使推荐函', short: '健康大使', kind: 'letter', letter: 'honour' },
  { id: 'referralBenefit', label: '成长基金推荐函', short: '成长基金', kind: 'letter', letter: 'benefit' },
  { id: 'referralPrivilege', label: '黑金推荐函', short: '黑金推荐函', kind: 'letter', letter: 'privilege' },
  { id: 'thankYouCard', label: '出院感恩卡', short: '感恩卡', kind: 'card' },
  { id: 'checkInPoster', label: '打卡成就海报', short: '打卡成就', kind: 'checkIn' },
  { id: 'storyPoster', label: '病友故事官', short: '病友故事', kind: 'story' },
]);
const BY_ID = new Map(TEMPLATES.map((t) => [t.id, t]));
const WITH_QR = new Set(['letter', 'card']);

/** layoutPoster's medal enum; a tier campaign whose current tier has one of these ids is the honour medal. */
const MEDALS = new Set(['bronze', 'silver', 'gold']);

/** What each request field is called on screen (error paths, spans, truncation). */
const FIELD_LABELS = Object.freeze({
  '/data/title': '标题',
  '/data/story': '故事',
  '/data/message': '寄语',
  '/data/name': '署名',
  '/data/hospitalName': '医院名称',
  '/data/planTitle': '康复计划',
  '/data/friendBenefit': '好友权益',
});

/** 我的故事: the chip of each status (MyStory.status) and the line under the title. */
const MY_STORY_STATUS = Object.freeze({
  queued: { chip: '待发送', note: () => '离线已保存，联网后提交' },
  pending: { chip: '审核中', note: () => '医院审核中，审核通过前不会发布' },
  approved: { chip: '已通过', note: () => '已通过审核，医院可在病友社群中分享；取消勾选同意即可撤回' },
  rejected: {
    chip: '未通过',
    note: (s) => `未通过：${STORY_REJECT_REASON_LABELS[s.reason] ?? '其他原因'}，可修改后重新提交`,
  },
  withdrawn: { chip: '已撤回', note: () => '您已撤回发布同意，故事内容已删除' },
});

/**
 * How long each text may be, in characters (字) as the patient counts them.
 * The core's limits are in bytes of UTF-8 (title and message 4 KiB, story
 * 256 KiB, name 128 bytes, docs/api/poster.md); a character takes at most 4
 * bytes, so a text within these counts is always within the core's limits.
 */
export const TEXT_LIMITS = Object.freeze({ title: 60, story: 1000, message: 200, name: 20 });

/** Thumbnails of the story template show this sample (it is never submitted). */
const STORY_SAMPLE = Object.freeze({ title: '我的康复故事', story: '在这里分享您的康复经历。' });

const TYPING_DELAY_MS = 250;
/** Brush radius of the scratch-off, in poster px; the share of the foil that reveals the code. */
const BRUSH = 36;
const REVEAL_AT = 0.6;

/** @type {{template: string, request: object, value: object} | null} last poster shown (tests, debugging) */
let shown = null;
/** @type {{code: string, message: string, path?: string, matches?: object[]} | null} */
let shownError = null;

/** The poster on screen and the request it was laid out from (copies), or null. */
export function shownPoster() {
  return shown ? structuredClone(shown) : null;
}

/** The core error on screen (a copy), or null. */
export function shownPosterError() {
  return shownError ? structuredClone(shownError) : null;
}

/** Element helper: attributes, then children (strings become text nodes). */
function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/**
 * @param {{
 *   root: HTMLElement,
 *   core: import('../core.js').Core,
 *   backend: import('../backend/backend.js').Backend,
 *   profile: import('../backend/backend.js').Profile,
 *   evaluateStreak: () => Promise<{ok: boolean, value?: any, error?: {message: string}}>,
 *   showToast: (text: string, kind?: 'success' | 'info' | 'error') => void,
 * }} deps
 */
export function createPosterScreen({ root, core, backend, profile, evaluateStreak, showToast, openSheet: confirmSheet = null }) {
  const state = {
    /** @type {string} */ template: '',
    /** @type {any} checkReferralCode's value + rows + letterTemplate */ referral: null,
    /** @type {string | null} */ referralError: null,
    /** @type {string | null} the deployment's hospital name, on every poster */ hospitalName: null,
    /** @type {Map<string, {token: string, linkBase: string, qrPayload: string, rows: string[]}>} letter template → its token's QR */ letters: new Map(),
    /** @type {{token: string, display: string, used: boolean, linkBase: string | null, qrPayload: string, rows: string[]} | null} the card to show */ card: null,
    /** @type {string | null} the letter the saved KOC assessment chose */ letterTemplate: null,
    /** @type {any} evaluateStreak's report */ streak: null,
    /** @type {string | null} */ streakError: null,
    /** @type {{id: string, title: string} | null} */ medal: null,
    /** @type {{url: string, image: HTMLImageElement, width: number, height: number} | null} */ photo: null,
    /** @type {any} layoutPoster's value on screen */ poster: null,
    /** @type {any} */ request: null,
    revealed: false,
    submitted: false,
    loaded: false,
    /** @type {import('../backend/backend.js').MyStory[] | null} the backend's list (我的故事), null until read */
    myStories: null,
    ratio: 1,
  };
  /** @type {Promise<void> | null} */
  let loading = null;
  let typingTimer = 0;
  /** layoutPoster's fontFamily, learned from its first reply; '' until then. */
  let fontFamily = '';
  /** @type {Promise<ReturnType<typeof createMiniProgramBridge>> | null} */
  let bridgePromise = null;
  /**
   * The submission under way or last tried: its idempotency key is reused
   * only while no answer came back (a transport failure), so a retry of the
   * same text is the same submission; any answer ends it.
   * @type {{text: string, key: string} | null}
   */
  let storyAttempt = null;
  /** The text last accepted (pending or queued): tapping again does not submit it twice. */
  let submittedText = '';
  let submitting = false;
  /** The template the patient tapped before the first load finished ('' = none): it wins over the default. */
  let pickedWhileLoading = '';

  build();
  const $ = (id) => /** @type {any} */ (document.getElementById(id));
  const ui = {
    templates: $('poster-templates'),
    editorTitle: $('poster-editor-title'),
    editorAside: $('poster-editor-aside'),
    editorNote: $('poster-editor-note'),
    title: $('poster-story-title'),
    story: $('poster-story-text'),
    message: $('poster-message'),
    name: $('poster-name'),
    photoInput: $('poster-photo-input'),
    photoThumb: $('poster-photo-thumb'),
    photoRemove: $('poster-photo-remove'),
    checkinFacts: $('poster-checkin-facts'),
    problem: $('poster-problem'),
    error: $('poster-error'),
    flags: $('poster-flags'),
    consentBox: $('poster-consent-box'),
    consent: $('poster-consent'),
    submit: $('poster-submit'),
    submitMsg: $('poster-submit-msg'),
    mine: $('poster-mine'),
    mineList: $('poster-mine-list'),
    mineCount: $('poster-mine-count'),
    stage: $('poster-stage'),
    canvas: $('poster-canvas'),
    foil: $('poster-foil'),
    scratch: $('poster-scratch'),
    placeholder: $('poster-placeholder'),
    scratchBar: $('poster-scratch-bar'),
    reveal: $('poster-reveal'),
    notices: $('poster-notices'),
    save: $('poster-save'),
    share: $('poster-share'),
    actionMsg: $('poster-action-msg'),
    qrNote: $('poster-qr-note'),
    sheet: $('poster-sheet'),
    sheetImage: $('poster-sheet-img'),
  };
  wire();

  // ------------------------------------------------------------ DOM

  function build() {
    // A text with a limit: its label, the limit in 字 and a live count under it.
    const field = (forKinds, label, control, hint, limit) => {
      const count = limit ? h('span', { id: `${control.id}-count`, class: 'poster-field__count', text: counterText('', limit) }) : null;
      if (limit) control.setAttribute('aria-describedby', `${control.id}-count`);
      return h('label', { class: 'poster-field', 'data-kinds': forKinds },
        h('span', { class: 'poster-field__label', text: !limit ? label : label.endsWith('（可选）') ? `${label.slice(0, -1)}，最多${limit}字）` : `${label}（最多${limit}字）` }), control,
        count || hint ? h('span', { class: 'poster-field__foot' }, hint ? h('span', { class: 'poster-field__hint', text: hint }) : null, count) : null);
    };
    root.replaceChildren(
      h('section', { class: 'card poster-head', 'aria-labelledby': 'poster-title' },
        h('a', { class: 'poster-back', href: '#referral', 'aria-label': '返回推荐' },
          h('span', { class: 'poster-back__icon', 'aria-hidden': 'true' })),
        h('span', { class: 'poster-head__icon', 'aria-hidden': 'true' }),
        h('div', { class: 'poster-head__text' },
          h('h2', { id: 'poster-title', class: 'poster-head__title', text: '推荐海报' }),
          h('p', { class: 'poster-head__sub', text: '选好模板即可预览，保存或分享给亲友' }))),

      h('section', { class: 'card poster-picker', 'aria-labelledby': 'poster-picker-title' },
        h('div', { class: 'section-head' },
          h('h2', { id: 'poster-picker-title', class: 'section-head__title', text: '选择模板' }),
          h('span', { class: 'section-head__aside', text: '共6种' })),
        h('div', { id: 'poster-templates', class: 'poster-templates', role: 'group', 'aria-labelledby': 'poster-picker-title' },
          ...TEMPLATES.map((t) =>
            h('button', { type: 'button', class: 'poster-tpl', 'data-template': t.id, 'aria-pressed': 'false', title: t.label },
              h('span', { class: 'poster-tpl__thumb', 'aria-hidden': 'true' },
                h('canvas', { class: 'poster-tpl__canvas', width: '150', height: '267' })),
              h('span', { class: 'poster-tpl__label', text: t.short }),
              h('span', { class: 'poster-tpl__tag', text: '为您推荐', hidden: true }))))),

      h('section', { class: 'card poster-editor', 'aria-labelledby': 'poster-editor-title' },
        h('div', { class: 'section-head' },
          h('h2', { id: 'poster-editor-title', class: 'section-head__title' }),
          h('span', { id: 'poster-editor-aside', class: 'section-head__aside' })),
        h('p', { id: 'poster-editor-note', class: 'poster-editor__note' }),
        // The month's call for stories (病友故事官), when staff published one.
        h('div', { 'data-kinds': 'story' },
          h('section', { id: 'poster-story-call', class: 'poster-call', 'aria-labelledby': 'poster-story-call-title', hidden: true },
            h('h3', { id: 'poster-story-call-title', class: 'poster-call__title' }),
            h('p', { id: 'poster-story-call-text', class: 'poster-call__text' }),
            h('p', { class: 'poster-call__hint', text: '经医院审核后展示；每月评选一篇月度故事，作者获得「故事官」荣誉勋章。' }))),
        field('story', '标题', h('input', { id: 'poster-story-title', class: 'textarea poster-input', type: 'text',
          autocomplete: 'off', placeholder: '例如：术后第30天，我又能唱歌了' }), null, TEXT_LIMITS.title),
        field('story', '我的故事', h('textarea', { id: 'poster-story-text', class: 'textarea', rows: '6',
          placeholder: '说说您的康复经历和感受。请不要写药名、疗效承诺或联系方式。' }), null, TEXT_LIMITS.story),
        field('letter card', '寄语（可选）', h('textarea', { id: 'poster-message', class: 'textarea', rows: '3',
          placeholder: '写几句您想对亲友说的话' }), null, TEXT_LIMITS.message),
        h('div', { id: 'poster-problem', class: 'poster-problem', role: 'alert', hidden: true },
          h('p', { id: 'poster-error', class: 'form-error poster-problem__message' }),
          h('div', { id: 'poster-flags', class: 'poster-flags' })),
        h('div', { class: 'poster-photo', 'data-kinds': 'story' },
          h('label', { id: 'poster-photo-label', class: 'btn btn--secondary poster-photo__pick' },
            h('span', { class: 'poster-photo__icon', 'aria-hidden': 'true' }),
            h('span', { id: 'poster-photo-pick-text', text: '添加照片（可选）' }),
            h('input', { id: 'poster-photo-input', class: 'poster-photo__input', type: 'file', accept: 'image/png,image/jpeg,image/webp' })),
          h('img', { id: 'poster-photo-thumb', class: 'poster-photo__thumb', alt: '已选照片', width: '44', height: '44', hidden: true }),
          h('button', { id: 'poster-photo-remove', type: 'button', class: 'btn btn--ghost poster-photo__remove', hidden: true, text: '移除照片' })),
        h('p', { id: 'poster-checkin-facts', class: 'poster-facts', 'data-kinds': 'checkIn' }),
        field('letter card checkIn story', '署名（可选）', h('input', { id: 'poster-name', class: 'textarea poster-input', type: 'text',
          autocomplete: 'off', placeholder: '不填则不显示姓名' }), '海报上的姓名会隐去一部分，例如 王*芳', TEXT_LIMITS.name),

        h('div', { id: 'poster-consent-box', class: 'poster-consent', 'data-kinds': 'story' },
          h('label', { class: 'koc-check poster-consent__check' },
            h('input', { id: 'poster-consent', type: 'checkbox' }),
            h('span', { text: '我同意医院在病友社群中发布我的故事' })),
          h('p', { class: 'poster-consent__note',
            text: '这是一项单独的同意，可随时取消勾选撤回。不同意不影响您的任何诊疗和服务，海报仍可保存在本机。' }),
          h('button', { id: 'poster-submit', type: 'button', class: 'btn btn--primary btn--block', text: '提交故事' }),
          h('p', { id: 'poster-submit-msg', class: 'poster-submit-msg', 'aria-live': 'polite', hidden: true }))),

      h('section', { id: 'poster-mine', class: 'card poster-mine', 'aria-labelledby': 'poster-mine-title', hidden: true },
        h('div', { class: 'section-head' },
          h('h2', { id: 'poster-mine-title', class: 'section-head__title', text: '我的故事' }),
          h('span', { id: 'poster-mine-count', class: 'section-head__aside' })),
        h('ol', { id: 'poster-mine-list', class: 'poster-mine__list' }),
        h('p', { class: 'poster-mine__note', text: '审核结果只有您自己能看到。未通过的故事可修改后重新提交。' })),

      h('section', { class: 'card poster-preview', 'aria-labelledby': 'poster-preview-title' },
        h('div', { class: 'section-head' },
          h('h2', { id: 'poster-preview-title', class: 'section-head__title', text: '预览' }),
          h('span', { id: 'poster-preview-aside', class: 'section-head__aside' })),
        h('div', { id: 'poster-stage', class: 'poster-stage' },
          h('canvas', { id: 'poster-canvas', class: 'poster-canvas', role: 'img', 'aria-label': '海报预览', width: '750', height: '1334' }),
          h('canvas', { id: 'poster-foil', class: 'poster-foil', 'aria-hidden': 'true', hidden: true }),
          h('div', { id: 'poster-scratch', class: 'poster-scratch', 'aria-hidden': 'true', hidden: true }),
          h('p', { id: 'poster-placeholder', class: 'poster-placeholder', text: '正在准备海报…' })),
        h('div', { id: 'poster-scratch-bar', class: 'poster-scratch-bar', hidden: true },
          h('p', { class: 'poster-scratch-bar__text', text: '用手指刮开灰色涂层，查看专属推荐码' }),
          h('button', { id: 'poster-reveal', type: 'button', class: 'btn btn--ghost btn--small', text: '直接显示' })),
        h('p', { id: 'poster-notices', class: 'poster-notices', hidden: true }),
        h('div', { class: 'poster-actions' },
          h('button', { id: 'poster-save', type: 'button', class: 'btn btn--primary', disabled: true },
            h('span', { class: 'poster-actions__icon poster-actions__icon--save', 'aria-hidden': 'true' }), '保存图片'),
          h('button', { id: 'poster-share', type: 'button', class: 'btn btn--secondary', disabled: true },
            h('span', { class: 'poster-actions__icon poster-actions__icon--share', 'aria-hidden': 'true' }), '分享')),
        h('p', { id: 'poster-action-msg', class: 'poster-action-msg', role: 'status', hidden: true }),
        h('p', { class: 'poster-fineprint', text: '分享与否不影响任何奖励、勋章或打卡记录。' }),
        h('p', { id: 'poster-qr-note', class: 'poster-fineprint', text: '二维码只含您的推荐码，不含姓名、电话或病情。朋友扫码后自行登记。' })),

      h('div', { id: 'poster-sheet', class: 'sheet', hidden: true },
        h('div', { class: 'sheet__backdrop', 'data-poster-sheet-close': '' }),
        h('div', { class: 'sheet__panel poster-sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'poster-sheet-title' },
          h('div', { class: 'sheet__grabber', 'aria-hidden': 'true' }),
          h('h2', { id: 'poster-sheet-title', class: 'sheet__title', text: '长按图片保存到相册' }),
          h('img', { id: 'poster-sheet-img', class: 'poster-sheet__img', alt: '海报图片' }),
          h('button', { type: 'button', class: 'btn btn--secondary btn--block', 'data-poster-sheet-close': '', text: '完成' }))),
    );
  }

  function wire() {
    ui.templates.addEventListener('click', (e) => {
      const button = e.target instanceof Element ? e.target.closest('[data-template]') : null;
      if (!button) return;
      // A pick while the screen is still loading is the patient's: loading must not undo it.
      if (!state.loaded) pickedWhileLoading = /** @type {HTMLElement} */ (button).dataset.template ?? '';
      select(/** @type {HTMLElement} */ (button).dataset.template, { updateHash: true });
    });
    const limits = new Map([[ui.title, TEXT_LIMITS.title], [ui.story, TEXT_LIMITS.story], [ui.message, TEXT_LIMITS.message], [ui.name, TEXT_LIMITS.name]]);
    for (const [input, max] of limits) {
      // Characters, not bytes or UTF-16 units: text beyond the limit is cut
      // once a word is composed (never in the middle of an IME composition).
      const keep = () => {
        if (charCount(input.value) > max) input.value = [...input.value].slice(0, max).join('');
        /** @type {HTMLElement} */ (root.querySelector(`#${input.id}-count`)).textContent = counterText(input.value, max);
      };
      input.addEventListener('input', (e) => {
        if (!(/** @type {InputEvent} */ (e).isComposing)) keep();
        typed();
      });
      input.addEventListener('compositionend', () => {
        keep();
        typed();
      });
    }
    ui.photoInput.addEventListener('change', pickPhoto);
    ui.photoRemove.addEventListener('click', () => {
      releasePhoto();
      update();
    });
    ui.consent.addEventListener('change', consentChanged);
    ui.submit.addEventListener('click', submitStory);
    ui.reveal.addEventListener('click', () => reveal());
    ui.save.addEventListener('click', () => run(save));
    ui.share.addEventListener('click', () => run(share));
    wireScratch();
    for (const closer of root.querySelectorAll('[data-poster-sheet-close]')) closer.addEventListener('click', closeSheet);
    // A new width (rotation, a wider window): the same poster at the new pixel ratio.
    let lastWidth = 0;
    new ResizeObserver(() => {
      const width = ui.stage.clientWidth;
      if (width > 0 && width !== lastWidth) {
        lastWidth = width;
        if (state.poster) paint();
      }
    }).observe(ui.stage);
  }

  // ------------------------------------------------------------ data

  /** The patient's referral code (the profile's, else the backend's), checked by the core, + its QR grid. */
  async function loadReferral() {
    let code = profile.referralCode;
    let linkBase;
    let letterTemplate = null;
    if (supports(backend, 'getReferralCode')) {
      const own = await backend.getReferralCode(core);
      code = code || own.code;
      linkBase = own.linkBase;
      letterTemplate = own.letterTemplate ?? null;
    }
    if (!code) throw new Error('暂时还没有您的推荐码，请稍后再试');
    const checked = core.call('checkReferralCode', linkBase ? { code, linkBase } : { code });
    if (!checked.ok) throw new Error(describeError(checked.error));
    const rows = await qrRows(checked.value.qrPayload, checked.value.qrEcc);
    return { ...checked.value, linkBase, rows, letterTemplate };
  }

  /** The streak report (check-in poster) and the honour medal the core says the patient holds. */
  async function loadStreak() {
    const streak = await evaluateStreak();
    if (!streak.ok) {
      state.streakError = describeError(streak.error);
      return;
    }
    state.streak = streak.value;
    state.streakError = null;
    if (!supports(backend, 'getEligibilityInputs')) return;
    const inputs = await backend.getEligibilityInputs();
    // Milestone facts shaped as wallet.js passes them ({key, ruleId}).
    const milestones = (streak.value.milestones ?? []).map(({ key, ruleId }) => ({ key, ruleId }));
    const eligibility = core.call('evaluateEligibility', { nowMs: backend.now().nowMs, ...inputs, milestones });
    if (!eligibility.ok) return;
    const tier = eligibility.value.campaigns.map((c) => c.tier).find((t) => t && MEDALS.has(t.currentTierId));
    state.medal = tier ? { id: tier.currentTierId, title: tier.currentTierTitle } : null;
  }

  /** The patient's answer for publishing stories (G9), where the backend keeps consents. */
  async function loadConsent() {
    if (!supports(backend, 'getConsents')) return;
    const consents = await backend.getConsents();
    const stories = consents.find((c) => c.purpose === 'stories');
    ui.consent.checked = Boolean(stories?.granted);
    ui.consentBox.dataset.consent = String(ui.consent.checked);
    if (!ui.consent.checked && state.submitted) {
      state.submitted = false;
      submittedText = '';
      root.dataset.storySubmitted = 'false';
      renderSubmitButton();
      showSubmitMessage('您已撤回发布同意，故事不会发布。您的诊疗和服务不受任何影响。', 'info');
    }
  }

  /** The patient's own stories and their review status (我的故事), where the backend lists them. */
  async function loadMyStories() {
    if (!supports(backend, 'getMyStories')) return;
    try {
      state.myStories = await backend.getMyStories();
    } catch (err) {
      // The last list read stays on screen; nothing else depends on it.
      console.warn('poster: my stories', err);
      return;
    }
    renderMyStories();
  }

  /**
   * The letters' and the card's tokens (getChannelTokens), each with the QR
   * its link makes (the core checks the link). The card shown is the newest
   * one not yet used, else the newest.
   */
  async function loadChannels() {
    if (!supports(backend, 'getChannelTokens') || !state.referral) return;
    const channels = await backend.getChannelTokens(core);
    const withQr = async (linkBase) => {
      if (!linkBase) return null;
      const checked = core.call('checkReferralCode', { code: state.referral.code, linkBase });
      if (!checked.ok) return null;
      return { linkBase, qrPayload: checked.value.qrPayload, rows: await qrRows(checked.value.qrPayload, checked.value.qrEcc) };
    };
    const letters = new Map();
    for (const letter of channels.letters ?? []) {
      const qr = await withQr(letter.linkBase);
      if (qr) letters.set(letter.template, { token: letter.token, ...qr });
    }
    const cards = [...(channels.cards ?? [])].sort((a, b) => Number(a.used) - Number(b.used) || b.issuedAtMs - a.issuedAtMs);
    const card = cards[0] ?? null;
    const cardQr = card ? (await withQr(card.linkBase)) ?? { linkBase: null, qrPayload: state.referral.qrPayload, rows: state.referral.rows } : null;
    state.letters = letters;
    state.card = card ? { token: card.token, display: card.display, used: card.used, ...cardQr } : null;
    state.letterTemplate = channels.letterTemplate ?? null;
    renderAvailability();
  }

  /** The thank-you card's template is there only once staff issued a card (G16). */
  function renderAvailability() {
    const button = ui.templates.querySelector('[data-template="thankYouCard"]');
    if (button) button.hidden = !state.card;
    root.dataset.card = state.card ? state.card.token : '';
  }

  /**
   * The month's call for stories (theme and invitation, staff's words the
   * core checked), above the story form; none, or a failed read, leaves it hidden.
   */
  async function loadStoryCall() {
    const box = $('poster-story-call');
    if (!supports(backend, 'getStoryMonth')) return;
    let call = null;
    try {
      call = (await backend.getStoryMonth()).call;
    } catch (err) {
      console.warn('poster: story call', err);
    }
    box.hidden = !call;
    $('poster-story-call-title').textContent = call ? `本月故事征集：${call.theme}` : '';
    $('poster-story-call-text').textContent = call ? call.invitation : '';
  }

  async function loadAll() {
    const [referral, streak] = await Promise.allSettled([
      loadReferral(),
      loadStreak(),
      loadStoryCall(),
      loadConsent().catch((err) => console.warn('poster: consents', err)),
      loadMyStories(),
      // Every poster names the hospital from the deployment's configuration.
      deploymentOf(backend).then((d) => {
        state.hospitalName = d.hospitalName;
      }),
    ]);
    if (referral.status === 'fulfilled') {
      state.referral = referral.value;
      state.referralError = null;
    } else {
      state.referralError = describeError(referral.reason, '推荐码暂时无法获取，请稍后再试');
      console.warn('poster: referral code', referral.reason);
    }
    if (streak.status === 'rejected') {
      state.streakError = '打卡记录暂时无法读取，请稍后再试';
      console.warn('poster: streak', streak.reason);
    }
    await loadChannels().catch((err) => console.warn('poster: channel tokens', err));
    state.loaded = true;
    markRecommended();
    renderThumbnails();
  }

  // ------------------------------------------------------------ request

  /** The layoutPoster request for the template, from what the patient typed; null = nothing to lay out yet. */
  function buildRequest(id, { sample = false } = {}) {
    const t = BY_ID.get(id);
    const data = {};
    const name = sample ? '' : ui.name.value.trim();
    if (name) data.name = name;
    if (state.hospitalName) data.hospitalName = state.hospitalName;
    if (t.kind === 'letter' || t.kind === 'card') {
      const message = sample ? '' : ui.message.value;
      if (message.trim()) data.message = message;
      if (id === 'referralHonour' && state.medal) data.medal = state.medal.id;
    }
    if (t.kind === 'checkIn') {
      const r = state.streak;
      if (!r) return null;
      Object.assign(data, { currentDays: r.current, totalDays: r.total, longestDays: r.longest, date: r.today });
      if (profile.community?.actionTitle) data.planTitle = profile.community.actionTitle;
    }
    if (t.kind === 'story') {
      const title = sample ? STORY_SAMPLE.title : ui.title.value;
      const story = sample ? STORY_SAMPLE.story : ui.story.value;
      if (!title.trim() && !story.trim()) return null;
      data.title = title;
      data.story = story;
    }
    /** @type {any} */
    const request = { template: id, data };
    if (WITH_QR.has(t.kind)) {
      const r = state.referral;
      if (!r) return null;
      // A letter's or the card's own link (its token before the code), else the plain join link.
      const own = t.kind === 'card' ? state.card : state.letters.get(t.letter);
      if (t.kind === 'card' && !own) return null;
      const link = own?.linkBase ? own : r;
      request.referral = link.linkBase ? { code: r.display, linkBase: link.linkBase } : { code: r.display };
      request.qr = { payload: link.qrPayload, rows: link.rows };
    }
    if (t.kind === 'story' && state.photo && !sample) {
      request.images = { photo: { width: state.photo.width, height: state.photo.height, href: state.photo.url } };
    }
    return request;
  }

  // ------------------------------------------------------------ template

  function select(id, { updateHash = false } = {}) {
    if (!BY_ID.has(id)) return;
    const t = BY_ID.get(id);
    const changed = state.template !== id;
    state.template = id;
    root.dataset.template = id;
    for (const button of ui.templates.querySelectorAll('[data-template]')) {
      button.setAttribute('aria-pressed', String(button.dataset.template === id));
    }
    for (const node of root.querySelectorAll('[data-kinds]')) {
      node.hidden = !node.dataset.kinds.split(' ').includes(t.kind);
    }
    ui.editorTitle.textContent = t.label;
    ui.editorAside.textContent = t.kind === 'story' ? '草稿只留在本页面' : '';
    ui.editorNote.textContent = editorNote(t);
    ui.qrNote.hidden = !WITH_QR.has(t.kind);
    renderCheckInFacts();
    renderMyStories();
    if (updateHash) history.replaceState(null, '', `#poster/${id}`);
    if (changed) {
      clearActionMessage();
      update();
    }
  }

  function editorNote(t) {
    if (t.id === 'referralHonour') {
      return state.medal ? `按您的推荐记录显示勋章：${state.medal.title}` : '朋友扫码或输入推荐码后自行登记';
    }
    if (t.kind === 'letter') return '朋友扫码或输入推荐码后自行登记，您无需填写朋友的任何信息';
    if (t.kind === 'card') {
      const card = state.card;
      if (!card) return '出院时由护士发放感恩卡，发放后可在这里保存';
      return card.used ? `卡号 ${card.display}：已有朋友凭这张卡登记，每张卡限一位朋友` : `卡号 ${card.display}：凭卡号可领取，限一位朋友；推荐码和卡号印在刮刮卡涂层下`;
    }
    if (t.kind === 'checkIn') return '数字来自您的打卡记录';
    return '故事海报上不会出现二维码、推荐码、预约方式或价格';
  }

  function renderCheckInFacts() {
    const r = state.streak;
    ui.checkinFacts.textContent = r
      ? `当前连续 ${r.current} 天 · 最长连续 ${r.longest} 天 · 累计打卡 ${r.total} 天`
      : state.streakError ?? '正在读取打卡记录…';
  }

  function markRecommended() {
    const letter = state.letterTemplate ?? state.referral?.letterTemplate;
    for (const button of ui.templates.querySelectorAll('[data-template]')) {
      const tag = button.querySelector('.poster-tpl__tag');
      const t = BY_ID.get(button.dataset.template);
      tag.hidden = !(letter && t.letter === letter);
    }
  }

  /** The first template: the one in the hash, else the letter the KOC assessment picked, else the first. */
  function initialTemplate(screen) {
    if (BY_ID.has(screen) && (screen !== 'thankYouCard' || state.card)) return screen;
    const letter = state.letterTemplate ?? state.referral?.letterTemplate;
    const picked = TEMPLATES.find((t) => letter && t.letter === letter);
    return picked ? picked.id : TEMPLATES[0].id;
  }

  /**
   * layoutPoster for `request`, with this device's widths added as
   * `request.metrics` (in place, so the request kept with the poster is the
   * one the core laid out). The font family is the core's: the first call
   * learns it from a reply without measured widths.
   */
  function layout(request) {
    if (!fontFamily) {
      const probe = core.call('layoutPoster', request);
      if (!probe.ok) return probe;
      fontFamily = probe.value.fontFamily;
    }
    request.metrics = measuredMetrics(request.data, fontFamily);
    return core.call('layoutPoster', request);
  }

  function renderThumbnails() {
    for (const button of ui.templates.querySelectorAll('[data-template]')) {
      const canvas = button.querySelector('canvas');
      const request = buildRequest(button.dataset.template, { sample: true });
      if (!request) continue;
      const envelope = layout(request);
      if (!envelope.ok) continue;
      const ratio = Math.min(4, (window.devicePixelRatio || 1) * 120 / envelope.value.width);
      replayPoster(canvas, envelope.value, { pixelRatio: ratio });
      drawScratchFoil(canvas, envelope.value, { pixelRatio: ratio });
      button.classList.add('has-thumb');
    }
  }

  // ------------------------------------------------------------ layout

  function typed() {
    renderSubmitButton();
    clearTimeout(typingTimer);
    root.dataset.state = 'pending';
    typingTimer = setTimeout(update, TYPING_DELAY_MS);
  }

  /** Lays the current template out with the core and shows the reply or the error. */
  function update() {
    clearTimeout(typingTimer);
    const t = BY_ID.get(state.template);
    if (!t) return;
    if (!state.loaded) {
      root.dataset.state = 'pending';
      return;
    }
    if (WITH_QR.has(t.kind) && !state.referral) {
      showProblem({ code: 'shell.no_referral_code', message: state.referralError ?? '推荐码暂时无法获取，请稍后再试' }, null);
      return;
    }
    if (t.kind === 'card' && !state.card) {
      showEmpty('出院时由护士发放感恩卡，发放后可在这里保存');
      return;
    }
    if (t.kind === 'checkIn' && !state.streak) {
      showProblem({ code: 'shell.no_streak', message: state.streakError ?? '打卡记录暂时无法读取，请稍后再试' }, null);
      return;
    }
    const request = buildRequest(t.id);
    if (!request) {
      showEmpty('填写标题和故事后即可预览海报');
      return;
    }
    let envelope;
    try {
      envelope = layout(request);
    } catch (err) {
      console.warn('poster: layoutPoster failed', err);
      envelope = { ok: false, error: { code: 'internal.unexpected', message: '海报暂时无法生成，请稍后再试', path: '' } };
    }
    if (envelope.ok) showPoster(envelope.value, request);
    else showProblem(envelope.error, request);
  }

  function showPoster(value, request) {
    state.poster = value;
    state.request = request;
    shown = { template: value.template, request, value };
    shownError = null;
    ui.problem.hidden = true;
    ui.flags.replaceChildren();
    for (const input of [ui.title, ui.story, ui.message, ui.name]) input.removeAttribute('aria-invalid');
    ui.placeholder.hidden = true;
    ui.canvas.hidden = false;
    $('poster-preview-aside').textContent = value.title;
    paint();
    renderNotices(value);
    setActionsEnabled();
    root.dataset.state = 'ready';
  }

  function showEmpty(text) {
    state.poster = null;
    shown = null;
    shownError = null;
    ui.problem.hidden = true;
    hidePreview(text);
    root.dataset.state = 'empty';
  }

  /**
   * The core's error, verbatim. A wording problem (G11) also shows each
   * flagged text with the core's spans marked and the core's explanations.
   */
  function showProblem(error, request) {
    state.poster = null;
    shown = null;
    shownError = error;
    ui.error.textContent = describeError(error, '这张海报暂时无法生成，请修改后再试');
    ui.error.dataset.code = error.code;
    ui.problem.dataset.code = error.code;
    ui.problem.hidden = false;
    const fields = new Set((error.matches ?? []).map((m) => m.field));
    if (error.path && error.code !== 'poster.wording_flagged') fields.add(error.path);
    const inputs = { '/data/title': ui.title, '/data/story': ui.story, '/data/message': ui.message, '/data/name': ui.name };
    for (const [path, input] of Object.entries(inputs)) {
      if (fields.has(path)) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    ui.flags.replaceChildren(...(error.code === 'poster.wording_flagged' && request ? flagged(error.matches, request) : []));
    hidePreview('请按上面的提示修改后再预览');
    ui.notices.hidden = true;
    root.dataset.state = 'error';
  }

  /** One block per flagged field: its text cut at the core's UTF-16 offsets, spans marked; then the explanations. */
  function flagged(matches, request) {
    const byField = new Map();
    for (const m of matches) {
      if (!byField.has(m.field)) byField.set(m.field, []);
      byField.get(m.field).push(m);
    }
    const blocks = [];
    for (const [field, list] of byField) {
      const text = String(request.data?.[field.replace(/^\/data\//, '')] ?? '');
      blocks.push(h('div', { class: 'poster-flag', 'data-field': field },
        h('p', { class: 'poster-flag__label', text: FIELD_LABELS[field] ?? field }),
        h('p', { class: 'poster-flag__text' }, ...segments(text, list))));
    }
    const seen = new Set();
    const reasons = h('ul', { class: 'poster-flag__reasons' });
    for (const m of matches) {
      if (seen.has(m.ruleId)) continue;
      seen.add(m.ruleId);
      reasons.append(h('li', { class: 'poster-flag__reason', 'data-rule-id': m.ruleId },
        h('span', { class: 'poster-flag__category', text: m.categoryLabel }), m.explanation));
    }
    blocks.push(reasons);
    return blocks;
  }

  function segments(text, matches) {
    const cuts = new Set([0, text.length]);
    for (const m of matches) {
      cuts.add(m.utf16Start);
      cuts.add(m.utf16End);
    }
    const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
    const out = [];
    for (let k = 0; k + 1 < points.length; k += 1) {
      const from = points[k];
      const to = points[k + 1];
      const piece = text.slice(from, to);
      const covering = matches.filter((m) => m.utf16Start <= from && to <= m.utf16End);
      if (covering.length === 0) {
        out.push(document.createTextNode(piece));
        continue;
      }
      out.push(h('mark', { class: 'poster-mark', title: covering.map((m) => m.categoryLabel).join('、'), text: piece }));
    }
    return out;
  }

  function renderNotices(value) {
    const lines = [...(value.notices ?? [])];
    if ((value.truncated ?? []).length > 0) {
      const names = value.truncated.map((p) => `“${FIELD_LABELS[p] ?? p}”`).join('、');
      lines.push(`${names}较长，海报上只显示到“…”处`);
    }
    ui.notices.textContent = lines.join('；');
    ui.notices.hidden = lines.length === 0;
  }

  function hidePreview(text) {
    ui.canvas.hidden = true;
    ui.foil.hidden = true;
    ui.scratch.hidden = true;
    ui.scratchBar.hidden = true;
    ui.placeholder.textContent = text;
    ui.placeholder.hidden = false;
    $('poster-preview-aside').textContent = '';
    setActionsEnabled();
  }

  function setActionsEnabled() {
    const poster = state.poster;
    const locked = Boolean(poster?.scratch) && !state.revealed;
    ui.save.disabled = !poster || locked;
    ui.share.disabled = !poster || locked;
  }

  // ------------------------------------------------------------ canvas

  function photoImages() {
    return state.template === 'storyPoster' && state.photo ? { photo: state.photo.image } : {};
  }

  /**
   * The poster on the canvas, fitted to the card's width (CSS), with at least
   * one canvas pixel per device pixel. The ratio is a whole number: every
   * coordinate of the draw list is an integer, so each QR module edge falls on
   * a canvas pixel — a fractional ratio leaves anti-aliased seams between
   * modules that cost a phone camera (and zbar) the scan. The browser then
   * scales the sharp canvas down to the card.
   */
  function paint() {
    const poster = state.poster;
    const cssWidth = ui.stage.clientWidth || 320;
    state.ratio = Math.min(4, Math.max(1, Math.ceil(((window.devicePixelRatio || 1) * cssWidth) / poster.width)));
    replayPoster(ui.canvas, poster, { images: photoImages(), pixelRatio: state.ratio });
    ui.canvas.setAttribute('aria-label', `${poster.title}预览`);
    ui.stage.style.setProperty('--poster-aspect', `${poster.width} / ${poster.height}`);
    paintFoil();
  }

  function paintFoil() {
    const poster = state.poster;
    const s = poster?.scratch;
    ui.scratchBar.hidden = !s || state.revealed;
    const active = Boolean(s) && !state.revealed;
    ui.foil.hidden = !active;
    ui.scratch.hidden = !active;
    root.dataset.revealed = s ? String(state.revealed) : '';
    if (!active) return;
    ui.foil.classList.remove('is-revealed');
    ui.foil.width = ui.canvas.width;
    ui.foil.height = ui.canvas.height;
    const ctx = ui.foil.getContext('2d', { willReadFrequently: true });
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalCompositeOperation = 'source-over';
    ctx.clearRect(0, 0, ui.foil.width, ui.foil.height);
    drawScratchFoil(ui.foil, poster, { pixelRatio: state.ratio });
    // The touch area covers the core's scratch region only: the rest of the poster still scrolls the page.
    const set = (name, value) => ui.scratch.style.setProperty(name, String(value));
    set('--x', s.x / poster.width);
    set('--y', s.y / poster.height);
    set('--w', s.w / poster.width);
    set('--h', s.h / poster.height);
  }

  // ------------------------------------------------------------ scratch-off

  function wireScratch() {
    let scratching = false;
    let last = null;
    let strokes = 0;
    const point = (e) => {
      const rect = ui.canvas.getBoundingClientRect();
      const poster = state.poster;
      return {
        x: ((e.clientX - rect.left) * poster.width) / rect.width,
        y: ((e.clientY - rect.top) * poster.height) / rect.height,
      };
    };
    const scrape = (e) => {
      if (!state.poster?.scratch || state.revealed) return;
      const p = point(e);
      const ctx = ui.foil.getContext('2d', { willReadFrequently: true });
      ctx.setTransform(state.ratio, 0, 0, state.ratio, 0, 0);
      ctx.globalCompositeOperation = 'destination-out';
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      ctx.lineWidth = BRUSH * 2;
      ctx.beginPath();
      if (last) {
        ctx.moveTo(last.x, last.y);
        ctx.lineTo(p.x, p.y);
        ctx.stroke();
      } else {
        ctx.arc(p.x, p.y, BRUSH, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.globalCompositeOperation = 'source-over';
      last = p;
      strokes += 1;
      if (strokes % 6 === 0) checkScratched();
    };
    const end = () => {
      if (!scratching) return;
      scratching = false;
      last = null;
      checkScratched();
    };
    ui.scratch.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      scratching = true;
      last = null;
      try {
        ui.scratch.setPointerCapture(e.pointerId);
      } catch {
        // a synthetic or already released pointer: moves still arrive here
      }
      scrape(e);
    });
    ui.scratch.addEventListener('pointermove', (e) => {
      if (scratching) scrape(e);
    });
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) ui.scratch.addEventListener(type, end);
  }

  /** The share of the scratch region already cleared; past REVEAL_AT the foil goes. */
  function checkScratched() {
    const s = state.poster?.scratch;
    if (!s || state.revealed) return;
    const r = state.ratio;
    const x = Math.floor(s.x * r);
    const y = Math.floor(s.y * r);
    const w = Math.max(1, Math.floor(s.w * r));
    const hgt = Math.max(1, Math.floor(s.h * r));
    const { data } = ui.foil.getContext('2d', { willReadFrequently: true }).getImageData(x, y, w, hgt);
    let clear = 0;
    let total = 0;
    for (let i = 3; i < data.length; i += 16) {
      total += 1;
      if (data[i] < 64) clear += 1;
    }
    root.dataset.scratched = String(Math.round((clear * 100) / Math.max(1, total)));
    if (clear >= REVEAL_AT * total) reveal();
  }

  function reveal() {
    if (state.revealed) return;
    state.revealed = true;
    root.dataset.revealed = 'true';
    ui.scratch.hidden = true;
    ui.scratchBar.hidden = true;
    ui.foil.classList.add('is-revealed');
    setTimeout(() => {
      if (state.revealed) ui.foil.hidden = true;
    }, 350);
    setActionsEnabled();
    showActionMessage('已刮开，这是您的专属推荐码', 'success');
  }

  // ------------------------------------------------------------ photo

  async function pickPhoto() {
    const file = ui.photoInput.files?.[0];
    ui.photoInput.value = '';
    if (!file) return;
    if (!/^image\/(png|jpeg|webp)$/.test(file.type)) {
      showToast('请选择 JPG、PNG 或 WebP 格式的照片', 'error');
      return;
    }
    const url = URL.createObjectURL(file);
    const image = new Image();
    image.src = url;
    try {
      await image.decode();
    } catch {
      URL.revokeObjectURL(url);
      showToast('这张照片无法读取，请换一张', 'error');
      return;
    }
    releasePhoto();
    state.photo = { url, image, width: image.naturalWidth, height: image.naturalHeight };
    ui.photoThumb.src = url;
    ui.photoThumb.hidden = false;
    ui.photoRemove.hidden = false;
    $('poster-photo-pick-text').textContent = '更换照片';
    update();
  }

  function releasePhoto() {
    if (!state.photo) return;
    URL.revokeObjectURL(state.photo.url);
    state.photo = null;
    ui.photoThumb.removeAttribute('src');
    ui.photoThumb.hidden = true;
    ui.photoRemove.hidden = true;
    $('poster-photo-pick-text').textContent = '添加照片（可选）';
  }

  // ------------------------------------------------------------ story

  /**
   * Unticked while stories of the patient's are waiting or published: the
   * sheet names what the withdrawal removes first; cancelled, the box is
   * ticked again and nothing changes.
   */
  async function consentChanged() {
    if (!ui.consent.checked && confirmSheet) await loadMyStories();
    const live = (state.myStories ?? []).filter((s) => ['queued', 'pending', 'approved'].includes(s.status) && s.title !== undefined);
    if (ui.consent.checked || live.length === 0 || !confirmSheet) {
      storeConsent();
      return;
    }
    const named = (list) => list.map((s) => `《${s.title}》`).join('、');
    const waiting = live.filter((s) => s.status !== 'approved');
    const published = live.filter((s) => s.status === 'approved');
    const parts = [];
    if (waiting.length) parts.push(`等待审核的故事${named(waiting)}将被删除，不会发布`);
    if (published.length) parts.push(`已发布的故事${named(published)}将下线，内容删除`);
    confirmSheet({
      title: '撤回发布同意？',
      body: `撤回后，${parts.join('；')}。您的诊疗和服务不受任何影响。`,
      confirmLabel: '撤回并删除',
      danger: true,
      onConfirm: storeConsent,
      onCancel: () => {
        ui.consent.checked = true;
      },
    });
  }

  async function storeConsent() {
    const granted = ui.consent.checked;
    ui.consentBox.dataset.consent = String(granted);
    // The same consent as in 设置 (purpose "stories"), where the backend keeps consents.
    if (supports(backend, 'setConsent')) {
      try {
        await backend.setConsent('stories', granted);
      } catch (err) {
        console.warn('poster: consent not stored', err);
        ui.consent.checked = !granted;
        ui.consentBox.dataset.consent = String(!granted);
        showSubmitMessage('同意状态没有保存成功，请稍后再试', 'error');
        return;
      }
    }
    if (granted) {
      if (!state.submitted) hideSubmitMessage();
      return;
    }
    loadMyStories();
    if (state.submitted) {
      state.submitted = false;
      submittedText = '';
      root.dataset.storySubmitted = 'false';
      renderSubmitButton();
      showSubmitMessage('您已撤回发布同意，故事不会发布。您的诊疗和服务不受任何影响。', 'info');
    }
  }

  async function submitStory() {
    if (submitting) return;
    if (!ui.consent.checked) {
      showSubmitMessage('发布故事需要您单独同意：请先勾选上方的同意项。不同意不影响您的任何诊疗和服务，海报仍可保存在本机。', 'error');
      ui.consent.focus();
      return;
    }
    update();
    if (!state.poster) {
      showSubmitMessage(shownError ? `还不能提交：${describeError(shownError)}` : '请先填写标题和故事', 'error');
      return;
    }
    if (!supports(backend, 'submitStory')) {
      showSubmitMessage('当前服务暂不支持在线提交故事。故事已通过发布前检查，您可先保存海报。', 'info');
      return;
    }
    // Exactly the text the core laid out and checked (G11).
    const { title, story } = state.request.data;
    const text = `${title}\n${story}`;
    if (state.submitted && submittedText === text) {
      renderSubmitButton();
      return;
    }
    if (!storyAttempt || storyAttempt.text !== text) storyAttempt = { text, key: crypto.randomUUID() };
    submitting = true;
    ui.submit.disabled = true;
    root.dataset.storySubmitted = 'sending';
    showSubmitMessage('正在提交…', 'info');
    try {
      const result = await backend.submitStory({ title, story, key: storyAttempt.key }, core);
      storyAttempt = null;
      submittedText = text;
      state.submitted = true;
      root.dataset.storySubmitted = result.status === 'queued' ? 'queued' : 'true';
      if (result.storyId) root.dataset.storyId = result.storyId;
      if (result.status === 'queued') {
        showSubmitMessage('离线已保存，联网后提交。提交后由医院审核，审核通过前不会发布。', 'info');
      } else if (result.local) {
        showSubmitMessage('演示模式：已提交，等待医院审核。演示的审核队列只在本机，不会上传；您可随时取消勾选撤回同意。', 'success');
      } else {
        showSubmitMessage('已提交，等待医院审核。审核通过前不会发布；您可随时取消勾选撤回同意，撤回后故事不会发布。', 'success');
      }
    } catch (err) {
      state.submitted = false;
      root.dataset.storySubmitted = 'false';
      const answered = err && typeof err.code === 'string' && err.status >= 400 && err.status < 500;
      if (!answered) {
        // No answer: the same key is kept for the retry.
        console.warn('poster: story not submitted', err);
        showSubmitMessage('网络不稳定，故事没有提交成功，请稍后再试', 'error');
        return;
      }
      storyAttempt = null;
      root.dataset.storyRefused = err.code;
      // The backend's wording check is the core's: its spans, as before submitting.
      if (err.code === 'poster.wording_flagged' && Array.isArray(err.matches)) {
        showProblem({ code: err.code, message: err.message, path: err.path, matches: err.matches }, state.request);
      }
      showSubmitMessage(`故事没有提交：${describeError(err, '请稍后再试')}`, 'error');
    } finally {
      submitting = false;
      renderSubmitButton();
      loadMyStories();
    }
  }

  /** 提交故事, or what became of the text on screen: submitted once, it is not submitted again. */
  function renderSubmitButton() {
    const done = state.submitted && submittedText === `${ui.title.value}\n${ui.story.value}`;
    ui.submit.disabled = submitting || done;
    ui.submit.textContent = !done ? '提交故事' : root.dataset.storySubmitted === 'queued' ? '已保存，联网后提交' : '已提交，等待审核';
  }

  /** 我的故事: on the story template, once the backend listed at least one story. */
  function renderMyStories() {
    const list = state.myStories ?? [];
    ui.mine.hidden = BY_ID.get(state.template)?.kind !== 'story' || list.length === 0;
    ui.mineCount.textContent = list.length ? `${list.length}篇` : '';
    ui.mineList.replaceChildren(...list.map((s) => {
      const status = Object.hasOwn(MY_STORY_STATUS, s.status) ? MY_STORY_STATUS[s.status] : { chip: s.status, note: () => '' };
      const deleted = s.title === undefined;
      return h('li', { class: 'poster-mine__item', 'data-story-id': s.id, 'data-status': s.status },
        h('div', { class: 'poster-mine__body' },
          h('p', { class: `poster-mine__title${deleted ? ' is-deleted' : ''}`, text: deleted ? '（内容已删除）' : s.title }),
          h('p', { class: 'poster-mine__meta', text: `${formatDay(s.submittedAtMs)}提交` }),
          h('p', { class: `poster-mine__reason poster-mine__reason--${s.status}`, text: status.note(s) })),
        h('span', { class: `chip poster-mine__status poster-mine__status--${s.status}`, text: status.chip }));
    }));
  }

  function showSubmitMessage(text, kind) {
    ui.submitMsg.textContent = text;
    ui.submitMsg.className = `poster-submit-msg poster-submit-msg--${kind}`;
    ui.submitMsg.hidden = false;
  }

  function hideSubmitMessage() {
    ui.submitMsg.hidden = true;
  }

  // ------------------------------------------------------------ save & share

  async function run(action) {
    if (!state.poster) return;
    ui.save.disabled = true;
    ui.share.disabled = true;
    try {
      await action(state.poster);
    } catch (err) {
      console.warn('poster: action failed', err);
      showActionMessage(`操作没有完成：${describeError(err, '请稍后再试')}`, 'error');
    } finally {
      setActionsEnabled();
    }
  }

  function exportPng(poster) {
    return posterToPngBlob(poster, { images: photoImages(), pixelRatio: 2 });
  }

  function fileName(poster) {
    return `${poster.title}.png`;
  }

  function bridge() {
    if (!bridgePromise) bridgePromise = whenMiniProgramKnown().then((detection) => createMiniProgramBridge({ detection }));
    return bridgePromise;
  }

  async function save(poster) {
    const blob = await exportPng(poster);
    if ((await bridge()).inMiniProgram) {
      // The mini-program web-view cannot download: the image, to long-press and save.
      openSheet(blob);
      return;
    }
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: fileName(poster), class: 'poster-download' });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    showActionMessage('图片已生成并开始下载，可在相册或“下载”中找到', 'success');
  }

  async function share(poster) {
    const b = await bridge();
    if (b.inMiniProgram) {
      // A referral poster's card opens the join page with the code (a letter's or card's with its token,
      // as its QR); a story or check-in card carries none (G12).
      const token = channelTokenOfLink(poster.qrPayload);
      await b.share({ title: poster.title, ...(poster.qrPayload && state.referral ? { code: state.referral.code, ...(token ? { token } : {}) } : {}) });
      showActionMessage('请点击右上角“···”转发给朋友；也可以先保存图片再发送', 'info');
      return;
    }
    const blob = await exportPng(poster);
    const file = new File([blob], fileName(poster), { type: 'image/png' });
    if (typeof navigator.canShare === 'function' && typeof navigator.share === 'function' && navigator.canShare({ files: [file] })) {
      try {
        await navigator.share({ files: [file], title: poster.title });
      } catch (err) {
        if (err?.name === 'AbortError') return;
        console.warn('poster: system share failed', err);
        throw new Error('系统分享没有完成，请先保存图片再发送');
      }
      return;
    }
    showActionMessage('当前浏览器不支持直接分享图片。请先点“保存图片”，再从相册发送给朋友。', 'info');
  }

  function showActionMessage(text, kind) {
    ui.actionMsg.textContent = text;
    ui.actionMsg.className = `poster-action-msg poster-action-msg--${kind}`;
    ui.actionMsg.hidden = false;
  }

  function clearActionMessage() {
    ui.actionMsg.hidden = true;
    ui.actionMsg.textContent = '';
  }

  let sheetUrl = '';
  function openSheet(blob) {
    if (sheetUrl) URL.revokeObjectURL(sheetUrl);
    sheetUrl = URL.createObjectURL(blob);
    ui.sheetImage.src = sheetUrl;
    ui.sheet.hidden = false;
  }

  function closeSheet() {
    ui.sheet.hidden = true;
    ui.sheetImage.removeAttribute('src');
    if (sheetUrl) URL.revokeObjectURL(sheetUrl);
    sheetUrl = '';
  }

  // ------------------------------------------------------------ show

  /**
   * Shows the screen: loads the code, the streak and the medal once, then
   * the streak again on each later visit (a check-in may have happened).
   * @param {string} [screen] a template id from #poster/<id>
   */
  async function show(screen = '') {
    // The core's poster module (layoutPoster) is loaded the first time posters are shown.
    await core.need?.('poster');
    if (!loading) {
      root.dataset.state = 'pending';
      select(BY_ID.has(screen) ? screen : TEMPLATES[0].id);
      loading = loadAll();
      await loading;
      select(initialTemplate(pickedWhileLoading || screen));
      update();
      return;
    }
    await loading;
    // A card may have been issued (or used), or a KOC result saved, since: offered from now on.
    const channelsBefore = JSON.stringify([state.card, [...state.letters.keys()], state.letterTemplate]);
    await loadChannels().catch((err) => console.warn('poster: channel tokens', err));
    const channelsChanged = JSON.stringify([state.card, [...state.letters.keys()], state.letterTemplate]) !== channelsBefore;
    if (channelsChanged) {
      markRecommended();
      renderThumbnails();
    }
    if (BY_ID.has(screen) && screen !== state.template) select(screen);
    else if (channelsChanged) {
      ui.editorNote.textContent = editorNote(BY_ID.get(state.template));
      if (WITH_QR.has(BY_ID.get(state.template)?.kind ?? '')) update();
    }
    // The consent may have changed in 设置 meanwhile, and staff may have decided.
    await loadConsent().catch((err) => console.warn('poster: consents', err));
    await loadMyStories();
    await loadStreak().catch((err) => console.warn('poster: streak', err));
    renderCheckInFacts();
    if (state.template === 'checkInPoster') update();
  }

  return Object.freeze({ show });
}
