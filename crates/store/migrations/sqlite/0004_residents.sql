-- 0004: households, consultations and ballots (QR, paper, assisted), complaints (SQLite).
CREATE TABLE households (
    id          INTEGER PRIMARY KEY,
    estate_id   BIGINT NOT NULL REFERENCES estates(id),
    building    TEXT NOT NULL,                 -- 楼栋, e.g. "3"
    unit        TEXT NOT NULL DEFAULT '',      -- 单元, '' when the building has none
    room        TEXT NOT NULL,                 -- 房号
    area_dm2    BIGINT NOT NULL,               -- exclusive area (专有部分面积) in 0.01 m²
    owner_name  TEXT NOT NULL,
    owner_phone TEXT NOT NULL DEFAULT '',
    proxy_name  TEXT NOT NULL DEFAULT '',      -- optional proxy (委托代理人)
    proxy_phone TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (estate_id, building, unit, room)
);

-- One consultation asks one question of the households of one estate (optionally for a project).
CREATE TABLE consultations (
    id            INTEGER PRIMARY KEY,
    estate_id     BIGINT NOT NULL REFERENCES estates(id),
    project_id    BIGINT REFERENCES projects(id),
    kind          TEXT NOT NULL,               -- consent | plan | satisfaction | joint_decision | survey
    matter        TEXT,                        -- ordinary | major (joint_decision only)
    title         TEXT NOT NULL,
    question      TEXT NOT NULL,
    opens_at      TEXT NOT NULL,               -- RFC 3339 UTC
    closes_at     TEXT NOT NULL,
    rule_key      TEXT NOT NULL,               -- the profile rule that decides it ('' for a survey)
    eligible_households BIGINT NOT NULL,       -- households of the registry when it opened (frozen)
    eligible_area_dm2   BIGINT NOT NULL,
    closed_at     TEXT,                        -- set once: the result is then locked
    closed_by     TEXT,
    result_json   TEXT,                        -- final tally, as signed
    result_sha256 TEXT,
    passed        BOOLEAN,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL
);
CREATE INDEX consultations_estate ON consultations(estate_id);
CREATE INDEX consultations_project ON consultations(project_id);

-- The households that may vote: frozen when the consultation opens.
CREATE TABLE consultation_households (
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    household_id    BIGINT NOT NULL REFERENCES households(id),
    area_dm2        BIGINT NOT NULL,
    PRIMARY KEY (consultation_id, household_id)
);

-- One-time codes printed as QR codes on per-household slips. A code is used once; reissuing revokes the old one.
CREATE TABLE vote_codes (
    code            TEXT PRIMARY KEY,
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    household_id    BIGINT NOT NULL REFERENCES households(id),
    issued_at       TEXT NOT NULL,
    used_at         TEXT,
    revoked_at      TEXT
);
CREATE INDEX vote_codes_household ON vote_codes(consultation_id, household_id);

-- The counted ballot: one per household and consultation.
CREATE TABLE ballots (
    id              INTEGER PRIMARY KEY,
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    household_id    BIGINT NOT NULL REFERENCES households(id),
    choice          TEXT NOT NULL,             -- yes | no | abstain
    channel         TEXT NOT NULL,             -- qr | paper | assisted
    recorded_by     TEXT NOT NULL,             -- 'resident' for a QR ballot, else the user
    cast_at         TEXT NOT NULL,
    changes         BIGINT NOT NULL DEFAULT 0, -- how many times it was changed
    area_dm2        BIGINT NOT NULL,           -- the household's exclusive area on the roll (copied: the tally reads one table)
    UNIQUE (consultation_id, household_id)
);

-- The tally reads only this index (one grouped scan of the consultation's entries).
CREATE INDEX ballots_tally ON ballots(consultation_id, choice, channel, area_dm2);

-- Every accepted submission, in order: the history of changes.
CREATE TABLE ballot_history (
    id              INTEGER PRIMARY KEY,
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    household_id    BIGINT NOT NULL REFERENCES households(id),
    choice          TEXT NOT NULL,
    channel         TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    at              TEXT NOT NULL
);
CREATE INDEX ballot_history_c ON ballot_history(consultation_id, household_id);

-- Paper forms, each entered twice by two different users; counted when the entries agree or a third resolves.
CREATE TABLE paper_ballots (
    id              INTEGER PRIMARY KEY,
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    household_id    BIGINT NOT NULL REFERENCES households(id),
    scan_id         BIGINT REFERENCES attachments(id),
    first_choice    TEXT NOT NULL,
    first_by        TEXT NOT NULL,
    first_at        TEXT NOT NULL,
    second_choice   TEXT,
    second_by       TEXT,
    second_at       TEXT,
    status          TEXT NOT NULL,             -- pending | agreed | disputed | resolved
    resolved_choice TEXT,
    resolved_by     TEXT,
    resolved_at     TEXT,
    UNIQUE (consultation_id, household_id)
);

-- Complaints and reports from residents, routed to the responsible region.
CREATE TABLE complaints (
    id           INTEGER PRIMARY KEY,
    tracking_no  TEXT NOT NULL UNIQUE,
    project_id   BIGINT REFERENCES projects(id),
    estate_id    BIGINT REFERENCES estates(id),
    region_code  TEXT NOT NULL REFERENCES regions(code),
    category     TEXT NOT NULL,                -- quality | safety | progress | disturbance | other
    body         TEXT NOT NULL,
    contact_name TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,                -- received | processing | resolved
    due_on       TEXT NOT NULL,                -- YYYY-MM-DD: the SLA
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX complaints_region ON complaints(region_code, status);

CREATE TABLE complaint_events (
    id           INTEGER PRIMARY KEY,
    complaint_id BIGINT NOT NULL REFERENCES complaints(id),
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    status       TEXT NOT NULL,
    note         TEXT NOT NULL
);
CREATE INDEX complaint_events_c ON complaint_events(complaint_id);
