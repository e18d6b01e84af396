/**
 * Broker data → plain JSON, for `x_threatbus_sighting_context`.
 *
 * The original dropped sightings whose context held anything Python's JSON
 * could not represent (spec/quirks.md E5). Here every type has a JSON form, as
 * spec/zeek.md §7 recommends: count/integer → number (string beyond 2^53, so no
 * digit is lost), address/subnet/port/enum → string, time → ISO string,
 * interval → seconds, set/vector → array, table → object (keys as text).
 */
import type { JsonValue } from 'threatbus';
import type { BrokerData } from './broker-data';
import { brokerTimestampToStix, timespanToSeconds } from './broker-time';


const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function keyText(key: BrokerData): string {
  const json = brokerToJson(key);
  return typeof json === 'string' ? json : JSON.stringify(json);
}

export function brokerToJson(d: BrokerData): JsonValue {
  switch (d.type) {
    case 'none':
      return null;
    case 'boolean':
    case 'string':
    case 'enum-value':
    case 'address':
    case 'subnet':
    case 'port':
    case 'real':
      return d.value;
    case 'count':
    case 'integer':
      return d.value <= SAFE && d.value >= -SAFE ? Number(d.value) : d.value.toString();
    case 'timestamp':
      return brokerTimestampToStix(d.ns);
    case 'timespan':
      return timespanToSeconds(d.ns);
    case 'vector':
    case 'set':
      return d.value.map(brokerToJson);
    case 'table': {
      const out: { [key: string]: JsonValue } = {};
      for (const { key, value } of d.value) {
        Object.defineProperty(out, keyText(key), { value: brokerToJson(value), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}
