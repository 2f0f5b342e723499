// CareCircle web shell — the card number (卡号) of an 出院感恩卡 typed on the
// join page, for a friend without a camera (凭卡号可领取).
//
// The thank-you card prints, under its foil, the referral code and the card
// number — the card's channel token, as the core displays it
// (DM6S-C7N7-5YR3-HGA9D), the same token its QR link carries as `t=`. A friend
// who types both registers on the discharge-card channel exactly as the QR
// does: the claim carries the token; the backend looks it up and the core
// decides (issued for this card channel, for this referral code, not spent).
//
// Nothing is decided here: whether what is typed reads as a card's token is
// the core's checkChannelClaim (it forgives case, hyphens, spaces, O/I/L and
// catches a mistyped symbol with the check symbol); whether the card exists,
// belongs to the code and is unused is the backend's answer. This file lays out
// the field and words the core's answers for someone who typed rather than
// scanned. All text goes in through textContent.

import { el } from './svg.js';
import { describeError } from './lib/copy.js';

/** Longest text taken from the field (17 symbols, hyphens and spaces between). */
const MAX_CARD_INPUT = 64;

/**
 * What the core's and the backend's refusals of a card mean to someone who
 * typed the number (the shared copy speaks of scanning a QR). Wording only.
 */
const TYPED_CARD_WORDS = Object.freeze({
  'referral.bad_token': '卡号有误，请对照感恩卡重新输入（共17位，横线可不输）',
  'referral.token_wrong_channel': '这不是出院感恩卡的卡号，请核对后重新输入',
  'referral.unknown_token': '没有找到这张感恩卡，请核对卡号后重新输入',
  'referral.token_other_code': '卡号和推荐码不是同一张感恩卡上的，请核对后重新输入',
  'referral.card_used': '这张感恩卡已经有朋友登记过了，每张卡只能登记一位朋友',
});

/**
 * A refusal of a typed card, in words for that case (else the shared copy).
 * @param {{code?: string, message?: string}} error
 */
export function describeCardError(error) {
  return TYPED_CARD_WORDS[error?.code ?? ''] ?? describeError(error, '卡号没有通过核对，请稍后再试');
}

/** Whether a backend refusal is about the typed card (shown at the card field). */
export function isCardError(error) {
  return Object.hasOwn(TYPED_CARD_WORDS, error?.code ?? '');
}

/**
 * A typed code's field on the join page (the referral code, the card
 * number): its label, the input (no autocorrect, capitals, described by its
 * status and help), the status line the core's check writes to, the help.
 * @param {{id: string, statusId: string, helpId: string, className: string, label: string,
 *   maxLength: number, placeholder: string, help: string}} field
 */
export function codeField({ id, statusId, helpId, className, label: labelText, maxLength, placeholder, help: helpText }) {
  const label = el('label', 'join-field__label', labelText);
  label.htmlFor = id;
  const input = /** @type {HTMLInputElement} */ (el('input', className));
  input.id = id;
  input.type = 'text';
  input.autocomplete = 'off';
  input.spellcheck = false;
  input.maxLength = maxLength;
  input.placeholder = placeholder;
  input.setAttribute('autocapitalize', 'characters');
  input.setAttribute('aria-describedby', `${statusId} ${helpId}`);
  const status = el('p', 'join-status');
  status.id = statusId;
  status.setAttribute('aria-live', 'polite');
  const help = el('p', 'join-help', helpText);
  help.id = helpId;
  return { label, input, status, help };
}

/** Writes a code field's status line ('' / 'ok' / 'error' / …) and marks the input invalid on 'error'. */
export function writeStatus({ status, input }, kind, text) {
  status.textContent = text;
  status.className = `join-status${kind ? ` join-status--${kind}` : ''}`;
  status.dataset.state = kind;
  input.setAttribute('aria-invalid', String(kind === 'error'));
}

/**
 * The card field of the join form: hidden behind 「我有出院感恩卡」 until the
 * friend opens it, so that a friend with a plain code sees nothing more.
 * @param {{ getCore: () => (import('./core.js').Core | null), onEdit?: () => void }} deps
 *   onEdit: the friend changed the number (the form hides its last refusal)
 */
export function createCardField({ getCore, onEdit = () => {} }) {
  const root = el('div', 'join-card');
  root.id = 'join-card';
  const toggle = /** @type {HTMLButtonElement} */ (el('button', 'btn btn--secondary join-card__toggle', '我有出院感恩卡，填写卡号'));
  toggle.id = 'join-card-toggle';
  toggle.type = 'button';
  toggle.setAttribute('aria-expanded', 'false');
  toggle.setAttribute('aria-controls', 'join-card-body');
  const body = el('div', 'join-card__body');
  body.id = 'join-card-body';
  body.hidden = true;
  const { label, input, status, help } = codeField({
    id: 'join-card-number',
    statusId: 'join-card-status',
    helpId: 'join-card-help',
    className: 'join-code join-card__input',
    label: '感恩卡卡号',
    maxLength: MAX_CARD_INPUT,
    placeholder: '例如 DM6S-C7N7-5YR3-HGA9D',
    help: '刮开感恩卡的涂层，推荐码下方的「卡号」共17位，不区分大小写，横线可不输。推荐码也请照卡填写。',
  });
  body.append(label, input, status, help);
  root.append(toggle, body);

  let errorShown = false;

  function setStatus(kind, text) {
    writeStatus({ status, input }, kind, text);
    errorShown = kind === 'error';
    root.dataset.state = kind;
  }

  function open(on) {
    body.hidden = !on;
    toggle.setAttribute('aria-expanded', String(on));
    toggle.textContent = on ? '不用感恩卡，只填推荐码' : '我有出院感恩卡，填写卡号';
    root.dataset.open = String(on);
    if (!on) {
      input.value = '';
      setStatus('', '');
    }
  }
  toggle.addEventListener('click', () => {
    const on = body.hidden;
    open(on);
    if (on) {
      prepare();
      input.focus();
    }
  });

  /**
   * The core's checkChannelClaim lives in its poster module, loaded on
   * demand where the core is split (core.need): loaded when the friend opens
   * the field, so a friend without a card never downloads it. Without it the
   * number goes to the backend as typed, whose core checks it all the same.
   */
  let preparing = null;
  function prepare() {
    const core = getCore();
    if (!core) return Promise.resolve(false);
    preparing ??= Promise.resolve(typeof core.need === 'function' ? core.need('poster') : undefined).then(
      () => true,
      (err) => {
        console.warn('card number check not loaded', err);
        return false;
      },
    );
    return preparing;
  }

  /** The code the card number is checked with; set by the join form as the core reads the code field. */
  let code = null;

  /**
   * Asks the core about the typed number (with the code, as a claim).
   * @param {boolean} final  the friend finished typing (change / submit): errors are shown
   * @param {boolean} [again]  a second look once the check could be loaded
   * @returns {{channel: string, token: string} | 'invalid' | null} null: no card number typed
   */
  function check(final, again = false) {
    const value = input.value.trim().slice(0, MAX_CARD_INPUT);
    if (body.hidden || value === '') {
      if (!body.hidden && final) setStatus('', '');
      return null;
    }
    const core = getCore();
    if (!core) {
      setStatus('', '正在准备核对卡号…');
      return 'invalid';
    }
    if (!code) {
      if (final || errorShown) setStatus('error', '请先填写感恩卡上的推荐码');
      return 'invalid';
    }
    let envelope;
    try {
      envelope = core.call('checkChannelClaim', { code: code.code, channel: 'dischargeCard', token: value });
    } catch {
      // Not loaded (yet): looked at again once it is; else the backend's core checks the number on confirming.
      if (!again) prepare().then((ok) => ok && check(final || errorShown, true));
      if (final) setStatus('', '');
      return { channel: 'dischargeCard', token: value };
    }
    if (envelope.ok) {
      setStatus('ok', '卡号格式正确，确认登记时由医院核对');
      return { channel: envelope.value.channel, token: envelope.value.token };
    }
    if (final || errorShown) setStatus('error', describeCardError(envelope.error));
    else setStatus('', '');
    return 'invalid';
  }

  input.addEventListener('input', () => {
    onEdit();
    check(false);
  });
  input.addEventListener('change', () => check(true));

  return Object.freeze({
    root,
    input,
    check,
    /** Resolves once the number can be checked here (or it is known that it cannot). */
    ready() {
      return body.hidden ? Promise.resolve(false) : prepare();
    },
    /** The code field's current reading by the core ({code, display}) or null. */
    setCode(next) {
      code = next ?? null;
      if (!body.hidden && input.value.trim() !== '') check(false);
    },
    /** The backend refused the card: said at the card field. */
    refuse(error) {
      setStatus('error', describeCardError(error));
      input.focus();
    },
    /** A fresh form: closed and empty; `visible` false hides the whole field (the link already names the channel). */
    reset(visible) {
      root.hidden = !visible;
      code = null;
      open(false);
    },
  });
}
