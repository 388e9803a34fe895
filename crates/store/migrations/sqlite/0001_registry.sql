-- 0001: jurisdiction tree, estate registry, imports, audit log (SQLite).
CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       BIGINT NOT NULL,            -- 1 province, 2 city, 3 county, 4 street, 5 community
    parent_code TEXT REFERENCES regions(code),
    full_name   TEXT NOT NULL
);
CREATE INDEX regions_parent ON regions(parent_code);
CREATE INDEX regions_name ON regions(name);

CREATE TABLE estates (
    id                 INTEGER PRIMARY KEY,
    region_code        TEXT NOT NULL REFERENCES regions(code),  -- the county
    street_code        TEXT REFERENCES regions(code),
    street             TEXT,
    community          TEXT,
    name               TEXT NOT NULL,
    address            TEXT,
    built_years        TEXT NOT NULL DEFAULT '',                -- "1995,1997"
    built_year_min     BIGINT,
    buildings          BIGINT,
    households         BIGINT,
    floor_area_dm2     BIGINT,                                  -- 0.01 m²
    property_type      TEXT,
    original_unit      TEXT,
    management         TEXT,                                    -- none | unit | self | professional
    maintenance_fund   BOOLEAN,
    safety_rating      TEXT,                                    -- A..D
    in_shantytown_plan BOOLEAN,
    self_built         BOOLEAN,
    urban_village      BOOLEAN,
    declared           BOOLEAN,
    historic           BOOLEAN,
    longitude_e6       BIGINT,
    latitude_e6        BIGINT,
    plan_year          BIGINT,
    import_id          BIGINT,                                  -- the import that last wrote it
    version            BIGINT NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL DEFAULT '',                -- who created it (version 1 of its history)
    created_source     TEXT NOT NULL DEFAULT '',                -- "import:12", "cli", "web"
    updated_at         TEXT NOT NULL
);
-- Estates are matched by county + name. Kept as named indexes (not table constraints) so that an import
-- into an empty registry can drop them and build them once at the end (see estates::import).
CREATE UNIQUE INDEX estates_county_name ON estates(region_code, name);
CREATE INDEX estates_street ON estates(street_code);

CREATE TABLE estate_history (
    id         INTEGER PRIMARY KEY,
    estate_id  BIGINT NOT NULL REFERENCES estates(id),
    version    BIGINT NOT NULL,
    changed_at TEXT NOT NULL,
    actor      TEXT NOT NULL,
    source     TEXT NOT NULL,                                   -- "import:12", "cli", "web"
    changes    TEXT NOT NULL                                    -- JSON {"field": [before, after], …}; version 1 is the estate row's created_*
);
CREATE INDEX estate_history_estate ON estate_history(estate_id, version);

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    imported    BIGINT NOT NULL,
    updated     BIGINT NOT NULL,
    unchanged   BIGINT NOT NULL,
    rejected    BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    origin    TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail    TEXT NOT NULL,                                    -- JSON: before/after or summary
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TABLE audit_head (
    id        BIGINT PRIMARY KEY,
    last_id   BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '');

CREATE TABLE policy_profiles (
    name      TEXT PRIMARY KEY,
    body      TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    actor     TEXT NOT NULL
);
