/**
 * Temporal's time-skipping test server (the Java one, installed by sim/setup.ts from Maven
 * Central) as a TestWorkflowEnvironment: workflow timers of hours pass in the time a test
 * asks for with env.sleep(), and env.currentTimeMs() reads the server's clock. The SDK's own
 * createTimeSkipping() downloads a native build of this server from outside the package
 * registries, and gives the server it starts 5 s to listen, less than a JVM takes on a busy
 * machine; so the test starts the server itself and takes the SDK's time-skipping
 * environment over it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { defineSearchAttributeKey } from '@temporalio/common';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { TEMPORAL_TEST_SERVER_LIB } from '../../sim/setup.ts';

const LISTEN_TIMEOUT_MS = 120_000;

export interface TimeSkippingServer {
  env: TestWorkflowEnvironment;
  stop(): Promise<void>;
}

/** `searchAttributes`: the custom keys the workflows under test set, registered as a dev server's --search-attribute would. */
export async function startTimeSkipping(searchAttributes: ReturnType<typeof defineSearchAttributeKey>[] = []): Promise<TimeSkippingServer> {
  if (!existsSync(TEMPORAL_TEST_SERVER_LIB)) throw new Error(`${TEMPORAL_TEST_SERVER_LIB} is missing: run the proving ground's setup (npx tsx sim/setup.ts) first`);
  const port = await freePort();
  const server = spawn('java', ['-cp', join(TEMPORAL_TEST_SERVER_LIB, '*'), 'io.temporal.testserver.TestServer', String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  try {
    await listening(port, exited);
    // TestWorkflowEnvironment.createTimeSkipping() without its server start: the same environment (a client that
    // lets time skip while it waits for a result, sleep() and currentTimeMs() through the test service) over ours.
    const create = (TestWorkflowEnvironment as unknown as { create(opts: object): Promise<TestWorkflowEnvironment> }).create.bind(TestWorkflowEnvironment);
    const env = await create({ server: { type: 'existing' }, address: `127.0.0.1:${port}`, supportsTimeSkipping: true });
    if (searchAttributes.length > 0) {
      await env.connection.operatorService.addSearchAttributes({
        namespace: env.namespace ?? 'default',
        searchAttributes: Object.fromEntries(searchAttributes.map((key) => [key.name, proto.temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]])),
      });
    }
    return {
      env,
      async stop() {
        await env.teardown();
        server.kill();
        await exited;
      },
    };
  } catch (error) {
    server.kill();
    throw error;
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function listening(port: number, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (const deadline = Date.now() + LISTEN_TIMEOUT_MS; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    if (gone) throw new Error('the Temporal test server exited before it listened (is java on PATH?)');
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
  }
  throw new Error(`the Temporal test server did not listen on ${port} within ${LISTEN_TIMEOUT_MS} ms`);
}
