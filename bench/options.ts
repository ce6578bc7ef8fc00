/** Command-line options of `npm run bench`; every default is sized to finish in about 10–15 minutes on 2 cores. */
import { parseArgs } from 'node:util';

export const SCENARIOS = ['overhead', 'scale', 'calls', 'api', 'teardown', 'drill'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface Options {
  scenarios: Set<Scenario>;
  /** Full-mesh provisionings (scenarios 1, 3 and 5 share them). */
  runs: number;
  /** Concurrent meshes per level of scenario 2; 1 is always measured, as the baseline. */
  k: number[];
  requests: number;
  rate: number;
  /** Failover drills on one EKS+AKS mesh with the data plane on. */
  drills: number;
  /** Emulated critical path to aim the time scale at, seconds. */
  criticalPathSeconds: number;
  /** Overrides the time scale derived from criticalPathSeconds. */
  timeScale?: number;
  out: string;
}

export const USAGE = `npm run bench -- [options]
  --scenario LIST   any of ${SCENARIOS.join(',')} (default: all)
  --runs N          full-mesh provisionings for overhead/calls/teardown (default 3 with overhead, else 1)
  --k LIST          concurrent meshes per scale level (default 1,10,50; K=1 is always run as the baseline)
  --requests N      requests per API route (default 2000)
  --drills N        failover drills on one EKS+AKS mesh with the data plane on (default 3; root and ip netns)
  --rate N          requests per second (default 200)
  --critical-path S emulated critical path to aim the time scale at, seconds (default 60)
  --time-scale X    use this time scale instead
  --out DIR         where the JSON goes (default .bench)`;

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', default: 'all' },
      runs: { type: 'string' },
      k: { type: 'string', default: '1,10,50' },
      requests: { type: 'string', default: '2000' },
      drills: { type: 'string', default: '3' },
      rate: { type: 'string', default: '200' },
      'critical-path': { type: 'string', default: '60' },
      'time-scale': { type: 'string' },
      out: { type: 'string', default: '.bench' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const list = values.scenario === 'all' ? [...SCENARIOS] : values.scenario.split(',').map((s) => s.trim());
  for (const s of list) if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario ${s}\n${USAGE}`);
  const scenarios = new Set(list as Scenario[]);
  const k = [...new Set([1, ...values.k.split(',').map((x) => positive('k', x))])].sort((a, b) => a - b);
  return {
    scenarios,
    runs: values.runs ? positive('runs', values.runs) : scenarios.has('overhead') ? 3 : 1,
    k,
    requests: positive('requests', values.requests),
    drills: positive('drills', values.drills),
    rate: positive('rate', values.rate),
    criticalPathSeconds: positive('critical-path', values['critical-path']),
    ...(values['time-scale'] ? { timeScale: positive('time-scale', values['time-scale']) } : {}),
    out: values.out,
  };
}

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${raw}"`);
  return n;
}
