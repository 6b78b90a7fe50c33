/**
 * Where artifacts and archived logs live, as written in GANTRY_ARTIFACTS:
 * `s3://BUCKET?endpoint=http://HOST:PORT&region=REGION` for MinIO or any S3,
 * or nothing for the disk store in the data directory. Pure: parsing only.
 */

export interface S3Location {
  kind: 's3';
  bucket: string;
  /** Host name of the endpoint (no scheme, no port). */
  host: string;
  port: number;
  useSsl: boolean;
  region: string;
}

export class StoreLocationError extends Error {
  override readonly name = 'StoreLocationError';
  readonly code = 'STORE_LOCATION_INVALID';
}

/** S3's bucket naming rules (3–63 characters of lower-case letters, digits, dots and hyphens). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,64}$/;
const QUERY_KEYS = new Set(['endpoint', 'region']);

/** Parses an `s3://` location; throws StoreLocationError naming what is wrong. */
export function parseS3Location(text: string): S3Location {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StoreLocationError('must be s3://BUCKET?endpoint=http://HOST:PORT&region=REGION');
  }
  if (url.protocol !== 's3:') throw new StoreLocationError(`unsupported scheme "${url.protocol}"; expected s3://`);
  const bucket = url.hostname;
  if (!BUCKET_NAME.test(bucket)) {
    throw new StoreLocationError(
      `bucket "${bucket}" is not a valid name (3–63 lower-case letters, digits, dots, hyphens)`,
    );
  }
  if (url.pathname !== '' && url.pathname !== '/') {
    throw new StoreLocationError(`unexpected path "${url.pathname}"; the location names a whole bucket`);
  }
  for (const key of url.searchParams.keys()) {
    if (!QUERY_KEYS.has(key)) throw new StoreLocationError(`unknown parameter "${key}" (endpoint, region)`);
  }
  const region = url.searchParams.get('region') ?? 'us-east-1';
  if (!REGION.test(region)) throw new StoreLocationError(`region "${region}" is not a valid region name`);
  const endpointText = url.searchParams.get('endpoint') ?? 'https://s3.amazonaws.com';
  let endpoint: URL;
  try {
    endpoint = new URL(endpointText);
  } catch {
    throw new StoreLocationError(`endpoint "${endpointText}" is not a URL like http://HOST:PORT`);
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
    throw new StoreLocationError(`endpoint "${endpointText}" must be http:// or https://`);
  }
  if (endpoint.pathname !== '/' || endpoint.search !== '' || endpoint.username !== '') {
    throw new StoreLocationError(`endpoint "${endpointText}" must be only a scheme, host and port`);
  }
  const useSsl = endpoint.protocol === 'https:';
  const port = endpoint.port === '' ? (useSsl ? 443 : 80) : Number(endpoint.port);
  const host = endpoint.hostname.replace(/^\[(.*)\]$/, '$1');
  return { kind: 's3', bucket, host, port, useSsl, region };
}
