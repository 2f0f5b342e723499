// The hospital-desk part of the operations console, as one hook for
// routes.mjs and server.mjs: hospital events (by hand, CSV import, the signed
// HIS webhook), the recovery list, doctor-approved rest days and the
// counter's day list. Each module holds its routes and its tables.

import { CONSOLE_EVENTS_SCHEMA, EVENTS_ROUTES, registerEventsRoutes } from './events.mjs';
import { RECOVERY_ROUTES, RECOVERY_SCHEMA, registerRecoveryRoutes } from './recovery.mjs';
import { REDEMPTIONS_ROUTES, registerRedemptionsRoutes } from './redemptions.mjs';
import { RESTDAYS_ROUTES, RESTDAYS_SCHEMA, registerRestDaysRoutes } from './restdays.mjs';
import { WEBHOOK_ROUTES, WEBHOOK_SCHEMA, registerWebhookRoutes } from './webhook.mjs';

export const HOSPITAL_DESK_ROUTES = Object.freeze([...EVENTS_ROUTES, ...WEBHOOK_ROUTES, ...RECOVERY_ROUTES, ...RESTDAYS_ROUTES, ...REDEMPTIONS_ROUTES]);

/** Creates the tables (idempotent; after schema.sql, whose tables they reference). */
export async function applyHospitalDeskSchema(pool) {
  await pool.query(CONSOLE_EVENTS_SCHEMA + WEBHOOK_SCHEMA + RECOVERY_SCHEMA + RESTDAYS_SCHEMA);
}

/** @param {import('fastify').FastifyInstance} api  the /api/v1 scope */
export function registerHospitalDeskRoutes(api, deps) {
  registerEventsRoutes(api, deps);
  registerWebhookRoutes(api, deps);
  registerRecoveryRoutes(api, deps);
  registerRestDaysRoutes(api, deps);
  registerRedemptionsRoutes(api, deps);
}

export { HOSPITAL_DESK_POLICY } from './desk-policy.mjs';
