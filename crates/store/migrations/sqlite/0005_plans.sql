-- 0005: targets (年度任务细化分解表) and annual plans (年度计划) with their review (SQLite).

-- A task unit (任务单位) is a region that is not a GB/T 2260 node — a development zone, 市管园区, 自贸区片区 —
-- added under its parent so that targets and estates can be assigned to it.
ALTER TABLE regions ADD COLUMN task_unit BOOLEAN NOT NULL DEFAULT FALSE;

-- One region's target for one year.
CREATE TABLE targets (
    region_code    TEXT NOT NULL REFERENCES regions(code),
    year           BIGINT NOT NULL,
    estates        BIGINT NOT NULL,
    households     BIGINT,
    investment_fen BIGINT,
    source         TEXT NOT NULL,                -- the file (and sheet) it was imported from
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    PRIMARY KEY (region_code, year)
);

-- A region's programme: the total over the period and what was done before the table's first year.
CREATE TABLE target_programmes (
    region_code TEXT PRIMARY KEY REFERENCES regions(code),
    total       BIGINT,
    prior       BIGINT NOT NULL DEFAULT 0,
    source      TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);

-- An annual plan of a region for a plan year. An amendment is a new row pointing at the plan it amends.
CREATE TABLE plans (
    id            INTEGER PRIMARY KEY,
    region_code   TEXT NOT NULL REFERENCES regions(code),
    plan_year     BIGINT NOT NULL,
    status        TEXT NOT NULL,                 -- draft | submitted | returned | approved | issued | superseded
    amendment     BIGINT NOT NULL DEFAULT 0,     -- 0: the plan; n: its n-th amendment
    amends_id     BIGINT REFERENCES plans(id),
    review_step   BIGINT NOT NULL DEFAULT 0,     -- index into the profile's review chain while submitted
    due_on        TEXT,                          -- the profile's due date for this plan year
    submitted_at  TEXT,
    days_late     BIGINT,                        -- at the last submission; NULL or 0: on time
    approved_at   TEXT,
    issued_at     TEXT,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (region_code, plan_year, amendment)
);

CREATE TABLE plan_projects (
    plan_id    BIGINT NOT NULL REFERENCES plans(id),
    project_id BIGINT NOT NULL REFERENCES projects(id),
    PRIMARY KEY (plan_id, project_id)
);
CREATE INDEX plan_projects_project ON plan_projects(project_id);

-- The plan's history: every act with its actor, version, reason and the checks as they stood.
CREATE TABLE plan_events (
    id          INTEGER PRIMARY KEY,
    plan_id     BIGINT NOT NULL REFERENCES plans(id),
    version     BIGINT NOT NULL,
    action      TEXT NOT NULL,                   -- create | add | remove | submit | approve | return | issue | amend
    step        TEXT NOT NULL DEFAULT '',        -- the review step acted on
    reason      TEXT NOT NULL DEFAULT '',
    checks_json TEXT,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX plan_events_plan ON plan_events(plan_id);
