/**
 * `npm run ui:screenshots`: the Temporal Web UI as an operator sees a mesh come up, in
 * headless Chromium. Starts the proving ground with the worker and the API, creates a
 * mesh from an example spec, waits for it to settle, and takes two pictures: the mesh
 * workflow's timeline (every activity labelled with its summary) and the saved view of
 * the meshes with their phase. Each picture is taken once the page shows what it is meant
 * to prove, and the script fails (the picture still saved) when it never does. Not part
 * of `npm test`: CI has no Chromium.
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
// Before minutes of stack start-up: without a browser there is nothing to show.
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
  const run = await provisioningRun(new Client({ connection }), e, workflowId).finally(() => connection.close());
  const browser = await launchChromium({ width: WIDTH, height: 1000 });
  try {
    const timeline = join(out, `${spec.name}-timeline.png`);
    const url = timelineUrl(e.temporal.ui, workflowId, run.runId);
    const check = await screenshotTimeline(browser.page, url, run, timeline, WIDTH).catch((error) => {
      failed = true;
      console.error(`timeline: ${error instanceof Error ? error.message : String(error)}`);
    });
    console.log(`${timeline}\n  ${url}`);
    if (check) {
      console.log(`  ${run.activities.length} activities; the page shows all ${check.shown.length} summaries the run recorded, no two alike`);
      if (check.unsummarized.length) console.log(`  activities without a summary (their rows show the bare type): ${check.unsummarized.join(', ')}`);
    }

    const list = join(out, `${spec.name}-mesh-list.png`);
    await browser.page.setViewport(WIDTH, 700);
    const table = await screenshotMeshList(browser.page, e.temporal.ui, { workflowId, name: spec.name, phase }, list).catch((error) => {
      failed = true;
      console.error(`mesh list: ${error instanceof Error ? error.message : String(error)}`);
    });
    console.log(list);
    if (table) for (const row of table) console.log(`  ${row}`);
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
