/**
 * Lazy loading of the intake libraries, so the plugin works with only the
 * one it needs installed (node-rdkafka is an optional dependency and needs a
 * native build).
 */

export class MissingDependencyError extends Error {
  override readonly name = 'MissingDependencyError';
}

/** `require` a package or explain which one to install and for which setting. */
export function requireOptional<T>(pkg: string, setting: string, what: string, load: () => unknown = () => require(pkg)): T {
  try {
    return load() as T;
  } catch (e) {
    throw new MissingDependencyError(
      `MISP attribute export is configured via ${what} (setting ${setting}), but the package '${pkg}' cannot be loaded ` +
        `(${(e as Error).message.split('\n')[0]}). Install it with: npm install ${pkg}`,
    );
  }
}
