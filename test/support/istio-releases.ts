/**
 * A releases file (CELLBRIDGE_ISTIO_RELEASES, which worker and API require) for a test that
 * starts them without a proving ground: the proving ground's release, its charts read from the
 * directory they were fetched into, as an operator's mirror would be. Nothing is served.
 */
import { join } from 'node:path';
import { PROVING_GROUND_ISTIO } from '../../domain/istio-versions.ts';
import { writeIstioReleases } from '../../sim/istio/chart-repo.ts';
import { ISTIO_DIR } from '../../sim/setup.ts';

export function mirroredIstioReleases(dir: string): string {
  return writeIstioReleases(join(dir, 'istio-releases.json'), [{ ...PROVING_GROUND_ISTIO, chart: { directory: join(ISTIO_DIR, 'charts', PROVING_GROUND_ISTIO.version) } }]);
}
