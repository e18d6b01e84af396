import { ErrorCode, ThreatBusError } from '../errors';

/** A STIX object failed validation. `property` names the offending property path, e.g. `created` or `external_references[0].source_name`. */
export class StixValidationError extends ThreatBusError {
  override readonly name = 'StixValidationError';
  constructor(
    readonly property: string,
    readonly problem: string,
    readonly objectId?: string,
  ) {
    super(ErrorCode.STIX_INVALID, `${objectId ? objectId + ': ' : ''}${property}: ${problem}`);
  }
}
