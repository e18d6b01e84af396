/**
 * Lazy loading of the intake libraries, so the plugin works with only the
 * one it needs installed: node-rdkafka is an optional peer dependency (it
 * compiles librdkafka on install, minutes and a C++ toolchain), installed
 * only by those who use MISP's Kafka export.
 */
import { ErrorCode, ThreatBusError } from 'threatbus';

export class MissingDependencyError extends ThreatBusError {
  override readonly name = 'MissingDependencyError';
  constructor(message: string) {
    super(ErrorCode.DEPENDENCY_MISSING, message);
  }
}

/** Loads a package by name; replaceable so tests can simulate a missing or broken one. */
export type PackageLoader = (pkg: string) => unknown;

const requirePackage: PackageLoader = (pkg) => require(pkg);
let loader: PackageLoader = requirePackage;

/** Replace the loader (tests); no argument restores `require`. Returns the previous one. */
export function setPackageLoader(next: PackageLoader = requirePackage): PackageLoader {
  const previous = loader;
  loader = next;
  return previous;
}

/** The message a missing intake library gets, at `--check` and at start alike. */
function missingMessage(pkg: string, setting: string, what: string, e: unknown): string {
  const cause = (e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/[.:]$/, '');
  return `MISP attribute export is configured via ${what} (setting ${setting}), but the package '${pkg}' cannot be loaded (${cause}). Install it with: npm install ${pkg}`;
}

/** `require` a package or explain which one to install and for which setting. */
export function requireOptional<T>(pkg: string, setting: string, what: string, load: () => unknown = () => loader(pkg)): T {
  try {
    return load() as T;
  } catch (e) {
    throw new MissingDependencyError(missingMessage(pkg, setting, what, e));
  }
}

/** Why `pkg` cannot be loaded (a message naming the package, the setting and the install command), or undefined when it loads. */
export function optionalProblem(pkg: string, setting: string, what: string): string | undefined {
  try {
    loader(pkg);
    return undefined;
  } catch (e) {
    return missingMessage(pkg, setting, what, e);
  }
}
