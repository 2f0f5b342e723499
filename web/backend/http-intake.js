// The HTTP backend's methods for the drug-advice bot's review queue, the
// groups' Q&A slots and the story-officer programme (docs/api/openapi.yaml:
// /staff/group-messages, /staff/groups, /staff/stories-month, /stories/month,
// /me/honours). Staff act online: no outbox; a refusal is the server's error.

/**
 * @param {{request: (method: string, path: string, options?: object) => Promise<any>,
 *   stripMeta: (body: any) => any}} deps  the HTTP backend's own request and reply helpers
 */
export function intakeHttpMethods({ request, stripMeta }) {
  const get = async (path) => stripMeta(await request('GET', path, { retries: 1 }));
  const send = async (method, path, body, key) => {
    if (typeof key !== 'string' || key.length < 16) throw new TypeError(`${method} ${path}: an idempotency key is required`);
    const reply = stripMeta(await request(method, path, { body, idempotencyKey: key, retries: 1 }));
    delete reply.replayed;
    return reply;
  };
  return {
    /** The open review items of the bot, oldest first, with the core's spans. */
    getGroupMessageQueue: ({ after } = {}) => get(`/staff/group-messages${after ? `?after=${encodeURIComponent(after)}` : ''}`),
    resolveGroupMessage: ({ messageId, outcome, key }) => send('POST', '/staff/group-messages/resolve', { messageId, outcome }, key),
    getIntakeGroups: () => get('/staff/groups'),
    setGroupQaSlots: ({ key, ...body }) => send('PUT', '/staff/groups/qa-slots', body, key),
    /** Demo mode only: a synthetic group message through the server's intake. */
    simulateGroupMessage: ({ groupId, text, key }) => send('POST', '/staff/group-messages/simulate', { groupId, text }, key),
    getStoriesMonth: ({ month } = {}) => get(`/staff/stories-month${month ? `?month=${encodeURIComponent(month)}` : ''}`),
    setStoriesMonthCall: ({ month, theme, invitation, key }) => send('PUT', '/staff/stories-month/call', { month, theme, invitation }, key),
    pickStoryOfMonth: ({ month, storyId, key }) => send('POST', '/staff/stories-month/pick', { month, storyId }, key),
    /** Patients: this month's call for stories and the latest story of the month. */
    getStoryMonth: () => get('/stories/month'),
    /** Patients: the honours staff gave them (故事官), for 荣誉勋章. */
    getHonours: async () => (await get('/me/honours')).honours,
  };
}
