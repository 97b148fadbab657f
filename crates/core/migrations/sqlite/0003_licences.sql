-- E-licences (电子证照): issuer and holder keys (private halves sealed with the master
-- key), licences, their status list entries, and the counters that number them.

-- One row sealed with the master key, so a wrong key is refused at start, not at first use.
CREATE TABLE licence_master_check (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    sealed      BLOB NOT NULL,
    created_ms  INTEGER NOT NULL
);

-- A department's signing keys. The newest key without retired_ms signs; every key stays
-- published so that licences signed before a rotation still verify.
CREATE TABLE licence_issuer_keys (
    kid              TEXT PRIMARY KEY,
    department_code  TEXT NOT NULL REFERENCES departments (code),
    alg              TEXT NOT NULL,
    public_jwk       TEXT NOT NULL,
    sealed_private   BLOB NOT NULL,
    created_ms       INTEGER NOT NULL,
    retired_ms       INTEGER
);
CREATE INDEX licence_issuer_keys_department ON licence_issuer_keys (department_code, created_ms);

-- Custodial holder keys: one per person or enterprise (holder = person:<id> | enterprise:<id>).
CREATE TABLE licence_holder_keys (
    holder          TEXT PRIMARY KEY,
    kid             TEXT NOT NULL UNIQUE,
    public_jwk      TEXT NOT NULL,
    sealed_private  BLOB NOT NULL,
    created_ms      INTEGER NOT NULL
);

-- A department's status lists; version changes with every status change in the list.
CREATE TABLE licence_status_lists (
    department_code  TEXT NOT NULL REFERENCES departments (code),
    list_no          INTEGER NOT NULL,
    size             INTEGER NOT NULL,
    next_idx         INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    updated_ms       INTEGER NOT NULL,
    PRIMARY KEY (department_code, list_no)
);

-- The next serial number of each licence type at each issuing department.
CREATE TABLE licence_serials (
    type_id          TEXT NOT NULL,
    department_code  TEXT NOT NULL REFERENCES departments (code),
    next_serial      INTEGER NOT NULL,
    PRIMARY KEY (type_id, department_code)
);

-- Issued licences. status: 0 valid, 1 revoked (吊销/撤销), 2 suspended (暂扣).
CREATE TABLE licences (
    id               TEXT PRIMARY KEY,
    identifier       TEXT NOT NULL UNIQUE,
    type_id          TEXT NOT NULL,
    department_code  TEXT NOT NULL REFERENCES departments (code),
    issuer_kid       TEXT NOT NULL REFERENCES licence_issuer_keys (kid),
    holder           TEXT NOT NULL,
    case_id          TEXT,
    sd_jwt           TEXT NOT NULL,
    list_no          INTEGER NOT NULL,
    status_idx       INTEGER NOT NULL,
    status           INTEGER NOT NULL DEFAULT 0,
    status_reason    TEXT,
    issued_ms        INTEGER NOT NULL,
    expires_ms       INTEGER,
    updated_ms       INTEGER NOT NULL,
    UNIQUE (department_code, list_no, status_idx)
);
CREATE INDEX licences_holder ON licences (holder, issued_ms);
CREATE INDEX licences_department ON licences (department_code, issued_ms);
