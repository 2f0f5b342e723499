// Calling the core from TypeScript with the declarations generated from
// docs/schema/ (build/wasm/core.d.ts). Type-checked by npm test; the lines
// marked @ts-expect-error must stay errors, so a too-loose declaration fails
// the check as surely as a wrong one.
import createCore, {
  type CareCircleCore,
  type ExportName,
  type RequestOf,
  type ReplyOf,
  type EvaluateStreakRequest,
  type LayoutPosterRequest,
} from '../../build/wasm/core.mjs';

/** One typed call: request object in, parsed envelope out. */
export function call<E extends ExportName>(core: CareCircleCore, name: E, request: RequestOf<E>): ReplyOf<E> {
  const run = core[name] as (text: string) => string;
  return JSON.parse(run.call(core, JSON.stringify(request))) as ReplyOf<E>;
}

export async function streakStatus(patientId: string, nowMs: number): Promise<string> {
  const core = await createCore();
  const request: EvaluateStreakRequest = {
    nowMs,
    patientId,
    config: { utcOffsetMinutes: 480, weekStartsOn: 'monday' },
    checkIns: [{ id: 'c-1', patientId, atMs: nowMs - 86_400_000, kind: 'normal' }],
  };
  const reply = call(core, 'evaluateStreak', request);
  if (!reply.ok) return `${reply.error.code} at ${reply.error.path}`; // branch on the code, show the message
  const days: number = reply.value.current;
  const status: 'none' | 'checked' | 'madeUp' | 'rest' | 'frozen' | 'missed' | 'today' | 'future' =
    reply.value.calendar.days[0].status;
  return `${reply.value.statusText} (${days}, ${status})`;
}

export function storyPoster(): LayoutPosterRequest {
  return { template: 'storyPoster', data: { title: '我的康复故事', story: '术后第三十天，能自己走到楼下了。' } };
}

export function mistakes(core: CareCircleCore): void {
  // @ts-expect-error nowMs is a number of milliseconds, not a date string
  call(core, 'evaluateStreak', { nowMs: '2026-11-23', patientId: 'p-1', checkIns: [] });
  // @ts-expect-error checkIns is required
  call(core, 'evaluateStreak', { nowMs: 1, patientId: 'p-1' });
  // @ts-expect-error a make-up is kind "makeUp", there is no "late" kind
  call(core, 'recordCheckIn', { nowMs: 1, patientId: 'p', checkIns: [], checkIn: { id: 'c', patientId: 'p', atMs: 1, kind: 'late' } });
  // @ts-expect-error campaigns are refused with unknown keys (a typo must not fall back to a default)
  call(core, 'validateCampaigns', { campaigns: [{ id: 'a', title: 'b', type: 'referralReward', perPersonLimt: 1 }] });
  const reply = call(core, 'mayShowInvitePrompt', { nowMs: 1 });
  // @ts-expect-error the value exists only on ok replies
  reply.value.allowed;
}

/** The staff forest of a large hospital over typed arrays: no JSON text on the way in or out. */
export function forestWidth(core: CareCircleCore, referrer: Int32Array, referee: Int32Array, invitedAtMs: Float64Array, nodeCount: number): number {
  const reply = core.layoutForestArrays(referrer, referee, invitedAtMs, nodeCount, { nodeWidth: 88, levelHeight: 120 });
  if (!reply.ok) return 0;
  const rows: Int32Array = reply.value.parentRow;
  return rows.length === reply.value.shownCount ? reply.value.maxX - reply.value.minX : 0;
}
