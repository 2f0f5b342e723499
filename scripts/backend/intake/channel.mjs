// The chat platform's side of group-message intake: how the bot's words
// reach people. One method, `send({kind, groupId, toMember, text})`, resolving
// when the platform accepted the message and throwing when it did not (the
// message stays unsent and is tried again on the next delivery round).
//
//   kind 'authorNotice'  the core's authorNotice to the author of a withheld message
//   kind 'qaReply'       the Q&A-slot reply to someone who asked the doctor
//
// WeComGroupRobot speaks WeCom's group robot (群机器人) webhook: a text
// message into the group with the addressee @-mentioned (`mentioned_list`),
// which is how a WeCom group bot warns one member. Each group has its robot's
// webhook key (configuration, never in the repository). RecordingChannel is
// the test double: it records what would have been sent and can be told to
// fail, so tests see exactly what the bot said, to whom, and only once.

/** WeCom's group-robot endpoint; the key selects the group's robot. */
export const WECOM_ROBOT_URL = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send';
/** WeCom caps a robot text message at 2048 bytes of UTF-8. */
export const WECOM_TEXT_MAX_BYTES = 2048;

export class ChannelError extends Error {
  constructor(message, { retryable = true } = {}) {
    super(message);
    this.retryable = retryable;
  }
}

/** The test double: records every message; `failNext(n)` makes the next n sends throw. */
export class RecordingChannel {
  constructor() {
    /** @type {{kind: string, groupId: string, toMember: string, text: string}[]} */
    this.sent = [];
    this.failures = 0;
  }

  failNext(n = 1) {
    this.failures = n;
  }

  async send({ kind, groupId, toMember, text }) {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new ChannelError('recording channel: told to fail');
    }
    this.sent.push({ kind, groupId, toMember, text });
  }
}

/** Cuts `text` to at most `maxBytes` of UTF-8 on a code point boundary, with "…" when cut. */
export function fitUtf8(text, maxBytes) {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let cut = maxBytes - 3;
  while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut -= 1;
  return `${bytes.subarray(0, cut).toString('utf8')}…`;
}

/**
 * WeCom group robots. `robotKeys` maps a group id to its robot's webhook key;
 * a group without one cannot be spoken in (ChannelError, not retried).
 * `fetch` is injectable (tests); the timeout bounds each call.
 */
export class WeComGroupRobot {
  /**
   * @param {{robotKeys: Record<string, string>, fetch?: typeof fetch, timeoutMs?: number}} options
   */
  constructor({ robotKeys, fetch: fetchImpl = globalThis.fetch, timeoutMs = 5_000 }) {
    this.robotKeys = new Map(Object.entries(robotKeys ?? {}));
    this.fetch = fetchImpl;
    this.timeoutMs = timeoutMs;
  }

  async send({ groupId, toMember, text }) {
    const key = this.robotKeys.get(groupId);
    if (!key) throw new ChannelError(`no robot key for group ${groupId}`, { retryable: false });
    const body = { msgtype: 'text', text: { content: fitUtf8(text, WECOM_TEXT_MAX_BYTES), mentioned_list: [toMember] } };
    const response = await this.fetch(`${WECOM_ROBOT_URL}?key=${encodeURIComponent(key)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new ChannelError(`WeCom robot: HTTP ${response.status}`);
    const reply = await response.json().catch(() => null);
    // WeCom answers 200 with {errcode, errmsg}; errcode 0 is success.
    if (!reply || reply.errcode !== 0) throw new ChannelError(`WeCom robot: errcode ${reply?.errcode ?? 'none'} ${reply?.errmsg ?? ''}`.trim());
  }
}

/**
 * The channel of a deployment from its environment: CARECIRCLE_WECOM_ROBOT_KEYS
 * is a JSON object {groupId: webhookKey}. Absent: null (no bot speaks).
 * @param {NodeJS.ProcessEnv} env
 */
export function channelFromEnv(env = process.env) {
  const raw = env.CARECIRCLE_WECOM_ROBOT_KEYS;
  if (!raw) return null;
  let keys;
  try {
    keys = JSON.parse(raw);
  } catch {
    throw new Error('CARECIRCLE_WECOM_ROBOT_KEYS must be a JSON object {groupId: key}');
  }
  if (!keys || typeof keys !== 'object' || Array.isArray(keys) || !Object.values(keys).every((k) => typeof k === 'string' && k)) {
    throw new Error('CARECIRCLE_WECOM_ROBOT_KEYS must be a JSON object {groupId: key}');
  }
  return new WeComGroupRobot({ robotKeys: keys });
}
