-- The data hub (数据中台): datasets, their versions (Parquet files on disk, named by
-- their SHA-256), rule sets, quality runs, confirmed classification, repair lineage,
-- sharing grants and the scorecard thresholds.
CREATE TABLE datasets (
    id                TEXT PRIMARY KEY,
    owner_department  TEXT NOT NULL REFERENCES departments (code),
    name_zh           TEXT NOT NULL,
    name_en           TEXT NOT NULL,
    description       TEXT NOT NULL,
    update_frequency  TEXT NOT NULL,
    keywords          TEXT NOT NULL,
    theme             TEXT NOT NULL,
    license           TEXT NOT NULL,
    is_open           BIGINT NOT NULL DEFAULT 0,
    data_level        TEXT,
    current_version   BIGINT NOT NULL DEFAULT 0,
    created_by        TEXT NOT NULL,
    created_ms        BIGINT NOT NULL,
    updated_ms        BIGINT NOT NULL
);
CREATE INDEX datasets_owner ON datasets (owner_department);

CREATE TABLE dataset_versions (
    dataset_id      TEXT NOT NULL REFERENCES datasets (id),
    version         BIGINT NOT NULL,
    file_sha256     TEXT NOT NULL,
    file_bytes      BIGINT NOT NULL,
    row_count       BIGINT NOT NULL,
    schema_json     TEXT NOT NULL,
    source          TEXT NOT NULL,
    bad_rows_json   TEXT NOT NULL,
    profile_json    TEXT NOT NULL,
    suggested_json  TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_ms      BIGINT NOT NULL,
    PRIMARY KEY (dataset_id, version)
);

CREATE TABLE dataset_rulesets (
    dataset_id  TEXT NOT NULL REFERENCES datasets (id),
    revision    BIGINT NOT NULL,
    body        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    saved_by    TEXT NOT NULL,
    saved_ms    BIGINT NOT NULL,
    PRIMARY KEY (dataset_id, revision)
);

-- Scores are stored in hundredths of a point (0–10000).
CREATE TABLE quality_runs (
    id                TEXT PRIMARY KEY,
    dataset_id        TEXT NOT NULL REFERENCES datasets (id),
    version           BIGINT NOT NULL,
    ruleset_revision  BIGINT NOT NULL,
    owner_department  TEXT NOT NULL,
    score_centi       BIGINT NOT NULL,
    report_json       TEXT NOT NULL,
    run_by            TEXT NOT NULL,
    run_ms            BIGINT NOT NULL
);
CREATE INDEX quality_runs_dataset ON quality_runs (dataset_id, version, run_ms);
CREATE INDEX quality_runs_department ON quality_runs (owner_department, run_ms);

CREATE TABLE dataset_columns (
    dataset_id    TEXT NOT NULL REFERENCES datasets (id),
    column_name   TEXT NOT NULL,
    sensitivity   TEXT NOT NULL,
    mask          TEXT NOT NULL,
    confirmed_by  TEXT NOT NULL,
    confirmed_ms  BIGINT NOT NULL,
    PRIMARY KEY (dataset_id, column_name)
);

CREATE TABLE dataset_lineage (
    dataset_id      TEXT NOT NULL REFERENCES datasets (id),
    version         BIGINT NOT NULL,
    parent_version  BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    rules_json      TEXT NOT NULL,
    changed_cells   BIGINT NOT NULL,
    removed_rows    BIGINT NOT NULL,
    approved_by     TEXT NOT NULL,
    approved_ms     BIGINT NOT NULL,
    PRIMARY KEY (dataset_id, version)
);

CREATE TABLE data_grants (
    id                  TEXT PRIMARY KEY,
    dataset_id          TEXT NOT NULL REFERENCES datasets (id),
    grantee_department  TEXT NOT NULL REFERENCES departments (code),
    requested_by        TEXT NOT NULL,
    columns_json        TEXT NOT NULL,
    row_filter          TEXT NOT NULL,
    purpose             TEXT NOT NULL,
    unmasked            BIGINT NOT NULL,
    valid_from_ms       BIGINT NOT NULL,
    valid_until_ms      BIGINT NOT NULL,
    status              TEXT NOT NULL,
    decided_by          TEXT,
    decided_ms          BIGINT,
    decision_note       TEXT,
    uses                BIGINT NOT NULL DEFAULT 0,
    last_used_ms        BIGINT,
    created_ms          BIGINT NOT NULL
);
CREATE INDEX data_grants_dataset ON data_grants (dataset_id, status);
CREATE INDEX data_grants_grantee ON data_grants (grantee_department, status);

CREATE TABLE scorecard_thresholds (
    id            BIGINT PRIMARY KEY CHECK (id = 1),
    red_below     BIGINT NOT NULL,
    yellow_below  BIGINT NOT NULL,
    set_by        TEXT NOT NULL,
    set_ms        BIGINT NOT NULL
);
INSERT INTO scorecard_thresholds (id, red_below, yellow_below, set_by, set_ms)
VALUES (1, 9500, 9900, 'system:migration', 0);
