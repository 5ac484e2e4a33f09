/**
 * What the control endpoint shows of each group beyond its record: the last tick's observations and
 * a bounded history of the controller's events, numbered so a client polling with `since` sees each
 * event once (`rocketctl switchover` prints them as progress). Memory only: the record on disk is
 * the truth, this is the commentary.
 */
import type { BrokerObservation } from '../../controller';
import type { Clock } from '../../stdx';
import type { ControlEvent } from './control-api';

/** Events kept per group; a client that falls further behind misses the oldest, nothing else. */
export const MAX_EVENTS_PER_GROUP = 256;

interface GroupEntry {
  observed: readonly BrokerObservation[];
  observedAtMs: number | null;
  readonly events: ControlEvent[];
}

export class GroupJournal {
  private readonly groups = new Map<string, GroupEntry>();
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  private entry(group: string): GroupEntry {
    let e = this.groups.get(group);
    if (e === undefined) {
      e = { observed: [], observedAtMs: null, events: [] };
      this.groups.set(group, e);
    }
    return e;
  }

  observed(group: string, brokers: readonly BrokerObservation[]): void {
    const e = this.entry(group);
    e.observed = brokers;
    e.observedAtMs = this.clock.nowMs();
  }

  add(group: string, kind: string, message: string): void {
    const e = this.entry(group);
    this.seq += 1;
    e.events.push({ seq: this.seq, atMs: this.clock.nowMs(), kind, message });
    if (e.events.length > MAX_EVENTS_PER_GROUP) e.events.splice(0, e.events.length - MAX_EVENTS_PER_GROUP);
  }

  view(group: string, sinceSeq: number): { observed: readonly BrokerObservation[]; observedAtMs: number | null; events: readonly ControlEvent[]; lastSeq: number } {
    const e = this.entry(group);
    return { observed: e.observed, observedAtMs: e.observedAtMs, events: e.events.filter((x) => x.seq > sinceSeq), lastSeq: e.events.at(-1)?.seq ?? 0 };
  }
}
