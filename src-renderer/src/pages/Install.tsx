import * as Switch from '@radix-ui/react-switch';
import { useQueryClient } from '@tanstack/react-query';
import { type DragEvent, type FormEvent, useId, useMemo, useState } from 'react';
import type { z } from 'zod';
import {
  type InstallPreview,
  MAX_UPLOAD_BYTES,
  type OciInspection,
  type TrustOnce as TrustOnceSchema,
} from '../../../src-preload/api.js';
import { withOciScheme } from '../../../src-preload/deep-link.js';
import {
  approvals,
  byRisk,
  canApproveInAdvance,
  describeCapability,
  folderOf,
  folderTarget,
  installLabel,
} from '../capabilities.js';
import { formatBytes } from '../format.js';
import { ErrorNote } from '../ui/EmptyState.js';
import { ToolList } from '../ui/ToolList.js';
import { useApi, useWeld } from '../weld-context.js';
import { useDebounced } from './LiveLog.js';
import { SignatureNotice } from './SignatureNotice.js';

type Preview = z.infer<typeof InstallPreview>;
type Inspection = z.infer<typeof OciInspection>;
type TrustOnce = z.input<typeof TrustOnceSchema>;
type Stage = 'idle' | 'reading' | 'inspecting' | 'pulling' | 'analysing' | 'installing';

const STAGE_TEXT: Record<Exclude<Stage, 'idle'>, string> = {
  reading: 'Reading the file…',
  inspecting: 'Looking up the component and checking its signature…',
  pulling: 'Downloading and verifying the component, then reading its tools…',
  analysing: 'Reading its tools and what it asks for…',
  installing: 'Installing and preparing it to run…',
};

const SIGNATURE: Record<Preview['signatureStatus'], { label: string; tone: string; explain: string }> = {
  verified: {
    label: 'Signature verified',
    tone: 'ok',
    explain: 'Signed by the publisher named here, whom you trust; the bytes are exactly what they signed.',
  },
  local: { label: 'Local file', tone: 'neutral', explain: 'From your computer: no signature says who made it.' },
  'allowed-unsigned': {
    label: 'Unsigned (you chose to trust it)',
    tone: 'warn',
    explain: 'No trusted signature: you chose to install it because you trust where it comes from.',
  },
  unsigned: { label: 'Unsigned', tone: 'bad', explain: 'No trusted signature says who made it.' },
};

interface FileChoice {
  wasm: File | null;
  policy: File | null;
}

/**
 * The Install page: pick a component, see exactly what it asks for, then install and allow with one click.
 * A link's reference only fills in the field: checking and installing stay the person's clicks.
 */
export function InstallPage({ prefill }: { prefill: { ref: string; nonce: number } | null }) {
  const client = useWeld();
  const queryClient = useQueryClient();
  const [ref, setRef] = useState(prefill?.ref ?? '');
  const [fromLink, setFromLink] = useState(Boolean(prefill));
  const [files, setFiles] = useState<FileChoice>({ wasm: null, policy: null });
  const [stage, setStage] = useState<Stage>('idle');
  const [error, setError] = useState<Error | null>(null);
  const [unsigned, setUnsigned] = useState<{ ref: string; inspection: Inspection } | null>(null);
  const [preview, setPreview] = useState<{ preview: Preview; inspection: Inspection | null } | null>(null);
  const [installed, setInstalled] = useState<{ id: string; granted: number; unchanged: boolean } | null>(null);
  const ids = { ref: useId(), wasm: useId(), policy: useId(), search: useId() };

  const busy = stage !== 'idle';

  function reset(): void {
    setPreview(null);
    setError(null);
    setUnsigned(null);
    setInstalled(null);
  }

  async function run<T>(first: Stage, work: () => Promise<T>): Promise<T | undefined> {
    reset();
    setStage(first);
    try {
      return await work();
    } catch (err) {
      setError(err as Error);
      return undefined;
    } finally {
      setStage('idle');
    }
  }

  async function checkRef(target: string, how: { allowUnsigned?: boolean; trustOnce?: TrustOnce } = {}): Promise<void> {
    // `ghcr.io/owner/tool:1.0` means the registry, not a file of that name wherever Weld runs.
    const text = withOciScheme(target) ?? target.trim();
    if (!text) return;
    if (text !== ref) setRef(text);
    setFromLink(false);
    await run(text.startsWith('oci://') ? 'inspecting' : 'analysing', async () => {
      let inspection: Inspection | null = null;
      if (text.startsWith('oci://')) {
        inspection = await client.invoke('registry.inspect', { ref: text, trustOnce: how.trustOnce });
        if (!inspection.signature.verified && !how.allowUnsigned) {
          setUnsigned({ ref: text, inspection });
          return;
        }
        setStage('pulling');
      }
      const p = await client.invoke('components.analyze', { source: { kind: 'ref', ref: text, ...how } });
      setPreview({ preview: p, inspection });
    });
  }

  async function checkFile(): Promise<void> {
    const { wasm, policy } = files;
    if (!wasm) return;
    await run('reading', async () => {
      if (wasm.size > MAX_UPLOAD_BYTES) {
        throw new Error(
          `${wasm.name} is ${formatBytes(wasm.size)}; files up to ${formatBytes(MAX_UPLOAD_BYTES)} can be installed here.`,
        );
      }
      const [wasmBase64, policyYaml] = await Promise.all([readBase64(wasm), policy ? policy.text() : undefined]);
      setStage('analysing');
      const p = await client.invoke('components.analyze', {
        source: { kind: 'upload', fileName: wasm.name, wasmBase64, policyYaml },
      });
      setPreview({ preview: p, inspection: null });
    });
  }

  async function install(approve: ReturnType<typeof approvals>): Promise<void> {
    if (!preview) return;
    const previewId = preview.preview.previewId;
    setStage('installing');
    setError(null);
    try {
      const done = await client.invoke('components.install', { previewId, approve });
      setInstalled({ id: done.component.id, granted: done.granted.length, unchanged: done.unchanged });
      setPreview(null);
      for (const key of ['components.list', 'grants.list', 'audit.list', 'audit.verify']) {
        queryClient.invalidateQueries({ queryKey: [key] });
      }
    } catch (err) {
      setError(err as Error);
    } finally {
      setStage('idle');
    }
  }

  return (
    <section aria-labelledby="install-heading" className="page">
      <header className="page-header">
        <h1 id="install-heading">Install</h1>
        <p className="page-sub">Add a tool from a registry or a file. Nothing is installed or allowed until you click Install.</p>
      </header>

      {!preview && !installed && (
        <div className="install-sources">
          <form
            className="panel"
            aria-labelledby={`${ids.ref}-title`}
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              void checkRef(ref);
            }}
          >
            <h2 id={`${ids.ref}-title`} className="section-title">
              From a registry
            </h2>
            {fromLink && (
              <p className="notice" role="note">
                A link asked to install this component. Check what it asks for before you install it.
              </p>
            )}
            <label htmlFor={ids.ref}>OCI reference or file path</label>
            <div className="field-row">
              <input
                id={ids.ref}
                type="text"
                className="text-input"
                placeholder="oci://ghcr.io/owner/tool:1.0"
                value={ref}
                spellCheck={false}
                autoComplete="off"
                onChange={(e) => setRef(e.target.value)}
              />
              <button type="submit" className="button primary" disabled={busy || !ref.trim()}>
                Check
              </button>
            </div>
            {withOciScheme(ref) && (
              <p className="muted small">Registry references start with oci://: Check looks up {withOciScheme(ref)}.</p>
            )}
            <CatalogSearch
              id={ids.search}
              disabled={busy}
              onPick={(uri) => {
                setRef(uri);
                void checkRef(uri);
              }}
            />
          </form>

          <FilePanel ids={ids} files={files} setFiles={setFiles} disabled={busy} onCheck={() => void checkFile()} />
        </div>
      )}

      {busy && (
        <p className="progress" role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" />
          {STAGE_TEXT[stage as Exclude<Stage, 'idle'>]}
        </p>
      )}

      {error && <Refusal error={error} onBack={reset} />}

      {unsigned && (
        <SignatureNotice
          inspection={unsigned.inspection}
          busy={busy}
          onTrusted={(once) => void checkRef(unsigned.ref, once ? { trustOnce: once } : {})}
          onContinueUnsigned={() => void checkRef(unsigned.ref, { allowUnsigned: true })}
          onBack={reset}
        />
      )}

      {preview && (
        <PreviewCard
          key={preview.preview.previewId}
          preview={preview.preview}
          inspection={preview.inspection}
          busy={busy}
          onInstall={(approve) => void install(approve)}
          onCancel={reset}
        />
      )}

      {installed && (
        <div className="panel success" role="status">
          <h2 className="card-title">
            {installed.unchanged ? `${installed.id} was already installed` : `${installed.id} is installed`}
          </h2>
          <p>
            {installed.granted === 0
              ? 'It was allowed nothing yet: Weld asks you when it needs something.'
              : `You allowed ${installed.granted} ${installed.granted === 1 ? 'permission' : 'permissions'}.`}{' '}
            Its tools are offered to your MCP clients now.
          </p>
          <div className="row-actions">
            <a className="button primary" href="#tools">
              See it in Tools
            </a>
            <button type="button" className="button" onClick={reset}>
              Install another
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

function CatalogSearch({ id, disabled, onPick }: { id: string; disabled: boolean; onPick: (uri: string) => void }) {
  const [text, setText] = useState('');
  const query = useDebounced(text.trim(), 250);
  const results = useApi('catalog.search', { query: query || ' ' }, { enabled: query.length > 0 });
  return (
    <div className="catalog">
      <label htmlFor={id}>Or search the catalog</label>
      <input id={id} type="search" placeholder="weather, github, files…" value={text} onChange={(e) => setText(e.target.value)} />
      <ErrorNote error={query ? results.error : null} />
      {query && results.data?.length === 0 && <p className="muted">No catalog entry matches “{query}”.</p>}
      {query && results.data && results.data.length > 0 && (
        <ul className="catalog-results" aria-label="Catalog results">
          {results.data.map((r) => (
            <li key={r.uri}>
              <div>
                <strong>{r.name}</strong> <span className="muted">{r.description}</span>
                <div className="mono muted">{r.uri}</div>
              </div>
              <button type="button" className="button" disabled={disabled} onClick={() => onPick(r.uri)}>
                Check <span className="sr-only">{r.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function FilePanel(props: {
  ids: { wasm: string; policy: string };
  files: FileChoice;
  setFiles: (f: FileChoice) => void;
  disabled: boolean;
  onCheck: () => void;
}) {
  const { ids, files, setFiles } = props;
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const dropped = [...e.dataTransfer.files];
    const wasm = dropped.find((f) => f.name.endsWith('.wasm')) ?? null;
    const policy = dropped.find((f) => /\.ya?ml$/i.test(f.name)) ?? null;
    setFiles({ wasm: wasm ?? files.wasm, policy: policy ?? files.policy });
  };
  return (
    <section
      className={`panel dropzone${over ? ' over' : ''}`}
      aria-labelledby={`${ids.wasm}-title`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <h2 id={`${ids.wasm}-title`} className="section-title">
        From a file
      </h2>
      <p className="muted">Drop a component (.wasm) here, with its policy.yaml if it has one, or choose the files.</p>
      <div className="file-fields">
        <label htmlFor={ids.wasm}>Component (.wasm)</label>
        <input
          id={ids.wasm}
          type="file"
          accept=".wasm,application/wasm"
          onChange={(e) => setFiles({ ...files, wasm: e.target.files?.[0] ?? null })}
        />
        <label htmlFor={ids.policy}>Policy (optional)</label>
        <input
          id={ids.policy}
          type="file"
          accept=".yaml,.yml"
          onChange={(e) => setFiles({ ...files, policy: e.target.files?.[0] ?? null })}
        />
      </div>
      {files.wasm && (
        <p className="muted" aria-live="polite">
          Chosen: {files.wasm.name} ({formatBytes(files.wasm.size)}){files.policy ? ` with ${files.policy.name}` : ', no policy'}
        </p>
      )}
      <div>
        <button type="button" className="button primary" disabled={props.disabled || !files.wasm} onClick={props.onCheck}>
          Check file
        </button>
      </div>
    </section>
  );
}

function Refusal({ error, onBack }: { error: Error; onBack: () => void }) {
  return (
    <div className="panel refusal" role="alert">
      <h2 className="card-title">Not installed</h2>
      <p>{error.message}</p>
      <div>
        <button type="button" className="button" onClick={onBack}>
          Try again
        </button>
      </div>
    </div>
  );
}

type Cap = Preview['requestedCapabilities'][number] & { key: string };

function PreviewCard(props: {
  preview: Preview;
  inspection: Inspection | null;
  busy: boolean;
  onInstall: (approve: ReturnType<typeof approvals>) => void;
  onCancel: () => void;
}) {
  const p = props.preview;
  const caps: Cap[] = useMemo(
    () => byRisk(p.requestedCapabilities).map((c, i) => ({ ...c, key: `${i}:${c.kind}:${c.target}` })),
    [p.requestedCapabilities],
  );
  // One click approves everything that can be approved; each one can be switched off.
  const [on, setOn] = useState<Set<string>>(() => new Set(caps.filter(canApproveInAdvance).map((c) => c.key)));
  const [folders, setFolders] = useState<Map<string, string>>(new Map());
  const folderErrors = new Map<string, string>();
  const chosen = new Map<string, string>();
  const emptyFolders = new Set<string>();
  for (const [key, text] of folders) {
    // A field just opened is not wrong yet: it only holds the install back until a folder is typed.
    if (!text.trim()) {
      emptyFolders.add(key);
      continue;
    }
    const r = folderTarget(text);
    if ('error' in r) folderErrors.set(key, r.error);
    else chosen.set(key, r.target);
  }
  const approve = approvals(caps, on, chosen);
  const blocked = [...folderErrors.keys(), ...emptyFolders].some((k) => on.has(k));
  const sig = SIGNATURE[p.signatureStatus];
  const toggle = (key: string, value: boolean) => {
    const next = new Set(on);
    if (value) next.add(key);
    else next.delete(key);
    setOn(next);
  };

  return (
    <article className="card preview" aria-labelledby="preview-title">
      <div className="card-head">
        <div>
          <h2 id="preview-title" className="card-title">
            {p.id} {p.version && <span className="muted">{p.version}</span>}
          </h2>
          <p className="meta">
            <span className={`badge ${sig.tone}`}>{sig.label}</span>
            {p.publisher && <span className="publisher">by {p.publisher}</span>}
          </p>
          <p className="muted small">{sig.explain}</p>
        </div>
      </div>
      <dl className="facts">
        <dt>Source</dt>
        <dd className="mono">{p.sourceRef}</dd>
        <dt>Digest</dt>
        <dd className="mono">{p.digest}</dd>
        <dt>Size</dt>
        <dd>{formatBytes(p.size)}</dd>
        <dt>Installs as</dt>
        <dd>
          <code>{p.id}</code>
          {p.alreadyInstalledAs && <span className="muted"> (already installed: installing changes nothing)</span>}
          {p.replacesDigest && <span className="muted"> (replaces the installed version {p.replacesDigest.slice(7, 19)})</span>}
        </dd>
        <dt>Policy</dt>
        <dd>{p.hasPolicy ? 'Included: it lists what the tool asks for' : 'None: asks are read from what it imports'}</dd>
      </dl>
      <div className="card-cols">
        <ToolList tools={p.tools} />
        <div>
          <h3 className="section-title">Asks to</h3>
          {caps.length === 0 ? (
            <p className="muted">Nothing: no files, network or environment.</p>
          ) : (
            <ul className="approve-list">
              {caps.map((c) => (
                <CapabilityRow
                  key={c.key}
                  cap={c}
                  on={on.has(c.key)}
                  onToggle={(v) => toggle(c.key, v)}
                  folder={folders.get(c.key)}
                  folderError={folderErrors.get(c.key)}
                  onFolder={(text) => {
                    const next = new Map(folders);
                    if (text === undefined) next.delete(c.key);
                    else next.set(c.key, text);
                    setFolders(next);
                  }}
                />
              ))}
            </ul>
          )}
        </div>
      </div>
      <div className="install-actions">
        <button
          type="button"
          className="button primary"
          disabled={props.busy || blocked}
          onClick={() => props.onInstall(approve)}
        >
          {installLabel(approve.length)}
        </button>
        <button type="button" className="button subtle" disabled={props.busy} onClick={props.onCancel}>
          Cancel
        </button>
        {blocked && (
          <span className={folderErrors.size ? 'field-error' : 'muted'}>
            {folderErrors.size
              ? 'Fix the folder above, or switch that permission off.'
              : 'Type the folder to share, or switch that permission off.'}
          </span>
        )}
      </div>
    </article>
  );
}

function CapabilityRow(props: {
  cap: Cap;
  on: boolean;
  onToggle: (v: boolean) => void;
  folder: string | undefined;
  folderError: string | undefined;
  onFolder: (text: string | undefined) => void;
}) {
  const { cap } = props;
  const id = useId();
  const approvable = canApproveInAdvance(cap);
  const editing = props.folder !== undefined;
  // Words and risk follow the folder the person typed, once it is a usable one.
  const chosen = editing && !props.folderError ? folderTarget(props.folder ?? '') : null;
  const d = describeCapability(chosen && 'target' in chosen ? { ...cap, target: chosen.target } : cap);
  return (
    <li className={`approve-item${props.on ? '' : ' off'}`}>
      <div className="approve-main">
        {approvable ? (
          <Switch.Root className="switch" checked={props.on} onCheckedChange={props.onToggle} aria-label={`Allow: ${d.text}`}>
            <Switch.Thumb className="switch-thumb" />
          </Switch.Root>
        ) : (
          <span className="badge neutral">Asked when used</span>
        )}
        <span className={`risk ${d.risk}`}>{d.risk}</span>
        <span>{d.text}</span>
      </div>
      {approvable && cap.kind === 'storage' && (
        <div className="folder">
          {editing ? (
            <>
              <label htmlFor={id}>Folder to share instead</label>
              <input
                id={id}
                type="text"
                className="text-input"
                value={props.folder}
                spellCheck={false}
                aria-invalid={Boolean(props.folderError)}
                aria-describedby={props.folderError ? `${id}-error` : undefined}
                onChange={(e) => props.onFolder(e.target.value)}
              />
              <button type="button" className="button subtle" onClick={() => props.onFolder(undefined)}>
                Use the requested folder
              </button>
              {props.folderError && (
                <span id={`${id}-error`} className="field-error">
                  {props.folderError}
                </span>
              )}
            </>
          ) : (
            <button
              type="button"
              className="link"
              onClick={() => props.onFolder(/^fs:\/\/[/~]/.test(cap.target) ? folderOf(cap.target) : '')}
            >
              Choose another folder<span className="sr-only"> for: {d.text}</span>
            </button>
          )}
        </div>
      )}
    </li>
  );
}

/** Base64 of a file without building a huge string by hand: the browser encodes data URLs natively. */
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(new Error(`Could not read ${file.name}.`));
    reader.readAsDataURL(file);
  });
}
