import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../test/api.js';

describe('which MCP clients may ask the person, from the UI', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await startTestApi();
  });
  afterEach(() => t.stop());

  it('adds and removes a client by name, each change in the audit log under the person who made it', async () => {
    expect((await t.call('settings.get', {})).promptClients).toEqual([]);
    expect(await t.call('settings.setPromptClient', { name: ' claude-ai ', trusted: true })).toEqual({
      promptClients: ['claude-ai'],
    });
    await t.call('settings.setPromptClient', { name: 'Visual Studio Code', trusted: true });
    expect((await t.call('settings.get', {})).promptClients).toEqual(['claude-ai', 'Visual Studio Code']);
    expect(await t.call('settings.setPromptClient', { name: 'claude-ai', trusted: false })).toEqual({
      promptClients: ['Visual Studio Code'],
    });
    const changes = (await t.call('audit.list', { action: 'settings.changed' })).map((e) => [e.actor, e.detail]);
    expect(changes).toEqual(
      expect.arrayContaining([
        ['user:web-ui', { client: 'claude-ai', mayAsk: true }],
        ['user:web-ui', { client: 'claude-ai', mayAsk: false }],
      ]),
    );
  });

  it('refuses an empty name or one with control characters, and changes nothing', async () => {
    await expect(t.call('settings.setPromptClient', { name: '  ', trusted: true })).rejects.toMatchObject({ code: 'bad-input' });
    await expect(t.call('settings.setPromptClient', { name: 'evil\nclient', trusted: true })).rejects.toMatchObject({
      code: 'bad-input',
    });
    expect((await t.call('settings.get', {})).promptClients).toEqual([]);
  });
});
