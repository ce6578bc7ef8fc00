/**
 * Where the CLI finds the API: a flag, else the environment (CELLBRIDGE_API_URL,
 * CELLBRIDGE_API_TOKEN), else the config file (CELLBRIDGE_CONFIG, default
 * ~/.config/cellbridge/config.json: {"apiUrl": "…", "token": "…"}), else npm start's API.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface CliSettings {
  apiUrl: string;
  token?: string;
}

const LOCAL_API = 'http://127.0.0.1:8080';

export function cliSettings(flags: { apiUrl?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): CliSettings {
  const file = readConfigFile(env.CELLBRIDGE_CONFIG ?? join(homedir(), '.config', 'cellbridge', 'config.json'));
  const apiUrl = flags.apiUrl ?? env.CELLBRIDGE_API_URL ?? file.apiUrl ?? LOCAL_API;
  const token = flags.token ?? env.CELLBRIDGE_API_TOKEN ?? file.token;
  return { apiUrl: apiUrl.replace(/\/+$/, ''), ...(token ? { token } : {}) };
}

function readConfigFile(path: string): { apiUrl?: string; token?: string } {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path} is not JSON: ${(error as Error).message}`);
  }
  const { apiUrl, token } = (parsed ?? {}) as Record<string, unknown>;
  if (apiUrl !== undefined && typeof apiUrl !== 'string') throw new Error(`${path}: apiUrl must be a string`);
  if (token !== undefined && typeof token !== 'string') throw new Error(`${path}: token must be a string`);
  return { ...(apiUrl ? { apiUrl } : {}), ...(token ? { token } : {}) };
}
