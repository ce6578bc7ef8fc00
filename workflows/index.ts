export { provisionMesh } from './provision-mesh.ts';
export { teardownMesh } from './teardown-mesh.ts';
export { rotateCa } from './rotate-ca.ts';
export { runDrill } from './run-drill.ts';
