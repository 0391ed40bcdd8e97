/**
 * SVG figures parsed by Python's XML parser, so that a malformed document
 * fails the test that reads it: the texts with their positions and the
 * polylines with their strokes, per file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SvgText {
  text: string;
  x: number;
  y: number;
  anchor: string;
  size: number;
  bold: boolean;
  /** The rotation of a rotated label, with its translation as x, y. */
  rotated: boolean;
}
export interface ParsedSvg {
  /** The root element's tag, with its namespace. */
  root: string;
  width: number;
  height: number;
  viewBox: string;
  texts: SvgText[];
  polylines: { stroke: string; dash: string; strokeWidth: string }[];
}

/** Parses each SVG with Python's XML parser (so a malformed document fails the test) and returns its texts and polylines. */
export function parseSvg(files: Record<string, string>): Record<string, ParsedSvg> {
  const dir = mkdtempSync(join(tmpdir(), 'nntk-svg-plot-'));
  try {
    for (const [name, svg] of Object.entries(files)) writeFileSync(join(dir, name), svg);
    const script = `
import json, re, sys, pathlib, xml.etree.ElementTree as ET
ns = '{http://www.w3.org/2000/svg}'
out = {}
for p in sorted(pathlib.Path(sys.argv[1]).glob('*.svg')):
    root = ET.parse(p).getroot()
    texts = []
    for t in root.iter(ns + 'text'):
        transform = t.get('transform')
        if transform:
            tx, ty = map(float, re.match(r'translate\\(([-\\d.]+) ([-\\d.]+)\\)', transform).groups())
        else:
            tx, ty = float(t.get('x')), float(t.get('y'))
        texts.append({'text': ''.join(t.itertext()), 'x': tx, 'y': ty, 'anchor': t.get('text-anchor', 'start'),
                      'size': float(t.get('font-size', root.get('font-size'))), 'bold': t.get('font-weight') == 'bold',
                      'rotated': transform is not None})
    lines = [{'stroke': l.get('stroke'), 'dash': l.get('stroke-dasharray', ''), 'strokeWidth': l.get('stroke-width', '')}
             for l in root.iter(ns + 'polyline')]
    out[p.name] = {'root': root.tag, 'width': float(root.get('width')), 'height': float(root.get('height')), 'viewBox': root.get('viewBox'),
                   'texts': texts, 'polylines': lines}
print(json.dumps(out))`;
    return JSON.parse(execFileSync('python3', ['-c', script, dir], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

