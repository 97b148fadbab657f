-- Cases (办件): the source of truth is each case's events, kept in the journal under the
-- subject `case:<id>`; the rows here are the current state and the indexes pages need.

-- The exact definition files a case was started with, so that a case in flight keeps its
-- plan after the catalogue moves on or the node restarts. Keyed by a hash of the files.
CREATE TABLE plan_sources (
    hash        TEXT PRIMARY KEY,
    plan_id     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    files       TEXT NOT NULL,
    created_ms  INTEGER NOT NULL
);

-- Named counters, e.g. the case numbers of a year.
CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);

CREATE TABLE cases (
    id                 TEXT PRIMARY KEY,
    number             TEXT NOT NULL UNIQUE,
    plan_id            TEXT NOT NULL,
    plan_version       INTEGER NOT NULL,
    plan_hash          TEXT NOT NULL REFERENCES plan_sources (hash),
    applicant_account  TEXT NOT NULL REFERENCES accounts (id),
    applicant_kind     TEXT NOT NULL,
    applicant_ref      TEXT NOT NULL,
    applicant_name     TEXT NOT NULL,
    status             TEXT NOT NULL,
    state              TEXT NOT NULL,
    materials          TEXT NOT NULL,
    version            INTEGER NOT NULL,
    idempotency_key    TEXT,
    created_ms         INTEGER NOT NULL,
    updated_ms         INTEGER NOT NULL,
    next_timer_ms      INTEGER,
    UNIQUE (applicant_account, idempotency_key)
);
CREATE INDEX cases_applicant ON cases (applicant_account, updated_ms);
CREATE INDEX cases_timer ON cases (next_timer_ms);

-- One row per task of a case, for the workbench's queue.
CREATE TABLE case_tasks (
    case_id       TEXT NOT NULL REFERENCES cases (id),
    step          TEXT NOT NULL,
    department    TEXT NOT NULL,
    role          TEXT NOT NULL,
    status        TEXT NOT NULL,
    deadline      TEXT NOT NULL,
    provisional   INTEGER NOT NULL,
    opened_ms     INTEGER NOT NULL,
    checks_passed INTEGER NOT NULL,
    PRIMARY KEY (case_id, step)
);
CREATE INDEX case_tasks_queue ON case_tasks (department, status, deadline);

-- A form being filled in, one per account and service.
CREATE TABLE drafts (
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    plan_id     TEXT NOT NULL,
    form        TEXT NOT NULL,
    materials   TEXT NOT NULL,
    updated_ms  INTEGER NOT NULL,
    PRIMARY KEY (account_id, plan_id)
);

-- Uploaded files, stored content-addressed on disk; a row per (file, uploader).
CREATE TABLE uploads (
    hash        TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    file_name   TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        INTEGER NOT NULL,
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (hash, account_id)
);

-- In-app notices (站内消息).
CREATE TABLE notices (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    case_id     TEXT REFERENCES cases (id),
    kind        TEXT NOT NULL,
    params      TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    read_ms     INTEGER
);
CREATE INDEX notices_account ON notices (account_id, created_ms);

-- Facts other systems hold about a person or enterprise (looked-up data for automated
-- checks), by subject: a resident ID or a credit code.
CREATE TABLE registry_facts (
    subject  TEXT NOT NULL,
    name     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (subject, name)
);

-- The working-day calendar loaded by the operations office, when it replaces the shipped one.
CREATE TABLE calendar_data (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    json       TEXT NOT NULL,
    loaded_ms  BIGINT NOT NULL
);
