const MAX_PER_CALL = 5;
/** A note names a guest-chosen path: it is cut, so a tool result never carries megabytes of it. */
const MAX_NOTE_CHARS = 600;
/** Calls whose notes were never taken (a worker killed mid-call) are forgotten beyond this many. */
const MAX_CALLS = 256;

/**
 * What Weld refused during each running call. The guest only gets a WASI error code, which it may
 * swallow or reword; the tool result carries these notes so the person sees what was refused, why,
 * and the `weld grant` command that would allow it.
 */
export class CallDenials {
  readonly #byCall = new Map<string, string[]>();
  /** Told each new note of a running call as it is made (its client's log). */
  readonly #watchers = new Map<string, (note: string) => void>();

  /** Calls `onNote` with each note `callId` gets from now on, until the returned function is called. */
  watch(callId: string, onNote: (note: string) => void): () => void {
    this.#watchers.set(callId, onNote);
    return () => this.#watchers.delete(callId);
  }

  add(callId: string | null, text: string): void {
    if (callId === null) return;
    const note = text.length > MAX_NOTE_CHARS ? `${text.slice(0, MAX_NOTE_CHARS)}… (cut)` : text;
    let notes = this.#byCall.get(callId);
    if (!notes) {
      if (this.#byCall.size >= MAX_CALLS) this.#byCall.delete(this.#byCall.keys().next().value as string);
      notes = [];
      this.#byCall.set(callId, notes);
    }
    // A guest retrying in a loop must not turn one refusal into a wall of text.
    if (notes.length < MAX_PER_CALL && !notes.includes(note)) {
      notes.push(note);
      this.#watchers.get(callId)?.(note);
    }
  }

  take(callId: string): string[] {
    const notes = this.#byCall.get(callId) ?? [];
    this.#byCall.delete(callId);
    return notes;
  }
}

/** The text block appended to a tool result whose call was refused something. */
export function denialText(notes: readonly string[]): string {
  return `Weld denied this tool:\n${notes.map((n) => `- ${n}`).join('\n')}`;
}
