/** The stream event → bus mapping on its own (spec/opencti.md §1.4, §1.5, §1.8). */
import { mapStreamEvent, OCTI_EXTENSION, toBusIndicator } from '../src/mapping';
import { envelope, indicatorStix } from './opencti-double';

const map = (event: string, body: unknown, detectionOnly = false) => mapStreamEvent(event, JSON.stringify(body), { detectionOnly });
const published = (o: ReturnType<typeof mapStreamEvent>) => (o.kind === 'publish' ? o.indicators.map((i) => [i.id, i.pattern, i.x_threatbus_update ?? 'ADD']) : o);

test("OpenCTI's example indicator (spec §1.9) keeps its id and standard properties; the extension becomes x_opencti_*", () => {
  const stix = { ...indicatorStix('www.xolod-teplo.ru', { internalId: 'cee1aad9-81a9-4e38-a829-a06b56b29338' }), id: 'indicator--86d9fae0-300e-54a8-9b7e-041e303406ad', valid_until: '2017-09-09T05:58:03.000Z' };
  const i = toBusIndicator(stix);
  expect(i).toMatchObject({
    type: 'indicator',
    spec_version: '2.1',
    id: 'indicator--86d9fae0-300e-54a8-9b7e-041e303406ad',
    pattern: "[domain-name:value = 'www.xolod-teplo.ru']",
    pattern_type: 'stix',
    valid_from: '2016-09-09T05:58:03.000Z',
    valid_until: '2017-09-09T05:58:03.000Z',
    confidence: 75,
    labels: ['indicator'],
    x_opencti_id: 'cee1aad9-81a9-4e38-a829-a06b56b29338',
    x_opencti_score: 50,
    x_opencti_detection: true,
  });
  expect(i.extensions).toBeUndefined();
});

test('a missing detection flag is false (OpenCTI drops empty values)', () => {
  const stix = indicatorStix('a.example');
  delete (stix.extensions as Record<string, Record<string, unknown>>)[OCTI_EXTENSION].detection;
  expect(map('create', envelope('create', stix), true)).toEqual({ kind: 'filtered', id: stix.id });
  expect(map('create', envelope('create', stix), false).kind).toBe('publish');
});

test('the SSE event name decides, not data.type: an update sent as delete (stopped matching a live stream) removes', () => {
  const stix = indicatorStix('a.example');
  expect(published(map('delete', envelope('update', stix, { context: { patch: [], reverse_patch: [] } })))).toEqual([[stix.id, stix.pattern, 'REMOVE']]);
  expect(published(map('create', envelope('update', stix, { context: { patch: [], reverse_patch: [] } })))).toEqual([[stix.id, stix.pattern, 'ADD']]);
});

test('an update that edited the pattern removes the old pattern under the old id, then edits the new', () => {
  const stix = indicatorStix('new.example');
  const context = {
    patch: [{ op: 'replace', path: '/pattern', value: stix.pattern }],
    reverse_patch: [
      { op: 'replace', path: '/pattern', value: "[domain-name:value = 'old.example']" },
      { op: 'replace', path: '/id', value: 'indicator--6e7b0da6-5dc0-5407-9d1f-d6489e394c7e' },
    ],
  };
  expect(published(map('update', envelope('update', stix, { context })))).toEqual([
    ['indicator--6e7b0da6-5dc0-5407-9d1f-d6489e394c7e', "[domain-name:value = 'old.example']", 'REMOVE'],
    [stix.id, stix.pattern, 'EDIT'],
  ]);
});

test('a merge edits the target and removes the merged-away indicators', () => {
  const target = indicatorStix('target.example');
  const source = indicatorStix('source.example');
  const other = { type: 'malware', id: 'malware--5f7b2284-bdd8-4ef4-b457-032ac0a82f02' };
  expect(published(map('merge', envelope('merge', target, { context: { patch: [], reverse_patch: [], sources: [source, other] } })))).toEqual([
    [source.id, source.pattern, 'REMOVE'],
    [target.id, target.pattern, 'EDIT'],
  ]);
});

test('a delete is a removal even with detection off (it may have been forwarded before)', () => {
  const stix = indicatorStix('a.example', { detection: false });
  expect(published(map('delete', envelope('delete', stix), true))).toEqual([[stix.id, stix.pattern, 'REMOVE']]);
});

test('non-stix pattern types pass through; other objects are ignored by type', () => {
  const sigma = { ...indicatorStix('x'), pattern_type: 'sigma', pattern: 'title: test' };
  expect(map('create', envelope('create', sigma)).kind).toBe('publish');
  expect(map('create', envelope('create', { type: 'relationship', id: 'relationship--5f7b2284-bdd8-4ef4-b457-032ac0a82f02' }))).toEqual({ kind: 'ignored', objectType: 'relationship' });
});
