/** Config tests: what a ConfigError says, one line per problem. */
import { ConfigError, formatProblem } from '../config/validate';

/**
 * The problems of the ConfigError `fn` throws, one `path: message (source)`
 * line each (as `threatbus --check` prints them); [] when `fn` throws none.
 * Any other error is rethrown.
 */
export function configErrorLines(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}
