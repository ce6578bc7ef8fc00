/** The CLI's only way to cellbridge: the HTTP API, as curl would use it. */
import type { CliSettings } from './settings.ts';

export interface Answer {
  status: number;
  // The API's JSON; each command reads the fields it knows.
  body: any;
}

export class ApiClient {
  constructor(private readonly settings: CliSettings) {}

  async call(method: string, path: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.settings.token) headers.authorization = `Bearer ${this.settings.token}`;
    let response: Response;
    try {
      response = await fetch(`${this.settings.apiUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (error) {
      throw new Error(`cannot reach the cellbridge API at ${this.settings.apiUrl} (${(error as Error).cause ?? (error as Error).message}); set --api-url or CELLBRIDGE_API_URL`);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      // A proxy's HTML error page: shown as it is.
    }
    return { status: response.status, body: parsed };
  }
}
