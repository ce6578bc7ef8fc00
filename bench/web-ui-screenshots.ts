/**
 * `npm run ui:screenshots`: the Temporal Web UI as an operator sees a mesh come up, in
 * headless Chromium. Starts the proving ground with the worker and the API, creates a
 * mesh from an example spec, waits for it to settle, and takes four pictures: the mesh
 * workflow's timeline (every activity labelled with its summary), the User Metadata tab
 * of the run that made the mesh (its summary) and of the live run (its current details:
 * phase, tunnels, cells), and the saved view of the meshes with their phase. Each
 * picture is taken once the page shows what it is meant to prove, and the script fails
 * (the picture still saved) when it never does. Not part of `npm test`: CI has no Chromium.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { meshWorkflowId } from '../domain/mesh-status.ts';
import { REPO, STACK_DIR } from '../sim/setup.ts';
import { ChromiumMissing, findChromium, launchChromium } from './headless-chromium.ts';
import { createMesh, SETTLED, waitForPhase } from './mesh-api.ts';
import { startProvingGround } from './proving-ground.ts';
import { screenshotMeshList } from './web-ui-mesh-list.ts';
import { provisioningRun, screenshotTimeline, timelineUrl } from './web-ui-timeline.ts';
import { screenshotUserMetadata, userMetadataUrl } from './web-ui-user-metadata.ts';

const USAGE = `npm run ui:screenshots -- [options]
  --spec FILE        the mesh to create (default examples/minimal.json, the backbone only;
                     examples/cells.json adds an EKS and an AKS cell with Istio)
  --time-scale X     cloud latencies ÷ X (default 600)
  --out DIR          where the PNGs go (default .stack/screenshots, ignored by git)
  --keep             leave the stack running afterwards, to look around in a browser (Ctrl-C stops it)
Needs Chromium (Debian: apt-get install -y chromium; or CHROMIUM=/path/to/chrome).`;

/** Wide enough that the longest summaries sit beside their bars, as on a laptop's full-screen browser. */
const WIDTH = 1600;

const { values } = parseArgs({
  options: {
    spec: { type: 'string', default: 'examples/minimal.json' },
    'time-scale': { type: 'string', default: '600' },
    out: { type: 'string', default: join(STACK_DIR, 'screenshots') },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
// Before the stack starts: without a browser there is nothing to show.
try {
  findChromium();
} catch (error) {
  if (!(error instanceof ChromiumMissing)) throw error;
  console.error(error.message);
  process.exit(2);
}

const spec = JSON.parse(readFileSync(resolve(REPO, values.spec), 'utf8')) as { name: string };
const out = resolve(REPO, values.out);
mkdirSync(out, { recursive: true });
const workflowId = meshWorkflowId(spec.name);

const ground = await startProvingGround('web-ui', Number(values['time-scale']));
const e = ground.endpoints;
let failed = false;
try {
  console.log(`proving ground up (time scale ${e.timeScale}): Web UI ${e.temporal.ui}, API ${e.api}`);
  const started = Date.now();
  await createMesh(e, spec);
  const { phase } = await waitForPhase(e, spec.name, SETTLED, 15 * 60_000);
  console.log(`mesh ${spec.name}: ${phase} after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const connection = await Connection.connect({ address: e.temporal.address });
  const [run, live] = await Promise.all([
    provisioningRun(connection, e, workflowId),
    new Client({ connection }).workflow.getHandle(workflowId).describe(),
  ]).finally(() => connection.close());
  const browser = await launchChromium({ width: WIDTH, height: 1000 });
  /** One picture: its path and what the page showed, or why not (the picture is saved either way). */
  const picture = async (name: string, take: (file: string) => Promise<string[]>) => {
    const file = join(out, `${spec.name}-${name}.png`);
    const lines = await take(file).catch((error) => {
      failed = true;
      return [`FAILED: ${error instanceof Error ? error.message : String(error)}`];
    });
    console.log([file, ...lines.map((line) => `  ${line}`)].join('\n'));
  };
  try {
    await picture('timeline', async (file) => {
      const url = timelineUrl(e.temporal.ui, workflowId, run.runId);
      const check = await screenshotTimeline(browser.page, url, run, file, WIDTH);
      const lines = [url, `${run.activities.length} activities; the page shows all ${check.shown.length} distinct summaries the run recorded, no two resources alike`];
      for (const row of check.truncated) lines.push(`cut short by the UI: ${row}`);
      if (check.unsummarized.length === 0) return lines;
      failed = true;
      return [...lines, `FAILED: activities without a summary (their rows show the bare type): ${check.unsummarized.join(', ')}`];
    });
    // The run that made the mesh carries the summary the API started it with; the live run (continued as new) the current details.
    await picture('summary', async (file) => {
      if (!run.staticSummary) throw new Error(`run ${run.runId} was started without a static summary`);
      await browser.page.setViewport(WIDTH, 600);
      return [await screenshotUserMetadata(browser.page, userMetadataUrl(e.temporal.ui, workflowId, run.runId), [run.staticSummary], file)];
    });
    await picture('current-details', async (file) => {
      await browser.page.setViewport(WIDTH, 900);
      return (await screenshotUserMetadata(browser.page, userMetadataUrl(e.temporal.ui, workflowId, live.runId), [`${phase} · `, 'BGP established'], file)).split('\n');
    });
    await picture('mesh-list', async (file) => {
      await browser.page.setViewport(WIDTH, 700);
      return screenshotMeshList(browser.page, e.temporal.ui, { workflowId, name: spec.name, phase }, file);
    });
  } finally {
    await browser.close();
  }
  if (values.keep) {
    console.log(`--keep: the stack stays up (Web UI ${e.temporal.ui}); Ctrl-C stops it`);
    await new Promise(() => undefined);
  }
} finally {
  await ground.stop();
}
process.exit(failed ? 1 : 0);
