// fetch() is StarlingMonkey's, built on wasi:http/outgoing-handler: the host decides which hosts it
// reaches. componentize-js runs the event loop until an exported async function's promise settles.
const MAX_CHARS = 1024 * 1024;
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
    const body = await read(response, current);
    if (!response.ok) {
      const excerpt = body.trim().slice(0, 500);
      throw `${current} answered HTTP ${response.status} ${response.statusText}${excerpt ? `: ${excerpt}` : ''}`;
    }
    return body.length > MAX_CHARS ? `${body.slice(0, MAX_CHARS)}\n[cut: the body has ${body.length} characters]` : body;
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

async function read(response, url) {
  try {
    return await response.text();
  } catch (err) {
    throw `reading the body of ${url} failed: ${err?.message ?? err}`;
  }
}
