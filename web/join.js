// CareCircle web shell — the friend's side of a referral (好友邀请 / 填写推荐码),
// and the patient's own code on the 推荐 tab (我的推荐码).
//
// Routes (the app's hash routing; the code is opaque and carries no personal
// data, docs/product-rules.md "Referral codes"):
//   #join/<code>  a friend opened the join link / scanned the QR: the code is prefilled;
//   #join/<code>~<token>  the same from a letter's or a discharge card's QR: the
//                 claim names that channel and carries the token, which the
//                 backend checks with the core (a forged one is refused);
//   #join         a signed-in patient types a friend's code (from the 推荐 tab).
//
// Thin by design (docs/product-rules.md):
//   - whether a code is well formed, and the Chinese message for a typo, is
//     the core's checkReferralCode — no code rule lives here;
//   - who invites (a masked display name) is the backend's lookupReferralCode;
//     without it the screen shows just the code;
//   - registering goes through the backend's claimReferral (an outbox
//     mutation with an idempotency key chosen once per claim); its refusals
//     (duplicate referee, self-referral, unknown code) are shown verbatim;
//   - the consent 与推荐人分享我的就诊进度 (G7) is explicit, unticked by default,
//     and refusing it never blocks registering (G9).
// Nothing goes to localStorage; the URL carries the opaque code only (G19).
// All text goes in through textContent.

import { JOIN_BACKEND_METHODS, supports } from './backend/backend.js';
import { el } from './svg.js';
import { describeError } from './lib/copy.js';
import { codeFromJoinUrl, deploymentOf, joinRouteParts, renderHospital } from './links.js';
import { codeField, createCardField, describeCardError, isCardError, writeStatus } from './join-card.js';

/** Longest text read from a link or the field (a code is 13 symbols; a pasted link is longer). */
const MAX_INPUT = 256;

/**
 * The channel a token's kind symbol names (its first symbol; the core's
 * channel names). Only a label for the claim: the backend's core reads the
 * token again and refuses a claim whose channel it does not prove.
 */
const TOKEN_CHANNELS = Object.freeze({ D: 'dischargeCard', H: 'letterHonour', B: 'letterBenefit', P: 'letter' });
/** What the join screen says the friend came with. */
const CHANNEL_WORDS = Object.freeze({ dischargeCard: '出院感恩卡', letterHonour: '健康大使推荐函', letterBenefit: '成长基金推荐函', letter: '黑金推荐函' });

/** The channel of a letter's or card's token, 'link' for anything else (refused by the backend if a token came with it). */
export function channelOfToken(token) {
  return TOKEN_CHANNELS[String(token ?? '').trim().charAt(0).toUpperCase()] ?? 'link';
}

function newKey() {
  if (typeof crypto.randomUUID === 'function') return `join-${crypto.randomUUID()}`;
  return `join-${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * What to give the core from a typed or pasted value: the code itself, or
 * the `?c=` of a pasted join link, the part after `#join/`, or after the last "/".
 * Extraction only; the core decides whether it is a code.
 * @param {string} value
 */
export function codeFromInput(value) {
  const text = String(value ?? '').trim().slice(0, MAX_INPUT);
  const fromQuery = codeFromJoinUrl(text);
  if (fromQuery !== null) return fromQuery;
  const hash = text.indexOf('#join/');
  if (hash >= 0) return text.slice(hash + '#join/'.length);
  if (/^https?:\/\//i.test(text)) return text.slice(text.lastIndexOf('/') + 1);
  return text;
}

/**
 * The join link of a code for this app: same page, the backend choice kept
 * (`?backend=http` in the demo), nothing else in the query; the code in the hash.
 * @param {string} code
 */
export function joinLink(code) {
  const params = new URLSearchParams(location.search);
  const backend = params.get('backend');
  const search = backend ? `?backend=${encodeURIComponent(backend)}` : '';
  return `${location.origin}${location.pathname}${search}#join/${code}`;
}

/**
 * @param {{
 *   core: import('./core.js').Core | Promise<import('./core.js').Core>,
 *   backend: import('./backend/backend.js').Backend,
 *   profile: import('./backend/backend.js').Profile,
 *   offlineDemo: boolean,
 *   showToast: (text: string, kind?: 'success' | 'info' | 'error') => void,
 * }} deps
 */
export function createJoin({ core: coreOrLoading, backend, profile, offlineDemo, showToast }) {
  // The screen draws while the core is still loading (a friend on a slow
  // network sees the invitation at once): every check of a code waits for it.
  let core = typeof coreOrLoading?.then === 'function' ? null : coreOrLoading;
  const coreReady = Promise.resolve(coreOrLoading).then((loaded) => (core = loaded));
  coreReady.catch(() => {});  // the app shows its error screen
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const root = $('view-join');
  const available = JOIN_BACKEND_METHODS.every((name) => supports(backend, name));
  const ui = build();

  /** The current claim: the same content keeps its idempotency key across retries. */
  let attempt = null;
  let checked = null;
  let invite = null;
  /** The backend's answer about the last code looked up: {code, message?, note?} (message: it cannot be used; note: a warning). */
  let verdict = null;
  let lookupSeq = 0;
  let busy = false;
  let errorShown = false;
  /** The code from the link (#join/<code>) as the core normalised it; '' for the manual entry. */
  let link = '';
  /** The letter's or card's token the link carried ('' for a plain link or the manual entry). */
  let linkToken = '';

  // ------------------------------------------------------------ build (once)

  function build() {
    const back = el('a', 'join-back', '返回推荐');
    back.href = '#referral';
    back.prepend(el('span', 'join-back__icon'));
    back.firstElementChild.setAttribute('aria-hidden', 'true');

    const hero = el('section', 'card join-hero');
    hero.setAttribute('aria-labelledby', 'join-title');
    const icon = el('span', 'join-hero__icon');
    icon.setAttribute('aria-hidden', 'true');
    const eyebrow = el('p', 'join-hero__eyebrow', '好友邀请');
    const title = el('h2', 'join-hero__title');
    title.id = 'join-title';
    const sub = el('p', 'join-hero__sub');
    sub.id = 'join-sub';
    const inviter = el('div', 'join-inviter');
    inviter.id = 'join-inviter';
    inviter.hidden = true;
    const avatar = el('span', 'join-inviter__avatar');
    avatar.setAttribute('aria-hidden', 'true');
    const who = el('span', 'join-inviter__who');
    const inviterName = el('span', 'join-inviter__name');
    inviterName.id = 'join-inviter-name';
    who.append(el('span', 'join-inviter__label', '邀请人'), inviterName);
    const codeChip = el('span', 'join-inviter__code');
    codeChip.id = 'join-inviter-code';
    inviter.append(avatar, who, codeChip);
    // The hospital (name and logo) from the deployment's configuration.
    const hospital = el('p', 'hospital-mark join-hero__hospital');
    hospital.id = 'join-hospital';
    hospital.hidden = true;
    hero.append(hospital, icon, eyebrow, title, sub, inviter);
    deploymentOf(backend).then((d) => renderHospital(hospital, d));

    const form = el('form', 'card join-form');
    form.id = 'join-form';
    form.noValidate = true;
    const { label, input, status, help } = codeField({
      id: 'join-code',
      statusId: 'join-code-status',
      helpId: 'join-code-help',
      className: 'join-code',
      label: '推荐码',
      maxLength: MAX_INPUT,
      placeholder: '例如 7YD0-RMEJ-X1XM6',
      help: '13位数字和字母，不区分大小写，横线可不输',
    });

    const consentBox = el('label', 'join-consent');
    consentBox.htmlFor = 'join-consent';
    const consent = /** @type {HTMLInputElement} */ (el('input'));
    consent.id = 'join-consent';
    consent.type = 'checkbox';
    consent.setAttribute('aria-describedby', 'join-consent-text');
    const consentText = el('span', 'join-consent__text');
    const consentDesc = el(
      'span',
      'join-consent__desc',
      '勾选后，推荐人可以看到您是否已建档、已到院（不含病情和科室）；不勾选，TA只看到“已接受邀请”。不勾选也能正常登记和就诊，可随时在「我的 · 设置」中撤回。',
    );
    consentDesc.id = 'join-consent-text';
    consentText.append(el('span', 'join-consent__title', '与推荐人分享我的就诊进度'), consentDesc);
    consentBox.append(consent, consentText);

    const error = el('p', 'form-error join-error');
    error.id = 'join-error';
    error.setAttribute('role', 'alert');
    error.hidden = true;
    const submit = /** @type {HTMLButtonElement} */ (el('button', 'btn btn--primary btn--block join-submit', '确认登记'));
    submit.id = 'join-submit';
    submit.type = 'submit';
    const unavailable = el('p', 'wallet-note wallet-note--error', '当前服务暂不支持凭推荐码登记');
    unavailable.id = 'join-unavailable';
    unavailable.hidden = available;
    // 出院感恩卡: its card number typed with the code (./join-card.js).
    const card = createCardField({
      getCore: () => core,
      onEdit: () => {
        ui.error.hidden = true;
      },
    });
    form.append(label, input, status, help, card.root, consentBox, error, submit, unavailable);

    const done = el('section', 'card join-done');
    done.id = 'join-done';
    done.hidden = true;
    done.setAttribute('aria-labelledby', 'join-done-title');
    const doneIcon = el('span', 'join-done__icon');
    doneIcon.setAttribute('aria-hidden', 'true');
    const doneTitle = el('h2', 'join-done__title');
    doneTitle.id = 'join-done-title';
    doneTitle.tabIndex = -1;
    const doneText = el('p', 'join-done__text');
    doneText.id = 'join-done-text';
    const doneFacts = el('dl', 'join-done__facts');
    const fact = (term, id) => {
      const row = el('div');
      const dd = el('dd');
      dd.id = id;
      row.append(el('dt', '', term), dd);
      doneFacts.append(row);
      return dd;
    };
    const doneCode = fact('推荐码', 'join-done-code');
    const doneConsent = fact('就诊进度', 'join-done-consent');
    const doneNext = el('a', 'btn btn--primary btn--block join-done__next');
    doneNext.id = 'join-done-next';
    done.append(doneIcon, doneTitle, doneText, doneFacts, doneNext);

    const demo = el('p', 'join-demo');
    demo.id = 'join-demo';
    demo.hidden = !offlineDemo;
    demo.append(
      el('span', 'badge badge--demo', '演示'),
      el('span', 'join-demo__text',
        '离线演示没有服务器：这里模拟好友的手机。确认后，本机会新建一位虚构的演示好友，用这个推荐码登记，并视为医院已确认建档；推荐人的推荐树和动态随即更新。'),
    );

    const footer = el('footer', 'footer');
    footer.append(
      el('p', '', '推荐码不含任何个人信息。推荐人看不到您的病情和科室。'),
      el('p', '', '奖励均为本院健康服务，以医院确认的就诊为准，不可兑换现金。'),
    );

    root.replaceChildren(back, hero, form, done, demo, footer);

    input.addEventListener('input', () => onInput(false));
    input.addEventListener('change', () => onInput(true));
    consent.addEventListener('change', () => {
      root.dataset.consent = String(consent.checked);
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      confirm();
    });
    return { back, title, sub, inviter, inviterName, codeChip, avatar, form, input, status, consent, error, submit, done,
      doneTitle, doneText, doneCode, doneConsent, doneNext, card };
  }

  // ------------------------------------------------------------ code check

  function setStatus(kind, text) {
    writeStatus(ui, kind, text);
    errorShown = kind === 'error';
  }

  /**
   * Asks the core about what is in the field. Errors are shown once the
   * patient has finished typing (`final`: change / submit) or when one is
   * already shown; a good code is acknowledged at once.
   * @param {boolean} final
   */
  function onInput(final) {
    ui.error.hidden = true;
    const value = codeFromInput(ui.input.value);
    if (value === '' && !final) {
      checked = null;
      setStatus('', '');
      showInvite(null);
      return null;
    }
    if (!core) {
      setStatus('', '正在准备核对推荐码…');
      coreReady.then(() => onInput(final), () => {});
      return null;
    }
    const envelope = core.call('checkReferralCode', { code: value });
    if (envelope.ok) {
      checked = envelope.value;
      ui.card.setCode(checked);
      if (verdict?.code === checked.code) {
        // Already asked the backend about this code: its answer stands.
        if (!verdict.pending) showInvite(verdict.found ?? null);
        if (verdict.message || verdict.note) setStatus('error', verdict.message || verdict.note);
        else setStatus('ok', `推荐码格式正确：${checked.display}`);
        return verdict.message ? null : checked;
      }
      setStatus('ok', `推荐码格式正确：${checked.display}`);
      lookup(checked.code);
      return checked;
    }
    checked = null;
    ui.card.setCode(null);
    showInvite(null);
    if (final || errorShown) setStatus('error', describeError(envelope.error));
    else setStatus('', '');
    return null;
  }

  /** The signed-in patient's own code (the profile's, else the backend's), or null when unknown. */
  let ownCodeAsked = null;
  function ownCode() {
    ownCodeAsked ??= (async () => {
      if (profile.referralCode) return profile.referralCode;
      if (!supports(backend, 'getReferralCode')) return null;
      return (await backend.getReferralCode(core)).code ?? null;
    })().catch(() => null);
    return ownCodeAsked;
  }

  /** Who invites, from the backend (masked display name), for a well-formed code. */
  async function lookup(code) {
    const seq = ++lookupSeq;
    verdict = { code, message: null, pending: true };
    if (!supports(backend, 'lookupReferralCode')) {
      verdict = { code, found: { code, display: checked.display }, message: null };
      showInvite(verdict.found);
      root.dataset.lookup = 'done';
      return;
    }
    try {
      const found = await backend.lookupReferralCode(code, core);
      if (seq !== lookupSeq) return;
      showInvite(found);
      // One's own code is refused at once (the backend refuses it too). Typed on the
      // 填写推荐码 screen, the code is compared with the patient's own as well: the
      // offline demo's "server" cannot tell the patient from the simulated friend.
      const own = link ? null : await ownCode();
      if (seq !== lookupSeq) return;
      const isOwn = found.ownCode || (own !== null && own === code);
      verdict = { code, found, message: isOwn ? '这是您自己的推荐码，不能填写。请填写推荐您的朋友的推荐码' : null };
      if (verdict.message) setStatus('error', verdict.message);
    } catch (err) {
      if (seq !== lookupSeq) return;
      const answer = /** @type {{code?: string, message?: string}} */ (err);
      if (answer.code === 'referral.unknown_code' || answer.code === 'poster.bad_code') {
        verdict = { code, message: describeError(answer, '没有找到这个推荐码，请核对后再输入') };
        showInvite(null);
        setStatus('error', verdict.message);
      } else {
        verdict = null;
        // Offline or the server is busy: the code alone is enough to go on.
        showInvite({ code, display: checked?.display ?? code });
      }
    } finally {
      if (seq === lookupSeq) root.dataset.lookup = 'done';
    }
  }

  /** @param {{code: string, display: string, referrerName?: string} | null} found */
  function showInvite(found) {
    invite = found;
    const name = found?.referrerName;
    ui.title.textContent = name ? `${name} 邀请您加入康复圈` : link ? '您收到一份好友邀请' : '填写好友的推荐码';
    ui.inviter.hidden = !found;
    if (found) {
      // The first character of the masked name's last word (演示用户 王* → 王): presentation only.
      ui.avatar.textContent = name ? [...(name.trim().split(/\s+/).pop() ?? '')][0] ?? '友' : '友';
      ui.inviterName.textContent = name ?? '推荐码已填好';
      ui.codeChip.textContent = found.display;
    }
  }

  // ------------------------------------------------------------ confirm

  function setBusy(on) {
    busy = on;
    ui.submit.disabled = on || !available;
    ui.submit.setAttribute('aria-busy', String(on));
    ui.submit.textContent = on ? '正在登记…' : '确认登记';
    root.dataset.state = on ? 'submitting' : root.dataset.state === 'submitting' ? 'form' : root.dataset.state;
  }

  async function confirm() {
    if (busy || !available) return;
    if (!core) {
      // Pressed before the core is here: the code is checked by the core first.
      setBusy(true);
      await coreReady.catch(() => null);
      setBusy(false);
      if (!core) return;
    }
    const code = onInput(true);
    if (!code) {
      ui.input.focus();
      return;
    }
    const shareProgress = ui.consent.checked;
    // A discharge card's number typed with the code (凭卡号可领取): the claim names the card, as its QR does.
    await ui.card.ready();
    const card = ui.card.check(true);
    if (card === 'invalid') {
      ui.card.input.focus();
      return;
    }
    const cardToken = card ? card.token : '';
    if (!attempt || attempt.code !== code.code || attempt.shareProgress !== shareProgress || attempt.cardToken !== cardToken) {
      attempt = { code: code.code, shareProgress, cardToken, key: newKey() };
    }
    ui.error.hidden = true;
    setBusy(true);
    try {
      // How the friend came: the letter or card whose token the link carried, the link, or a typed code.
      const fromLink = Boolean(link) && link === attempt.code;
      const claimed = attempt.cardToken
        ? { channel: 'dischargeCard', token: attempt.cardToken }
        : fromLink && linkToken
          ? { channel: channelOfToken(linkToken), token: linkToken }
          : { channel: fromLink ? 'link' : 'code' };
      root.dataset.channel = claimed.channel;
      const result = await backend.claimReferral({ code: attempt.code, ...claimed, shareProgress, key: attempt.key }, core);
      showDone(result, code, shareProgress);
    } catch (err) {
      const answer = /** @type {{code?: string, message?: string}} */ (err);
      const known = typeof answer?.code === 'string' && /^(referral|poster|idempotency)\./.test(answer.code);
      const typedCard = Boolean(attempt?.cardToken) && isCardError(answer);
      if (typedCard) ui.card.refuse(answer);
      ui.error.textContent = typedCard
        ? describeCardError(answer)
        : known ? describeError(answer, '登记没有完成，请稍后再试') : describeError(err, '登记没有完成，请检查网络后再试');
      ui.error.dataset.code = answer?.code ?? '';
      ui.error.hidden = false;
      if (!known) console.warn('claimReferral failed', err);
      // A decision (not a network failure) is final for this content: a new try gets a new key.
      if (known) attempt = null;
    } finally {
      setBusy(false);
    }
  }

  /**
   * @param {import('./backend/backend.js').ReferralClaimResult} result
   * @param {{code: string, display: string}} code
   * @param {boolean} shareProgress
   */
  function showDone(result, code, shareProgress) {
    const queued = result.status === 'queued';
    ui.form.hidden = true;
    ui.done.hidden = false;
    ui.done.classList.toggle('join-done--queued', queued);
    ui.doneTitle.textContent = queued ? '已保存在本机' : '登记成功';
    const name = invite?.referrerName;
    ui.doneText.textContent = queued
      ? '网络恢复后会自动提交，提交结果会在这里和消息里告诉您。'
      : `您已凭${name ? `${name} 的` : '好友的'}推荐码登记。医院确认您就诊后，相关服务券会出现在券包里。`;
    ui.doneCode.textContent = code.display;
    ui.doneConsent.textContent = shareProgress ? '已同意与推荐人分享' : '未分享（推荐人只看到“已接受邀请”）';
    ui.doneNext.textContent = link ? '进入康复圈' : '返回推荐';
    ui.doneNext.href = link ? '#checkin' : '#referral';
    root.dataset.state = queued ? 'queued' : 'done';
    if (result.referralId) root.dataset.referralId = result.referralId;
    document.body.dataset.join = root.dataset.state;
    ui.doneTitle.focus();
    showToast(queued ? '已保存，联网后自动提交' : '登记成功', queued ? 'info' : 'success');
  }

  // ------------------------------------------------------------ show

  /**
   * Shows the screen for `screen` (the hash after #join/): a fresh form each
   * time, the code from the link prefilled.
   * @param {string} screen
   */
  function show(screen) {
    let fromLink = '';
    try {
      fromLink = decodeURIComponent(screen ?? '').slice(0, MAX_INPUT);
    } catch {
      fromLink = '';
    }
    const parts = joinRouteParts(fromLink);
    fromLink = parts.code;
    linkToken = parts.token;
    const came = linkToken ? CHANNEL_WORDS[channelOfToken(linkToken)] : undefined;
    root.dataset.channel = linkToken ? channelOfToken(linkToken) : fromLink ? 'link' : 'code';
    attempt = null;
    checked = null;
    verdict = null;
    lookupSeq += 1;
    delete root.dataset.lookup;
    delete root.dataset.referralId;
    ui.form.hidden = false;
    ui.done.hidden = true;
    ui.error.hidden = true;
    ui.consent.checked = false;
    ui.card.reset(!linkToken);
    root.dataset.consent = 'false';
    root.dataset.mode = fromLink ? 'link' : 'code';
    root.dataset.state = 'form';
    ui.back.hidden = Boolean(fromLink);
    const community = profile.community?.name;
    ui.sub.textContent = fromLink
      ? `凭${came ?? '推荐码'}登记，加入${community ? `「${community}」` : '康复圈'}，和病友一起坚持康复。`
      : '朋友推荐您来的？填写TA的推荐码，即可成为TA推荐的朋友。';
    ui.input.value = fromLink;
    const code = fromLink ? codeFromInput(fromLink) : '';
    link = '';
    setStatus('', '');
    showInvite(null);
    const checkLinkCode = () => {
      const envelope = core.call('checkReferralCode', { code });
      if (envelope.ok) link = envelope.value.code;
      ui.input.value = envelope.ok ? envelope.value.display : code;
      onInput(true);
    };
    if (code && core) checkLinkCode();
    else if (code) {
      // The core is still loading: the code stands as the link gave it, checked when the core is here.
      ui.input.value = code;
      setStatus('', '正在准备核对推荐码…');
      const shown = lookupSeq;
      coreReady.then(() => {
        if (shown !== lookupSeq || codeFromInput(ui.input.value) !== code) return;
        checkLinkCode();
        showInvite(invite);
      }, () => {});
    }
    showInvite(invite);
    if (code && !core) ui.title.textContent = '您收到一份好友邀请';
    setBusy(false);
    document.body.dataset.join = 'ready';
  }

  // ------------------------------------------------------------ 我的推荐码 (推荐 tab)

  let myCode = null;

  /** Fills the 我的推荐码 card of the 推荐 tab: the code (checked by the core) and its join link. */
  async function showMyCode() {
    const card = $('my-code-card');
    try {
      await coreReady;
      if (!myCode) {
        let code = profile.referralCode;
        let linkBase;
        if (supports(backend, 'getReferralCode')) {
          const own = await backend.getReferralCode(core);
          code = code || own.code;
          linkBase = own.linkBase;
        }
        if (!code) throw new Error('暂时还没有您的推荐码');
        const envelope = core.call('checkReferralCode', linkBase ? { code, linkBase } : { code });
        if (!envelope.ok) throw new Error(describeError(envelope.error));
        myCode = { ...envelope.value, linkBase };
      }
      $('my-code').textContent = myCode.display;
      card.dataset.code = myCode.code;
      // The deployment's join link (the QR's payload) where it has one, else this app's route.
      const href = myCode.linkBase ? myCode.qrPayload : joinLink(myCode.code);
      const anchor = /** @type {HTMLAnchorElement} */ ($('my-code-link'));
      anchor.textContent = href;
      anchor.href = href;
      card.hidden = false;
    } catch (err) {
      card.hidden = true;
      console.warn('referral code unavailable', err);
    }
  }

  $('my-code-copy').addEventListener('click', async () => {
    if (!myCode) return;
    try {
      await navigator.clipboard.writeText(myCode.linkBase ? myCode.qrPayload : joinLink(myCode.code));
      showToast('邀请链接已复制，可发给朋友', 'info');
    } catch {
      showToast('无法自动复制，请长按链接复制', 'error');
    }
  });

  return Object.freeze({ show, showMyCode });
}
