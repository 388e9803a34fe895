-- 0010: integrity of decisions (SQLite): voiding a counted ballot is a separate act
-- requested by one user and approved by another; closing a consultation early keeps its reason; an admin's
-- exception overrides one gate of one project, with its reason.
CREATE TABLE ballot_voids (
    id              INTEGER PRIMARY KEY,
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    household_id    BIGINT NOT NULL REFERENCES households(id),
    channel         TEXT NOT NULL,             -- the voided ballot: qr | paper | assisted
    choice          TEXT NOT NULL,
    cast_at         TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    reason          TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    requested_at    TEXT NOT NULL,
    status          TEXT NOT NULL,             -- pending | approved | rejected
    decided_by      TEXT,
    decided_at      TEXT
);
CREATE INDEX ballot_voids_c ON ballot_voids(consultation_id, household_id);

ALTER TABLE consultations ADD COLUMN close_reason TEXT;   -- why it was closed before closes_at

CREATE TABLE project_exceptions (
    id          INTEGER PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    gate        TEXT NOT NULL,                 -- eligibility | consent | steps | backward
    reason      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    UNIQUE (project_id, gate)
);
