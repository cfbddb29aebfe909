import { describe, expect, it } from 'vitest';
import { fillOptionalValues } from './run-command.js';

describe('options with an optional value', () => {
  it('reads a bare --socket as "use the default", before another option or at the end', () => {
    expect(fillOptionalValues(['--socket', '--http'], ['socket', 'http'])).toEqual(['--socket=', '--http=']);
    expect(fillOptionalValues(['--stdio', '--socket'], ['socket'])).toEqual(['--stdio', '--socket=']);
  });

  it('keeps a value that is given, in either spelling', () => {
    expect(fillOptionalValues(['--socket', '/tmp/w.sock', '--http=8080'], ['socket', 'http'])).toEqual([
      '--socket',
      '/tmp/w.sock',
      '--http=8080',
    ]);
  });
});
