/**
 * Judged by `npm test` once every other file is done (test/run.sh): every ARM request the product
 * and the emulator tests sent, and every reply the emulator gave, during this run
 * (recorded by the emulator under CELLBRIDGE_SIM_ARM_TRAFFIC), judged by Microsoft's
 * `oav` against the official REST API specifications of the API versions the SDKs call.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { armJudge, isKnownGap, specsDirectory, type TrafficEntry, type Violation } from './arm-judge.ts';

const specs = specsDirectory(process.env);
const trafficDir = process.env.CELLBRIDGE_SIM_ARM_TRAFFIC;
const SUB = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network';

describe('ARM traffic against Microsoft\'s REST API specifications (oav)', { skip: specs ? false : 'the specifications are not beside the repository (../shared/specs/azure); set CELLBRIDGE_AZURE_SPECS' }, () => {
  let judge: (entry: TrafficEntry) => Promise<Violation[]>;
  before(async () => {
    judge = await armJudge(specs!);
  });

  test('the judge names the operation, the JSON path and the rule: a string where the spec wants an array, a secret sent back', async () => {
    const found = await judge({
      request: { method: 'PUT', url: `https://arm.test${SUB}/virtualNetworks/v?api-version=2025-05-01`, body: { location: 'westeurope', properties: { addressSpace: { addressPrefixes: '10.0.0.0/16' } } } },
      response: { status: 200, headers: {}, body: { id: `${SUB}/virtualNetworks/v`, name: 'v', location: 'westeurope', properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] } } } },
    });
    assert.deepEqual(found.map(brief), ['request VirtualNetworks_CreateOrUpdate $.properties.addressSpace.addressPrefixes INVALID_TYPE']);
    const secret = await judge({
      request: { method: 'GET', url: `https://arm.test${SUB}/connections/c?api-version=2025-05-01` },
      response: { status: 200, headers: {}, body: { id: `${SUB}/connections/c`, name: 'c', location: 'westeurope', properties: { connectionType: 'IPsec', virtualNetworkGateway1: { id: 'g', properties: {} }, sharedKey: 'k' } } },
    });
    assert.deepEqual(secret.map(brief), ['response VirtualNetworkGatewayConnections_Get $.properties.sharedKey SECRET_PROPERTY']);
  });

  test('every ARM request sent and every reply the emulator gave in this run keep to the specifications', async () => {
    await allOtherFilesDone();
    assert.ok(trafficDir && existsSync(trafficDir), 'no traffic recorded: run through `npm test`, which sets CELLBRIDGE_SIM_ARM_TRAFFIC for every emulator');
    const entries = readdirSync(trafficDir).flatMap((file) => readFileSync(join(trafficDir, file), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as TrafficEntry));
    assert.ok(entries.length > 0, `no ARM traffic in ${trafficDir}`);
    const violations: Violation[] = [];
    let tolerated = 0;
    for (const entry of entries) {
      for (const v of await judge(entry)) {
        if (isKnownGap(v)) tolerated++;
        else violations.push(v);
      }
    }
    console.log(`# ${entries.length} ARM requests and replies judged; ${violations.length} violations; ${tolerated} known spec gaps tolerated (test/contract/arm-judge.ts)`);
    assert.deepEqual(summarise(violations), [], 'ARM traffic that the REST API specifications refuse');
  });
});

/** test/run.sh starts this file beside the others, so that loading the specifications costs no wall time, and says when they are done. */
async function allOtherFilesDone(): Promise<void> {
  const marker = process.env.CELLBRIDGE_ARM_TRAFFIC_DONE;
  while (marker && !existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 1000));
}

function brief(v: Violation): string {
  return `${v.side} ${v.operation} ${v.jsonPath} ${v.rule}`;
}

/** One line per distinct violation, with how often it was seen and one example path. */
function summarise(violations: Violation[]): string[] {
  const seen = new Map<string, { count: number; example: Violation }>();
  for (const v of violations) {
    const key = `${brief(v)}: ${v.message}`;
    seen.set(key, { count: (seen.get(key)?.count ?? 0) + 1, example: seen.get(key)?.example ?? v });
  }
  return [...seen].map(([key, { count, example }]) => `${key} (×${count}, e.g. ${example.method} ${example.path})`);
}
