import { ErrorCode, ThreatBusError } from 'threatbus';

/** Why a MISP attribute could not become an Indicator. `uuid` names the attribute when it had one. */
export class MispMappingError extends ThreatBusError {
  override readonly name = 'MispMappingError';
  constructor(
    message: string,
    readonly uuid?: string,
  ) {
    super(ErrorCode.MESSAGE_INVALID, message);
  }
}
