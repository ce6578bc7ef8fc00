/** The API process: validates specs, starts and inspects mesh workflows, serves the codec endpoint. */
import { Client, Connection } from '@temporalio/client';
import { numberSetting, temporalSettings } from '../domain/settings.ts';
import { workflowSettingsFromEnv } from '../domain/workflow-settings.ts';
import { authenticatorFromEnv } from './auth.ts';
import { Meshes } from './meshes.ts';
import { Rotations } from './rotations.ts';
import { createApiServer } from './server.ts';

async function main(): Promise<void> {
  const env = process.env;
  const host = env.CELLBRIDGE_API_HOST ?? '127.0.0.1';
  const port = numberSetting(env, 'CELLBRIDGE_API_PORT', 8080);
  const authenticate = authenticatorFromEnv(env, host);
  const temporal = temporalSettings(env);
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace, dataConverter: temporal.dataConverter });
  const meshes = new Meshes(client, temporal.taskQueue, workflowSettingsFromEnv(env, numberSetting));
  const rotations = new Rotations(client, temporal.taskQueue);
  const server = createApiServer({ authenticate, meshes, rotations, codec: temporal.codec, codecCorsOrigin: env.CELLBRIDGE_CODEC_CORS_ORIGIN });
  server.listen(port, host, () => console.log(`cellbridge API listening on http://${host}:${port}`));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
