/**
 * A workflow run's *User Metadata* tab in the Temporal Web UI: its fixed summary and
 * details (set by whoever started it) and its current details (set by the running
 * workflow, fetched by the UI through a query). The UI renders each as Markdown in its
 * own same-origin iframe, so the check reads the iframes' text.
 */
import type { Page } from './headless-chromium.ts';

export function userMetadataUrl(ui: string, workflowId: string, runId: string): string {
  return `${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}/user-metadata`;
}

const FRAMES = `[...document.querySelectorAll('iframe')].map((f) => f.contentDocument?.body?.innerText ?? '').join('\\n')`;

/**
 * Opens the tab, waits until every one of `expected` is on it, and takes a picture.
 * Returns the Markdown panes' text as the page shows it.
 */
export async function screenshotUserMetadata(page: Page, url: string, expected: string[], file: string): Promise<string> {
  await page.goto(url);
  try {
    await page.waitFor(
      `(() => { const text = ${FRAMES}; return text.trim() !== '' && ${JSON.stringify(expected)}.every((e) => text.includes(e)); })()`,
      `its Markdown panes${expected.length ? ` with ${expected.map((e) => `"${e}"`).join(' and ')}` : ''}`,
    );
  } finally {
    await page.screenshot(file);
  }
  return (await page.evaluate<string>(FRAMES)).replace(/\n{2,}/g, '\n').trim();
}
