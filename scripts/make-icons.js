#!/usr/bin/env node
// Draws Weld's tray and app icons as PNG files in resources/ (no image tools needed).
// Run: node scripts/make-icons.js. The output is committed; rerun only when the design changes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const OUT = join(import.meta.dirname, '..', 'resources');

/** The "W" mark on a 24×24 grid (same path as the UI's brand mark). */
const MARK = [
  [4.5, 7],
  [8, 17],
  [12, 9],
  [16, 17],
  [19.5, 7],
];
const BLUE = [47, 95, 208];
const WHITE = [255, 255, 255];
const STATES = { running: [29, 158, 90], request: [232, 160, 20], error: [210, 50, 40] };

function distToSegment(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function inRoundedRect(x, y, size, r) {
  const cx = Math.min(Math.max(x, r), size - r);
  const cy = Math.min(Math.max(y, r), size - r);
  return Math.hypot(x - cx, y - cy) <= r;
}

/** Colour of one point in 24-unit space, or null when transparent. Later layers win. */
function shade(x, y, state) {
  let colour = null;
  if (inRoundedRect(x, y, 24, 5.5)) colour = BLUE;
  for (let i = 0; i < MARK.length - 1; i++) if (distToSegment(x, y, MARK[i], MARK[i + 1]) <= 1.35) colour = WHITE;
  if (state) {
    const d = Math.hypot(x - 19, y - 19);
    if (d <= 5.2) colour = WHITE; // ring that separates the dot from the mark
    if (d <= 4) colour = STATES[state];
  }
  return colour;
}

function render(size, state) {
  const ss = 4; // 4×4 supersampling for smooth edges
  const px = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = shade(((x + (sx + 0.5) / ss) * 24) / size, ((y + (sy + 0.5) / ss) * 24) / size, state);
          if (!c) continue;
          r += c[0];
          g += c[1];
          b += c[2];
          a += 1;
        }
      }
      const o = (y * size + x) * 4;
      if (a) {
        px[o] = Math.round(r / a);
        px[o + 1] = Math.round(g / a);
        px[o + 2] = Math.round(b / a);
        px[o + 3] = Math.round((a / (ss * ss)) * 255);
      }
    }
  }
  return png(size, size, px);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

for (const state of Object.keys(STATES)) {
  writeFileSync(join(OUT, `tray-${state}.png`), render(16, state));
  writeFileSync(join(OUT, `tray-${state}@2x.png`), render(32, state));
}
writeFileSync(join(OUT, 'icon.png'), render(512, null));
process.stdout.write(`icons written to ${OUT}\n`);
