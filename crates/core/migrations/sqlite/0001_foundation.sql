-- The journal: every change of state, as canonical JSON, with its RFC 6962 leaf hash.
CREATE TABLE journal_entries (
    idx        INTEGER PRIMARY KEY,
    ts_ms      INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    leaf_hash  BLOB NOT NULL
);
CREATE INDEX journal_entries_subject ON journal_entries (subject, idx);
CREATE INDEX journal_entries_actor ON journal_entries (actor, idx);

CREATE TABLE journal_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    next_idx  INTEGER NOT NULL
);
INSERT INTO journal_head (id, next_idx) VALUES (1, 0);

CREATE TABLE journal_checkpoints (
    size   INTEGER PRIMARY KEY,
    root   BLOB NOT NULL,
    note   TEXT NOT NULL,
    ts_ms  INTEGER NOT NULL
);

-- Keys the platform signs with (journal checkpoints now; licence issuers later).
CREATE TABLE signing_keys (
    id          TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,
    name        TEXT NOT NULL,
    seed        BLOB NOT NULL,
    public_key  BLOB NOT NULL,
    created_ms  INTEGER NOT NULL,
    retired_ms  INTEGER
);

CREATE TABLE departments (
    code         TEXT PRIMARY KEY,
    name_zh      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    parent_code  TEXT REFERENCES departments (code),
    credit_code  TEXT NOT NULL UNIQUE,
    created_ms   INTEGER NOT NULL
);

CREATE TABLE persons (
    id           TEXT PRIMARY KEY,
    resident_id  TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    phone        TEXT,
    address      TEXT,
    created_ms   INTEGER NOT NULL
);

CREATE TABLE enterprises (
    id                  TEXT PRIMARY KEY,
    credit_code         TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    legal_rep_person_id TEXT NOT NULL REFERENCES persons (id),
    address             TEXT,
    created_ms          INTEGER NOT NULL
);

CREATE TABLE accounts (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    person_id      TEXT REFERENCES persons (id),
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_ms     INTEGER NOT NULL
);

CREATE TABLE enterprise_agents (
    enterprise_id  TEXT NOT NULL REFERENCES enterprises (id),
    person_id      TEXT NOT NULL REFERENCES persons (id),
    since_ms       INTEGER NOT NULL,
    PRIMARY KEY (enterprise_id, person_id)
);

-- A role of an account; department_code is '' for roles that span the city.
CREATE TABLE role_grants (
    account_id       TEXT NOT NULL REFERENCES accounts (id),
    role             TEXT NOT NULL,
    department_code  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, role, department_code)
);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    csrf          TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    address       TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
