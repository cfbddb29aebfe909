// fetch() is StarlingMonkey's, built on wasi:http/outgoing-handler: the host decides which hosts it
// reaches. componentize-js runs the event loop until an exported async function's promise settles.
const MAX_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;
const REDIRECT = new Set([301, 302, 303, 307, 308]);

export async function fetchText(url) {
  let current = checkedUrl(url, 'not a valid URL');
  // StarlingMonkey's fetch() hands redirects back instead of following them. Following them here
  // means each hop is its own outgoing request, which the host checks against the granted hosts.
  for (let hop = 0; ; hop++) {
    const response = await get(current);
    const location = response.headers.get('location');
    if (REDIRECT.has(response.status) && location) {
      if (hop === MAX_REDIRECTS) throw `${url} redirected more than ${MAX_REDIRECTS} times`;
      current = checkedUrl(new URL(location, current).href, `${current} redirected to an invalid URL`);
      continue;
    }
    const { text, cut } = await read(response, current);
    if (!response.ok) {
      const excerpt = text.trim().slice(0, 500);
      throw `${current} answered HTTP ${response.status} ${response.statusText}${excerpt ? `: ${excerpt}` : ''}`;
    }
    return cut ? `${text}\n[cut: the body is longer than ${MAX_BYTES} bytes]` : text;
  }
}

function checkedUrl(text, invalid) {
  let parsed;
  try {
    parsed = new URL(text);
  } catch {
    throw `${invalid}: ${text}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw `only http:// and https:// URLs can be fetched, not ${parsed.protocol} (${text})`;
  return parsed.href;
}

async function get(url) {
  try {
    return await fetch(url, { redirect: 'manual' });
  } catch (err) {
    throw `fetching ${url} failed: ${err?.message ?? err}`;
  }
}

/** Reads at most MAX_BYTES of the body, so a huge response cannot exhaust the guest's memory. */
async function read(response, url) {
  const decoder = new TextDecoder();
  let text = '';
  let received = 0;
  try {
    if (!response.body) return { text, cut: false };
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text: text + decoder.decode(), cut: false };
      const room = MAX_BYTES - received;
      text += decoder.decode(value.subarray(0, room), { stream: true });
      received += Math.min(value.length, room);
      if (value.length > room) {
        await reader.cancel();
        return { text: text + decoder.decode(), cut: true };
      }
    }
  } catch (err) {
    throw `reading the body of ${url} failed: ${err?.message ?? err}`;
  }
}
