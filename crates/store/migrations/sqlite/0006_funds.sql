-- 0006: money by source — funding plans, allocation documents and entries, payments, reallocations (SQLite).
-- Every balance is derived from these entries; nothing stores a running total.

ALTER TABLE projects ADD COLUMN estimate_fen BIGINT;      -- 概算
ALTER TABLE projects ADD COLUMN settlement_fen BIGINT;    -- 结算, when complete

-- A project's funding plan: how much it expects from each source.
CREATE TABLE fund_plans (
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    source      TEXT NOT NULL,                  -- jiugai_domain::FundSource
    planned_fen BIGINT NOT NULL,
    model       TEXT,                           -- social capital: ppp | epc_o | epc_f | entrusted
    version     BIGINT NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (project_id, source)
);

-- An allocation document (资金下达文件): who issued it, when, for which source.
CREATE TABLE fund_documents (
    id          INTEGER PRIMARY KEY,
    doc_no      TEXT NOT NULL,                  -- 文号
    issued_on   TEXT NOT NULL,                  -- YYYY-MM-DD
    issuer_code TEXT NOT NULL REFERENCES regions(code),  -- the issuing level
    source      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    UNIQUE (doc_no, source)
);

-- Allocation entries: an amount of a source to a project, or to a lower region to allocate further.
-- A reallocation (move) is a pair of entries (−from, +to) pointing at its decision.
CREATE TABLE fund_allocations (
    id          INTEGER PRIMARY KEY,
    document_id BIGINT REFERENCES fund_documents(id),
    move_id     BIGINT,
    project_id  BIGINT REFERENCES projects(id),
    region_code TEXT REFERENCES regions(code),
    source      TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    row_no      BIGINT,                         -- the row of the imported table
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE INDEX fund_allocations_project ON fund_allocations(project_id, source);
CREATE INDEX fund_allocations_region ON fund_allocations(region_code, source);

-- Payments (拨付/支付); a reversal is a new negative entry pointing at the one it reverses.
CREATE TABLE fund_payments (
    id          INTEGER PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    source      TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    paid_on     TEXT NOT NULL,
    payee       TEXT NOT NULL,
    voucher     TEXT NOT NULL,
    item_id     BIGINT,                         -- a project content item, optionally
    reverses_id BIGINT REFERENCES fund_payments(id),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE INDEX fund_payments_project ON fund_payments(project_id, source);

-- Reallocation decisions (资金调整): central-subsidy money moves between projects only through one.
CREATE TABLE fund_moves (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL,
    from_project BIGINT NOT NULL REFERENCES projects(id),
    to_project   BIGINT NOT NULL REFERENCES projects(id),
    amount_fen   BIGINT NOT NULL,
    decision_no  TEXT NOT NULL,
    reason       TEXT NOT NULL,
    approver     TEXT NOT NULL,
    at           TEXT NOT NULL
);
