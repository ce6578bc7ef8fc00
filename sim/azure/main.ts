// CLI: tsx sim/azure/main.ts --port N --time-scale S [--aws-view-url URL] [--kube-url URL] [--retry-after S] [--verbose]
// Prints `READY https://127.0.0.1:N` once listening; stops on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { ensureTls } from '../tls.js';
import { startAzureEmulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'time-scale': { type: 'string', default: '1' },
    'aws-view-url': { type: 'string' },
    'kube-url': { type: 'string' },
    'retry-after': { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

const number = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`--${name} must be a non-negative number, got ${text}\n`);
    process.exit(2);
  }
  return n;
};

const tls = ensureTls();
const emulator = await startAzureEmulator({
  port: number('port', values.port),
  timeScale: number('time-scale', values['time-scale']) ?? 1,
  awsViewUrl: values['aws-view-url'],
  kubeUrl: values['kube-url'],
  retryAfterSeconds: number('retry-after', values['retry-after']),
  tls,
  log: values.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
});
process.stdout.write(`READY ${emulator.url}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void emulator.close().then(() => process.exit(0));
  });
}
