import { describe, expect, it } from 'vitest';
import { StderrLines } from './stderr-lines.js';
import { BoundedCapture } from './streams.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('stderr lines of a call', () => {
  it('sends a line once its newline is written, joining the pieces it was written in', () => {
    const sent: string[] = [];
    const lines = new StderrLines(new BoundedCapture(1024), (l) => sent.push(l));
    lines.write(bytes('hal'));
    expect(sent).toEqual([]);
    lines.write(bytes('f a line\r\nand\n\n   \nthe end without newline'));
    expect(sent).toEqual(['half a line', 'and']);
    lines.endCall();
    expect(sent).toEqual(['half a line', 'and', 'the end without newline']);
    // The call log gets every byte, blank lines included.
    expect(lines.take().text).toBe('half a line\r\nand\n\n   \nthe end without newline');
  });

  it('keeps a multi-byte character split across writes whole', () => {
    const sent: string[] = [];
    const lines = new StderrLines(new BoundedCapture(1024), (l) => sent.push(l));
    const all = bytes('naïve ✓\n');
    lines.write(all.subarray(0, 3));
    lines.write(all.subarray(3, 8));
    lines.write(all.subarray(8));
    expect(sent).toEqual(['naïve ✓']);
  });
});

describe('stderr lines under a flood', () => {
  it('looks at the first MiB of a call only, says so once, and starts over with the next call', () => {
    const sent: string[] = [];
    const lines = new StderrLines(new BoundedCapture(1024), (l) => sent.push(l));
    lines.write(bytes('first\n'));
    const blank = new Uint8Array(64 * 1024).fill(10);
    for (let i = 0; i < 100; i++) lines.write(blank);
    lines.write(bytes('late\n'));
    expect(sent).toEqual(['first', expect.stringMatching(/^\(more stderr of this call is not sent/)]);
    lines.endCall();
    lines.write(bytes('next call\n'));
    expect(sent.at(-1)).toBe('next call');
  });
});
