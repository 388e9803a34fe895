-- 0007: monthly reports (月报表): one per region and month, its state and, once submitted, the figures as
-- they stood (SQLite).
CREATE TABLE monthly_reports (
    id           INTEGER PRIMARY KEY,
    region_code  TEXT NOT NULL REFERENCES regions(code),
    month        TEXT NOT NULL,                 -- YYYY-MM
    state        TEXT NOT NULL,                 -- draft | submitted | approved | returned
    figures_json TEXT,                          -- the rows and total as submitted (locked once approved)
    typed_json   TEXT NOT NULL DEFAULT '{}',    -- the few figures people type (jobs created, remarks)
    submitted_at TEXT,
    submitted_by TEXT,
    approved_at  TEXT,
    approved_by  TEXT,
    reason       TEXT NOT NULL DEFAULT '',      -- the last return or reopen reason
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (region_code, month)
);

CREATE TABLE report_events (
    id        INTEGER PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES monthly_reports(id),
    version   BIGINT NOT NULL,
    action    TEXT NOT NULL,                    -- submit | approve | return | reopen | type
    reason    TEXT NOT NULL DEFAULT '',
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL
);
CREATE INDEX report_events_report ON report_events(report_id);
