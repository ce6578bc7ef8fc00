// A Secret volume as the kubelet maintains it: every key a file, and an update swaps the
// whole set at once. The files are symlinks through `..data`, which points at a
// timestamped directory; a new version is written beside it and `..data` is replaced by
// an atomic rename. Programs that watch the directory (istiod watches its cacerts
// directory) see the rename as a create event, exactly as in a pod.
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DATA = '..data';

/** Makes `dir` hold exactly `files` (base64 values, as in a Secret's data); a no-op when it already does. */
export function projectSecretVolume(dir: string, data: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  const files = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64')]));
  const previous = current(dir);
  if (previous && sameContent(join(dir, previous), files)) return;
  const version = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${randomBytes(4).toString('hex')}`;
  mkdirSync(join(dir, version), { mode: 0o755 });
  for (const [key, content] of Object.entries(files)) writeFileSync(join(dir, version, key), content, { mode: 0o644 });
  symlinkSync(version, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, DATA));
  for (const key of Object.keys(files)) if (!exists(join(dir, key))) symlinkSync(join(DATA, key), join(dir, key));
  for (const entry of readdirSync(dir)) if (!entry.startsWith('..') && !(entry in files)) rmSync(join(dir, entry), { force: true });
  if (previous) rmSync(join(dir, previous), { recursive: true, force: true });
}

function current(dir: string): string | undefined {
  try {
    return readlinkSync(join(dir, DATA));
  } catch {
    return undefined;
  }
}

function sameContent(versionDir: string, files: Record<string, Buffer>): boolean {
  const present = readdirSync(versionDir);
  if (present.length !== Object.keys(files).length) return false;
  return Object.entries(files).every(([key, content]) => exists(join(versionDir, key)) && readFileSync(join(versionDir, key)).equals(content));
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
