export { provisionMesh } from './provision-mesh.ts';
export { teardownMesh } from './teardown-mesh.ts';
