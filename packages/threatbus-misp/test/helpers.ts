/** Shared test helpers: MISP notifications and attribute uuids; the kit's logger and waiting (threatbus/testing). */

export { recordingLogger, waitFor, sleep } from 'threatbus/testing';
export type { LogRecord } from 'threatbus/testing';

let counter = 0;
/** A distinct attribute uuid per call. */
export function uuid(): string {
  counter++;
  return `5e1f2787-fcfc-4718-a58a-${(process.pid % 65536).toString(16).padStart(4, '0')}${counter.toString(16).padStart(8, '0')}`;
}

/** A MISP attribute notification as MISP's ZeroMQ/Kafka export sends it. */
export function notification(init: { type?: string; value?: string; to_ids?: boolean; action?: string; uuid?: string; orgc_id?: string; tags?: string[]; deleted?: boolean } = {}) {
  return {
    Attribute: {
      id: '15',
      event_id: '1',
      object_id: '0',
      object_relation: null,
      category: 'Network activity',
      type: init.type ?? 'domain',
      value1: init.value ?? 'example.com',
      value2: '',
      to_ids: init.to_ids ?? true,
      uuid: init.uuid ?? uuid(),
      timestamp: '1614599635',
      distribution: '5',
      sharing_group_id: '0',
      comment: '',
      deleted: init.deleted ?? false,
      disable_correlation: false,
      value: init.value ?? 'example.com',
      Sighting: [],
      Tag: (init.tags ?? []).map((name, i) => ({ id: String(i + 1), name, colour: '#ff0000', exportable: true })),
    },
    Event: { id: '1', date: '2021-03-01', info: 'test', uuid: '5e1ee79d-25c8-42bd-a386-0291c0a82f06', published: false, analysis: '0', threat_level_id: '1', org_id: '1', orgc_id: init.orgc_id ?? '1', distribution: '3', sharing_group_id: '0' },
    action: init.action ?? 'add',
  };
}
