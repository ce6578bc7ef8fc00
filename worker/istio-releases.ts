/**
 * The Istio releases this deployment offers, read once at startup by the worker (which
 * installs them) and the API (which refuses any other version): the JSON file that
 * CELLBRIDGE_ISTIO_RELEASES names (README "Istio releases"). A missing or wrong file stops
 * the process with the field at fault, before it takes any work.
 */
import { readFileSync } from 'node:fs';
import { IstioReleasesError, parseIstioReleases, type IstioRelease } from '../domain/istio-releases.ts';
import type { Env } from '../domain/settings.ts';

export const ISTIO_RELEASES_VARIABLE = 'CELLBRIDGE_ISTIO_RELEASES';

export function istioReleasesFromEnv(env: Env): IstioRelease[] {
  const file = env[ISTIO_RELEASES_VARIABLE];
  if (!file) throw new IstioReleasesError(`${ISTIO_RELEASES_VARIABLE} is not set: name the JSON file of the Istio releases this deployment installs (README "Istio releases")`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new IstioReleasesError(`${ISTIO_RELEASES_VARIABLE} (${file}): ${(error as Error).message}`);
  }
  try {
    return parseIstioReleases(parsed);
  } catch (error) {
    throw new IstioReleasesError(`${ISTIO_RELEASES_VARIABLE} (${file}): ${(error as Error).message}`);
  }
}
