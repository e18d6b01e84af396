/**
 * Moved to the core's testing kit (`threatbus/testing`); kept until every
 * package's tests import it from there.
 */
export { waitFor, sleep } from '../packages/threatbus/src/testing/wait';
