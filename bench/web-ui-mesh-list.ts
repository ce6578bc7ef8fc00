/**
 * The saved view of README "A saved view of the meshes and their phase", made the way the
 * README tells an operator to make it: open the list query, add the CellbridgeMesh and
 * CellbridgePhase columns with *Configure Columns*, keep it with *Save as New*. Run ID and
 * End are taken out so the phase fits beside the rest at a laptop's width.
 */
import type { Page } from './headless-chromium.ts';

/** The README's list query: every live mesh (one running provisionMesh workflow per mesh). */
export const MESH_LIST_QUERY = 'WorkflowType = "provisionMesh" AND ExecutionStatus = "Running"';
export const VIEW_NAME = 'Meshes';

export function meshListUrl(ui: string): string {
  return `${ui}/namespaces/default/workflows?query=${encodeURIComponent(MESH_LIST_QUERY)}`;
}

/** The table's rows as the page shows them, one string per row with its cells joined by " | ". */
const TABLE = `[...document.querySelectorAll('table tr')].map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim()).join(' | '))`;

/**
 * Makes the saved view, waits until the mesh's row shows `phase`, and takes a picture.
 * Returns the table as read from the page.
 */
export async function screenshotMeshList(page: Page, ui: string, mesh: { workflowId: string; name: string; phase: string }, file: string): Promise<string[]> {
  await page.goto(meshListUrl(ui));
  const configure = '[data-testid=workflows-summary-table-configuration-button]';
  await page.waitFor(`document.querySelector('${configure}') && ${TABLE}.some((row) => row.includes(${JSON.stringify(mesh.workflowId)}))`, `${mesh.workflowId} in the list`);
  await page.click(configure);
  await page.waitFor(`document.querySelector('[aria-label="Add CellbridgePhase column"]')`, 'the column settings');
  for (const label of ['Add CellbridgeMesh column', 'Add CellbridgePhase column', 'Remove Run ID column', 'Remove End column']) await page.click(`[aria-label="${label}"]`);
  await page.click('[aria-label="Close Workflows Table configuration"]');
  await page.click('[data-testid=create-view-button]');
  const name = '[data-testid=workflow-save-view-modal-input]';
  await page.waitFor(`document.querySelector('${name}')?.offsetParent`, 'the view name field');
  await page.evaluate(`document.querySelector('${name}').focus()`);
  await page.type(VIEW_NAME);
  await page.click('[data-testid=confirm-modal-button]');
  const row = `${TABLE}.find((row) => row.includes(${JSON.stringify(mesh.workflowId)}))`;
  try {
    await page.waitFor(
      `${TABLE}[0]?.includes('CellbridgePhase') && ${row}?.includes(${JSON.stringify(`| ${mesh.name} | ${mesh.phase}`)}) && document.querySelector('[data-testid=saved-views-button]')?.textContent.includes(${JSON.stringify(VIEW_NAME)})`,
      `the saved view "${VIEW_NAME}" with ${mesh.workflowId}'s mesh name and phase ${mesh.phase}`,
    );
  } finally {
    await page.screenshot(file);
  }
  return page.evaluate<string[]>(TABLE);
}
