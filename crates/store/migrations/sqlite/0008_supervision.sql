-- 0008: supervision (督导考核): the leading group and its office per region, member units and their duties,
-- a department user's unit, supervision tasks (督办) with their events, inspection findings, notices (通报)
-- with the facts as they stood, and demonstration projects (示范项目) per year (SQLite).
CREATE TABLE org_units (
    id          INTEGER PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions(code),
    name        TEXT NOT NULL,                  -- as the annex writes it: 县发改局
    created_at  TEXT NOT NULL,
    UNIQUE (region_code, name)
);

CREATE TABLE org_groups (
    region_code TEXT PRIMARY KEY REFERENCES regions(code),
    title       TEXT NOT NULL,                  -- 芮城县推进城镇老旧小区改造工作领导小组
    office_unit TEXT NOT NULL DEFAULT '',       -- the unit that hosts the office: 县住建局
    source      TEXT NOT NULL DEFAULT '',       -- file name and SHA-256 of the import
    updated_at  TEXT NOT NULL
);

CREATE TABLE org_members (
    id          INTEGER PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions(code),
    seq         BIGINT NOT NULL,
    position    TEXT NOT NULL,                  -- 组长 | 副组长 | 成员 | 办公室主任
    person      TEXT NOT NULL,
    title       TEXT NOT NULL,                  -- 单位及职务 as written
    unit_id     BIGINT REFERENCES org_units(id)
);
CREATE INDEX org_members_region ON org_members(region_code);

CREATE TABLE org_duties (
    id          INTEGER PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions(code),
    seq         BIGINT NOT NULL,
    task        TEXT NOT NULL,                  -- 工作任务
    units_text  TEXT NOT NULL                   -- 责任单位 as written
);
CREATE INDEX org_duties_region ON org_duties(region_code);

CREATE TABLE org_duty_units (
    duty_id BIGINT NOT NULL REFERENCES org_duties(id),
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    lead    BOOLEAN NOT NULL,                   -- 牵头 (else 配合)
    PRIMARY KEY (duty_id, unit_id)
);

ALTER TABLE users ADD COLUMN unit_id BIGINT REFERENCES org_units(id);

CREATE TABLE sup_findings (
    id           INTEGER PRIMARY KEY,
    region_code  TEXT NOT NULL REFERENCES regions(code),   -- the office that inspected
    inspected_on TEXT NOT NULL,
    text         TEXT NOT NULL,
    project_id   BIGINT REFERENCES projects(id),
    estate_id    BIGINT REFERENCES estates(id),
    actor        TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE notices (
    id            INTEGER PRIMARY KEY,
    region_code   TEXT NOT NULL REFERENCES regions(code),  -- the issuing office
    kind          TEXT NOT NULL,                           -- praise | criticism
    target_region TEXT REFERENCES regions(code),
    target_unit   BIGINT REFERENCES org_units(id),
    period        TEXT NOT NULL,                           -- 2026 | 2026-11 | 2026-Q3
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    facts_json    TEXT NOT NULL,                           -- the facts as they stood at issue (never recomputed)
    issued_by     TEXT NOT NULL,
    issued_at     TEXT NOT NULL
);
CREATE INDEX notices_region ON notices(region_code);

CREATE TABLE sup_tasks (
    id              INTEGER PRIMARY KEY,
    region_code     TEXT NOT NULL REFERENCES regions(code),  -- the issuing office
    assignee_region TEXT REFERENCES regions(code),           -- a lower region, or
    assignee_unit   BIGINT REFERENCES org_units(id),         -- a member unit
    subject         TEXT NOT NULL,                           -- project | estate | theme
    project_id      BIGINT REFERENCES projects(id),
    estate_id       BIGINT REFERENCES estates(id),
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    due_on          TEXT NOT NULL,                           -- Beijing date YYYY-MM-DD
    state           TEXT NOT NULL,                           -- open | replied | sent_back | closed
    origin          TEXT NOT NULL,                           -- direct | finding | complaint | notice
    finding_id      BIGINT REFERENCES sup_findings(id),
    complaint_id    BIGINT REFERENCES complaints(id),
    notice_id       BIGINT REFERENCES notices(id),
    issued_by       TEXT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    closed_at       TEXT
);
CREATE INDEX sup_tasks_region ON sup_tasks(region_code);
CREATE INDEX sup_tasks_assignee ON sup_tasks(assignee_region);
CREATE INDEX sup_tasks_unit ON sup_tasks(assignee_unit);

CREATE TABLE sup_task_events (
    id       INTEGER PRIMARY KEY,
    task_id  BIGINT NOT NULL REFERENCES sup_tasks(id),
    kind     TEXT NOT NULL,                                  -- issued | replied | sent_back | closed
    text     TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',                       -- an attachment or document reference
    actor    TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX sup_task_events_task ON sup_task_events(task_id);

CREATE TABLE demo_projects (
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    year        BIGINT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),      -- the office that chose it
    reason      TEXT NOT NULL,
    marked_by   TEXT NOT NULL,
    marked_at   TEXT NOT NULL,
    PRIMARY KEY (project_id, year)
);
