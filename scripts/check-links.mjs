#!/usr/bin/env node
// Checks the repository's Markdown: every relative link of every tracked *.md
// file must name a file or directory that exists, and every #anchor a heading
// of the page it points into (GitHub's heading slugs). With
// --no-foreign-refs it also fails if any tracked file refers to documents
// outside the repository (the repository must stand on its own).
// Prints file:line for every failure; exit 0 when all is well, 1 otherwise.
//
//   node scripts/check-links.mjs [--no-foreign-refs]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// A project document outside the repository: its directory, or the
// specification by name (its file name, "§n" citations, "the spec" as a
// word; not SPECIAL_BITS). Assembled so that this file does not match itself.
const FOREIGN = [new RegExp(['\\.\\.', 'shared'].join('/')), new RegExp(`\\b${'SP' + 'EC'}\\b`)];

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--no-foreign-refs');
if (unknown.length > 0) {
  process.stderr.write(`check-links: unknown argument ${unknown[0]}; usage: node scripts/check-links.mjs [--no-foreign-refs]\n`);
  process.exit(2);
}
const checkForeign = args.includes('--no-foreign-refs');

const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((f) => f !== '' && existsSync(join(root, f)));

/** GitHub's anchor for a heading: lower case, punctuation and symbols dropped, spaces to hyphens. */
function slug(heading) {
  const text = heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The lines of a Markdown page outside fenced code blocks, with their 1-based numbers. */
function proseLines(text) {
  const lines = [];
  let fence = null;
  text.split('\n').forEach((line, index) => {
    const opener = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (opener !== null) {
      const mark = opener[1];
      if (fence === null) fence = mark;
      else if (mark[0] === fence[0] && mark.length >= fence.length) fence = null;
      return;
    }
    if (fence === null) lines.push({ line, number: index + 1 });
  });
  return lines;
}

/**
 * The page with fenced code blocks and inline code spans blanked out (line
 * breaks kept, so offsets still give line numbers): what is left is the prose,
 * where a link's text may wrap across lines.
 */
function proseText(text) {
  const kept = new Map(proseLines(text).map(({ line, number }) => [number, line]));
  return text
    .split('\n')
    .map((line, index) => kept.get(index + 1) ?? '')
    .join('\n')
    .replace(/`[^`]*`/g, (span) => span.replace(/[^\n]/g, ' '));
}

const anchorCache = new Map();
function anchorsOf(file) {
  let anchors = anchorCache.get(file);
  if (anchors === undefined) {
    anchors = new Set();
    const seen = new Map();
    for (const { line } of proseLines(readFileSync(join(root, file), 'utf8'))) {
      for (const m of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]);
      const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
      if (heading === null) continue;
      const base = slug(heading[1]);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    anchorCache.set(file, anchors);
  }
  return anchors;
}

const failures = [];
const markdown = tracked.filter((f) => f.endsWith('.md'));
let links = 0;
for (const file of markdown) {
  const text = readFileSync(join(root, file), 'utf8');
  const prose = proseText(text);
  for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1];
    const number = prose.slice(0, m.index + m[0].length).split('\n').length;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
    links++;
    const [pathPart, anchor] = target.split('#', 2);
    const resolved = pathPart === '' ? file : relative(root, resolve(root, dirname(file), decodeURIComponent(pathPart)));
    const where = `${file}:${number}`;
    if (resolved.startsWith('..')) {
      failures.push(`${where}: ${target} leaves the repository`);
      continue;
    }
    if (!existsSync(join(root, resolved))) {
      failures.push(`${where}: ${target}: no such file (${resolved})`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (!resolved.endsWith('.md') || statSync(join(root, resolved)).isDirectory()) {
      failures.push(`${where}: ${target}: an anchor into a file that is not a Markdown page`);
    } else if (!anchorsOf(resolved).has(anchor)) {
      failures.push(`${where}: ${target}: ${resolved} has no heading with the anchor #${anchor}`);
    }
  }
}

let foreign = 0;
if (checkForeign) {
  for (const file of tracked) {
    const bytes = readFileSync(join(root, file));
    if (bytes.includes(0)) continue; // binary
    bytes.toString('utf8').split('\n').forEach((line, index) => {
      for (const pattern of FOREIGN) {
        const m = pattern.exec(line);
        if (m !== null) {
          foreign++;
          failures.push(`${file}:${index + 1}: refers to "${m[0]}", which is not part of the repository: ${line.trim().slice(0, 100)}`);
        }
      }
    });
  }
}

for (const failure of failures) process.stderr.write(`${failure}\n`);
const summary = `check-links: ${markdown.length} pages, ${links} relative links` +
  (checkForeign ? `, ${tracked.length} files searched for foreign references (${foreign} found)` : '') +
  `: ${failures.length === 0 ? 'all good' : `${failures.length} problem${failures.length === 1 ? '' : 's'}`}\n`;
process.stdout.write(summary);
process.exit(failures.length === 0 ? 0 : 1);
