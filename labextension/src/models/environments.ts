/**
 * Where a registered version went and where it came from, read from the tags `jupyter-mlops promote`
 * records (docs/environments.md): `jupyter_mlops.environment.ENV` on the source version,
 * `jupyter_mlops.promoted_from.*` on a copy in another registry.
 */

const ENVIRONMENT_PREFIX = 'jupyter_mlops.environment.';
const ORIGIN_PREFIX = 'jupyter_mlops.promoted_from.';

/** One environment a version was promoted to, and what it is there (`@staging`, `<registry> v4`). */
export interface IEnvironmentPlacement {
  environment: string;
  where: string;
}

/** The version a copy was promoted from. */
export interface IVersionOrigin {
  registry: string;
  name: string;
  version: string;
  promotedBy: string | null;
}

/** The environments recorded on a version, sorted by name. */
export function environmentsOf(
  tags: Record<string, string>
): IEnvironmentPlacement[] {
  return Object.entries(tags)
    .filter(([key]) => key.startsWith(ENVIRONMENT_PREFIX))
    .map(([key, where]) => ({
      environment: key.slice(ENVIRONMENT_PREFIX.length),
      where
    }))
    .sort((a, b) => a.environment.localeCompare(b.environment));
}

/** Where a promoted copy came from (null for a version registered here). */
export function originOf(tags: Record<string, string>): IVersionOrigin | null {
  const registry = tags[`${ORIGIN_PREFIX}registry`];
  const name = tags[`${ORIGIN_PREFIX}name`];
  const version = tags[`${ORIGIN_PREFIX}version`];
  if (!registry || !name || !version) {
    return null;
  }
  return {
    registry,
    name,
    version,
    promotedBy: tags['jupyter_mlops.promoted_by'] ?? null
  };
}
