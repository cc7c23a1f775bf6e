/** From a planned notification to the self-contained payload the mail activity writes. */
import { dateOf, formatInstant } from './dates';
import type { MeasureState, NotificationPayload, PlannedNotification, Recipient } from './model';
import { own } from './limits';
import { milestoneNotifications, milestoneOwner } from './planner';

/** Resolves person ids to recipients (name, email, language: the person's own, else the program's). */
export function recipients(state: MeasureState, ids: readonly string[]): Recipient[] {
  return ids.flatMap((id) => {
    const p = own(state.people, id);
    return p ? [{ id, name: p.name, email: p.email, lang: p.lang ?? state.program.language }] : [];
  });
}

/** The payload for `n`, including what the planner will do next for the same milestone if nothing changes. */
export function notificationPayload(state: MeasureState, n: PlannedNotification): NotificationPayload {
  const ms = state.milestones.find((m) => m.id === n.milestone);
  if (!ms) throw new Error(`unknown milestone ${n.milestone}`);
  const zone = state.program.timezone;
  const ownerId = milestoneOwner(state, ms);
  let next: NotificationPayload['next'];
  for (const later of milestoneNotifications(state, ms, n.at + 1)) {
    if (later.at > n.at) {
      next = {
        date: dateOf(later.at, zone),
        kind: later.kind,
        level: later.level,
        to: recipients(state, later.to).map((r) => r.name),
      };
      break;
    }
  }
  return {
    notification: n,
    atIso: formatInstant(n.at, zone),
    notifyDate: dateOf(n.at, zone),
    program: { id: state.program.id, title: state.program.title, timezone: zone },
    measure: { id: state.measure.id, title: state.measure.title },
    milestone: {
      id: ms.id,
      title: ms.title,
      due: ms.due,
      originalDue: ms.originalDue,
      ...(ms.forecast ? { forecast: ms.forecast } : {}),
    },
    owner: { id: ownerId, name: own(state.people, ownerId)?.name ?? ownerId },
    recipients: recipients(state, n.to),
    ...(next ? { next } : {}),
  };
}
