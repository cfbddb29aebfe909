/**
 * Numbered, forward-only migrations. Never edit a released entry: add a new one.
 * The schema is the documentation: constraints say what a valid row is.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE components (
  id TEXT PRIMARY KEY CHECK (id GLOB '[a-z0-9]*' AND length(id) BETWEEN 1 AND 64),
  digest TEXT NOT NULL UNIQUE CHECK (digest GLOB 'sha256:*' AND length(digest) = 71),
  source_ref TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT,
  signature_status TEXT NOT NULL CHECK (signature_status IN ('verified', 'unsigned', 'allowed-unsigned', 'local')),
  publisher TEXT,
  requested_capabilities TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(requested_capabilities)),
  tools TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tools)),
  wit TEXT NOT NULL DEFAULT '',
  policy TEXT,
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  installed_at INTEGER NOT NULL
);

CREATE TABLE grants (
  id INTEGER PRIMARY KEY,
  component_id TEXT NOT NULL REFERENCES components(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('storage', 'network', 'environment')),
  target TEXT NOT NULL CHECK (length(target) > 0),
  access TEXT NOT NULL DEFAULT '' CHECK (access IN ('', 'read', 'write', 'read,write')),
  decided_by TEXT NOT NULL,
  decided_at INTEGER NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('once', 'session', 'always')),
  expires_at INTEGER,
  UNIQUE (component_id, kind, target)
);

CREATE TABLE calls (
  id TEXT PRIMARY KEY,
  component_id TEXT,
  tool TEXT NOT NULL,
  client TEXT,
  args_size INTEGER NOT NULL CHECK (args_size >= 0),
  args_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'error', 'denied', 'timeout', 'cancelled')),
  started_at INTEGER NOT NULL,
  duration_us INTEGER NOT NULL CHECK (duration_us >= 0),
  error TEXT,
  output TEXT
);
CREATE INDEX calls_started ON calls(started_at);

CREATE TABLE capability_events (
  id INTEGER PRIMARY KEY,
  call_id TEXT,
  component_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('storage', 'network', 'environment')),
  target TEXT NOT NULL,
  access TEXT NOT NULL DEFAULT '',
  decision TEXT NOT NULL CHECK (decision IN ('allowed', 'denied')),
  at INTEGER NOT NULL
);
CREATE INDEX capability_events_call ON capability_events(call_id);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT NOT NULL CHECK (json_valid(detail)),
  prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
  hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64)
);
`,
  },
  {
    version: 2,
    name: 'capability requests',
    sql: `
CREATE TABLE capability_requests (
  id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 4 AND 32),
  component_id TEXT NOT NULL REFERENCES components(id) ON DELETE CASCADE,
  call_id TEXT,
  kind TEXT NOT NULL CHECK (kind IN ('storage', 'network', 'environment')),
  target TEXT NOT NULL CHECK (length(target) > 0),
  access TEXT NOT NULL DEFAULT '' CHECK (access IN ('', 'read', 'write', 'read,write')),
  origin TEXT NOT NULL CHECK (origin IN ('runtime', 'mcp')),
  requested_by TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL CHECK (expires_at > requested_at),
  holder TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'allowed', 'denied', 'expired')),
  scope TEXT CHECK (scope IN ('once', 'session', 'always')),
  decided_by TEXT,
  decided_at INTEGER,
  CHECK ((status = 'pending') = (decided_at IS NULL)),
  CHECK ((status = 'allowed') = (scope IS NOT NULL))
);
CREATE INDEX capability_requests_status ON capability_requests(status, expires_at);

CREATE TABLE policy_deciders (
  session TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  pid INTEGER NOT NULL,
  seen_at INTEGER NOT NULL
);
`,
  },
  {
    version: 3,
    name: 'settings',
    sql: `
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL CHECK (json_valid(value))
);
`,
  },
  {
    version: 4,
    name: 'grant ids never reused',
    // A plain INTEGER PRIMARY KEY hands the largest id out again once its row is deleted, so a revoked
    // `g1` would come back naming another grant in the audit log and in scripts. AUTOINCREMENT never
    // reuses an id; the table is rebuilt because SQLite cannot add it to an existing key.
    sql: `
CREATE TABLE grants_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  component_id TEXT NOT NULL REFERENCES components(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('storage', 'network', 'environment')),
  target TEXT NOT NULL CHECK (length(target) > 0),
  access TEXT NOT NULL DEFAULT '' CHECK (access IN ('', 'read', 'write', 'read,write')),
  decided_by TEXT NOT NULL,
  decided_at INTEGER NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('once', 'session', 'always')),
  expires_at INTEGER,
  UNIQUE (component_id, kind, target)
);
INSERT INTO grants_new (id, component_id, kind, target, access, decided_by, decided_at, scope, expires_at)
  SELECT id, component_id, kind, target, access, decided_by, decided_at, scope, expires_at FROM grants;
DROP TABLE grants;
ALTER TABLE grants_new RENAME TO grants;
`,
  },
  {
    version: 5,
    name: 'grants bound to code',
    // A grant belongs to the code a person approved: rows made before this migration are bound to what
    // is installed now, which is what the person saw when they granted.
    sql: `
ALTER TABLE grants ADD COLUMN digest TEXT CHECK (digest IS NULL OR (digest GLOB 'sha256:*' AND length(digest) = 71));
ALTER TABLE grants ADD COLUMN signer TEXT;
UPDATE grants SET digest = (SELECT c.digest FROM components c WHERE c.id = grants.component_id),
  signer = (SELECT c.publisher FROM components c WHERE c.id = grants.component_id);
`,
  },
  {
    version: 6,
    name: 'load requests',
    sql: `
CREATE TABLE load_requests (
  id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 4 AND 32),
  ref TEXT NOT NULL CHECK (length(ref) BETWEEN 1 AND 2048),
  component_id TEXT NOT NULL CHECK (length(component_id) BETWEEN 1 AND 64),
  replaces TEXT,
  requested_by TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL CHECK (expires_at > requested_at),
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'allowed', 'denied', 'expired', 'failed')),
  decided_by TEXT,
  decided_at INTEGER,
  outcome TEXT,
  CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX load_requests_status ON load_requests(status, expires_at);
`,
  },
  {
    version: 7,
    name: 'argument previews',
    // What a call was asked to do, bounded and with secret-looking fields masked (mcp/args-preview.ts):
    // shown in the live log, and with a request so the person knows which call waits.
    sql: `
ALTER TABLE calls ADD COLUMN args TEXT CHECK (args IS NULL OR length(args) <= 4096);
ALTER TABLE capability_requests ADD COLUMN tool TEXT;
ALTER TABLE capability_requests ADD COLUMN client TEXT;
ALTER TABLE capability_requests ADD COLUMN args TEXT CHECK (args IS NULL OR length(args) <= 4096);
`,
  },
  {
    version: 8,
    name: 'invalid call status',
    // Calls refused by argument validation are logged too, under their own status. SQLite cannot change
    // a CHECK in place, so the table is rebuilt with the same columns.
    sql: `
CREATE TABLE calls_new (
  id TEXT PRIMARY KEY,
  component_id TEXT,
  tool TEXT NOT NULL,
  client TEXT,
  args_size INTEGER NOT NULL CHECK (args_size >= 0),
  args_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'error', 'denied', 'invalid', 'timeout', 'cancelled')),
  started_at INTEGER NOT NULL,
  duration_us INTEGER NOT NULL CHECK (duration_us >= 0),
  error TEXT,
  output TEXT,
  args TEXT CHECK (args IS NULL OR length(args) <= 4096)
);
INSERT INTO calls_new (id, component_id, tool, client, args_size, args_hash, status, started_at, duration_us, error, output, args)
  SELECT id, component_id, tool, client, args_size, args_hash, status, started_at, duration_us, error, output, args FROM calls;
DROP TABLE calls;
ALTER TABLE calls_new RENAME TO calls;
CREATE INDEX calls_started ON calls(started_at);
`,
  },
];
