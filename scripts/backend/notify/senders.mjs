// Notification senders: how a message of the outbox (notification_outbox)
// leaves the server. The delivery job (jobs/deliver-notifications.mjs) hands
// each due message to ONE configured sender and records the outcome; a
// sender that throws leaves the message pending for a later attempt.
//
// The sender interface:
//   {channel: string,                      // stored with each message ('wechat', 'sms', …)
//    send(message) → Promise<{id?: string}>} // resolves once the provider accepted it; throws otherwise
// where message = {id, patientId, text, kind, atMs}. The text is the inbox
// entry's words as the core wrote them: masked names only, consent applied.
//
// Adapters for the two channels a hospital uses are here as interfaces over
// an injected transport (this reference server opens no connection to any
// provider by itself): the hospital supplies `transport` (its HTTPS client,
// with its credentials) and `recipientOf` (the patient's WeChat openid or
// phone number, from its own records — never stored by this server).

/** Largest message text an adapter sends (WeChat's "thing" field allows 20 characters; SMS templates vary). */
const MAX_TEXT_CHARS = 200;

function checkMessage(message) {
  if (!message || typeof message.text !== 'string' || message.text.length === 0 || message.text.length > MAX_TEXT_CHARS) {
    throw new TypeError('notification: text of 1–200 characters required');
  }
  if (typeof message.patientId !== 'string' || message.patientId === '') throw new TypeError('notification: patientId required');
}

/**
 * Keeps every message it is given (tests, the demo mode): nothing leaves the machine.
 * `failNext(n)` makes the next n sends throw, as an unavailable provider would.
 */
export class RecordingSender {
  constructor({ channel = 'recording' } = {}) {
    this.channel = channel;
    /** @type {{id: string, patientId: string, text: string, kind: string, atMs: number}[]} */
    this.sent = [];
    this.attempts = 0;
    this.failures = 0;
  }

  failNext(count = 1) {
    this.failures = count;
  }

  async send(message) {
    checkMessage(message);
    this.attempts += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('recording sender: provider unavailable (simulated)');
    }
    this.sent.push({ ...message });
    return { id: `rec-${this.sent.length}` };
  }
}

/**
 * WeChat subscribe message (订阅消息) through the hospital's official account
 * or mini-program: the body of `subscribeMessage.send` for one template whose
 * first field carries the text. The patient must have subscribed in WeChat;
 * a refusal from WeChat (errcode ≠ 0) throws, so the message is retried.
 */
export class WeChatSubscribeSender {
  /**
   * @param {{templateId: string, page?: string, field?: string,
   *   recipientOf: (patientId: string) => Promise<string | null>,
   *   transport: (body: object) => Promise<{errcode?: number, errmsg?: string, msgid?: string | number}>}} options
   */
  constructor({ templateId, page = 'pages/index/index', field = 'thing1', recipientOf, transport }) {
    if (typeof templateId !== 'string' || templateId === '') throw new TypeError('WeChatSubscribeSender: templateId required');
    if (typeof recipientOf !== 'function' || typeof transport !== 'function') {
      throw new TypeError('WeChatSubscribeSender: recipientOf and transport are required');
    }
    this.channel = 'wechat';
    Object.assign(this, { templateId, page, field, recipientOf, transport });
  }

  async send(message) {
    checkMessage(message);
    const openid = await this.recipientOf(message.patientId);
    if (!openid) throw new Error('wechat: the patient has no WeChat account on record');
    const reply = await this.transport({
      touser: openid,
      template_id: this.templateId,
      page: this.page,
      data: { [this.field]: { value: message.text.slice(0, 20) } },
    });
    if (reply?.errcode) throw new Error(`wechat: errcode ${reply.errcode}`);
    return { id: reply?.msgid === undefined ? undefined : String(reply.msgid) };
  }
}

/**
 * SMS through the hospital's SMS provider: one approved template with the
 * text as its parameter. A provider refusal throws (retried).
 */
export class SmsSender {
  /**
   * @param {{templateCode: string, signName: string,
   *   recipientOf: (patientId: string) => Promise<string | null>,
   *   transport: (request: {phone: string, signName: string, templateCode: string, params: object}) => Promise<{ok: boolean, id?: string, code?: string}>}} options
   */
  constructor({ templateCode, signName, recipientOf, transport }) {
    if (typeof templateCode !== 'string' || templateCode === '' || typeof signName !== 'string' || signName === '') {
      throw new TypeError('SmsSender: templateCode and signName required');
    }
    if (typeof recipientOf !== 'function' || typeof transport !== 'function') throw new TypeError('SmsSender: recipientOf and transport are required');
    this.channel = 'sms';
    Object.assign(this, { templateCode, signName, recipientOf, transport });
  }

  async send(message) {
    checkMessage(message);
    const phone = await this.recipientOf(message.patientId);
    if (!phone) throw new Error('sms: the patient has no phone number on record');
    const reply = await this.transport({ phone, signName: this.signName, templateCode: this.templateCode, params: { text: message.text } });
    if (!reply?.ok) throw new Error(`sms: refused (${reply?.code ?? 'no reply'})`);
    return { id: reply.id };
  }
}

/** Throws unless `sender` has the interface above. */
export function assertSender(sender) {
  if (!sender || typeof sender.send !== 'function' || typeof sender.channel !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(sender.channel)) {
    throw new TypeError('a notification sender needs {channel, send(message)}');
  }
  return sender;
}
