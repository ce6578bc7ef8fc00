/**
 * The repository explains itself: every document a source comment cites is a file inside
 * the repository, every section a comment cites by heading exists in that file, and the
 * notes' own links lead inside the repository. The judge is the file system and the
 * Markdown headings, not product code.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const SKIPPED_DIRS = new Set(['node_modules', '.stack', '.git']);
const SOURCE = /\.(ts|py|sh)$/;
const MARKDOWN = /\.md$/;

function filesNamed(pattern: RegExp, dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : filesNamed(pattern, path);
    return pattern.test(entry.name) ? [path] : [];
  });
}

const sourceFiles = (): string[] => filesNamed(SOURCE);

/** Joins comment continuation lines, so a citation wrapped over two lines reads as one. */
function flattened(text: string): string {
  return text.replace(/\s*\n\s*(?:\*(?!\/)|\/\/|#)?\s*/g, ' ');
}

interface Citation { file: string; doc: string; sections: string[] }

/**
 * Every Markdown file a source names, with the quoted headings that follow it:
 * `docs/<file>.md, "A"` or `docs/<file>.md, "A"; "B" and "C"`.
 */
function citations(file: string): Citation[] {
  const text = flattened(readFileSync(file, 'utf8'));
  const where = relative(ROOT, file);
  return [...text.matchAll(/([\w./-]*[\w-]+\.md)\b((?:\s*[,;]?\s*(?:and\s+)?"[^"]+")*)/g)]
    .map((m) => ({ file: where, doc: m[1]!, sections: [...m[2]!.matchAll(/"([^"]+)"/g)].map((q) => q[1]!) }));
}

function headings(doc: string): Set<string> {
  const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
  return new Set(lines.filter((l) => /^#{1,6} /.test(l)).map((l) => l.replace(/^#+ /, '').trim()));
}

function insideRepository(doc: string): boolean {
  const path = resolve(ROOT, doc);
  return !doc.startsWith('/') && path.startsWith(ROOT + sep) && existsSync(path);
}

const all = sourceFiles().flatMap(citations);

test('the walk finds the sources that cite documents (a guard against a walk that finds nothing)', () => {
  assert.ok(all.some((c) => c.file === join('domain', 'names.ts') && c.doc === 'docs/naming.md'), 'domain/names.ts cites docs/naming.md');
});

test('every document a source file cites is a file inside the repository', () => {
  const outside = all.filter((c) => !insideRepository(c.doc)).map((c) => `${c.file}: ${c.doc}`);
  assert.deepEqual(outside, []);
});

test('every section a source cites as (docs/<file>.md, "<heading>") is a heading of that file', () => {
  const cited = all.filter((c) => c.sections.length > 0 && c.doc.startsWith('docs/') && insideRepository(c.doc));
  assert.ok(cited.some((c) => c.doc === 'docs/domain-rules.md' && c.sections.length > 1), 'a citation naming several sections is read whole');
  const missing = cited.flatMap((c) => c.sections.filter((s) => !headings(c.doc).has(s)).map((s) => `${c.file}: ${c.doc} "${s}"`));
  assert.deepEqual(missing, []);
});

test('no source cites a pitfall by number: pitfalls are cited by their name in docs/domain-rules.md', () => {
  const numbered = sourceFiles()
    .filter((file) => /\bpitfalls? \d/i.test(flattened(readFileSync(file, 'utf8'))))
    .map((file) => relative(ROOT, file));
  assert.deepEqual(numbered, []);
});

test('every relative link of the repository\'s Markdown notes leads to a file inside the repository', () => {
  const notes = filesNamed(MARKDOWN);
  assert.ok(notes.some((note) => relative(ROOT, note) === 'docs/domain-rules.md'), 'the walk finds the notes');
  const broken = notes.flatMap((note) => [...readFileSync(note, 'utf8').matchAll(/\]\(([^)#\s]+)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z]+:/.test(target))
    .filter((target) => !insideRepository(relative(ROOT, resolve(dirname(note), target))))
    .map((target) => `${relative(ROOT, note)}: ${target}`));
  assert.deepEqual(broken, []);
});

test('the heading check itself refuses a section that is not there', () => {
  assert.equal(headings('docs/naming.md').has('A heading no note has'), false);
  assert.ok(headings('docs/naming.md').has('Why names must be unambiguous across meshes'));
});
