-- 0002: users, sessions, API tokens, sign-in attempts, attachments, eligibility cache, list indexes (SQLite).
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE,
    role                 TEXT NOT NULL,                         -- admin | county | street | department | contractor | auditor
    scope_code           TEXT NOT NULL,                         -- a region code; '' = the whole country
    password_hash        TEXT NOT NULL,                         -- argon2id PHC string
    must_change_password BOOLEAN NOT NULL,
    lang                 TEXT,                                  -- zh | en
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,                                -- SHA-256 of the cookie value
    user_id    BIGINT NOT NULL REFERENCES users(id),
    csrf       TEXT NOT NULL,
    origin     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    token_hash   TEXT NOT NULL UNIQUE,                          -- SHA-256 of the token
    prefix       TEXT NOT NULL,                                 -- first characters, to recognise it in lists
    label        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

CREATE TABLE login_attempts (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL,                                          -- "user:NAME" or "ip:ADDR"
    at  TEXT NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts(key, at);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    estate_id    BIGINT NOT NULL REFERENCES estates(id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL
);
CREATE INDEX attachments_estate ON attachments(estate_id);

-- Eligibility under the region's policy profile, computed in Rust (jiugai-rules) and cached per estate version.
CREATE TABLE estate_eligibility (
    estate_id   BIGINT PRIMARY KEY REFERENCES estates(id),
    version     BIGINT NOT NULL,                                -- the estate version it was computed for
    verdict     TEXT NOT NULL,                                  -- core | extended | excluded | out_of_scope
    profile     TEXT NOT NULL,
    profile_sig TEXT NOT NULL                                   -- hash of the profile set used
);
CREATE INDEX estate_eligibility_verdict ON estate_eligibility(verdict, estate_id);

-- Estate list: sorting and keyset pagination within a region.
CREATE INDEX estates_region_id ON estates(region_code, id);
CREATE INDEX estates_name_id ON estates(name, id);
CREATE INDEX estates_built_id ON estates((COALESCE(built_year_min, -1)), id);
CREATE INDEX estates_households_id ON estates((COALESCE(households, -1)), id);
