-- 0003: projects, the content catalogue, workflow steps, construction ledger, acceptance and handover (SQLite).
CREATE TABLE projects (
    id                     INTEGER PRIMARY KEY,
    name                   TEXT NOT NULL,
    region_code            TEXT NOT NULL REFERENCES regions(code),  -- the county of its estates (decides the profile)
    plan_year              BIGINT NOT NULL,
    stage                  TEXT NOT NULL,          -- reserve | planning | implementation | completed | accepted | management
    investment_fen         BIGINT NOT NULL,        -- approved total investment
    new_floor_area_dm2     BIGINT NOT NULL DEFAULT 0,
    high_risk              BOOLEAN NOT NULL DEFAULT FALSE,
    structural_change      BOOLEAN NOT NULL DEFAULT FALSE,
    -- ranking inputs [001 二(三)1]
    consent_yes            BIGINT,                 -- households agreeing (survey)
    consent_households     BIGINT,
    participation_yes      BIGINT,                 -- households that took part in consultations
    residents_fund_fen     BIGINT,                 -- residents' contribution
    illegal_found          BIGINT,
    illegal_removed        BIGINT,
    safety_rating          TEXT,                   -- A..D
    -- acceptance satisfaction [001 二(四)5]
    satisfaction_yes       BIGINT,
    satisfaction_answered  BIGINT,
    -- eligibility exception recorded by an office admin
    exception_reason       TEXT,
    exception_by           TEXT,
    exception_at           TEXT,
    -- after handover
    management_mode        TEXT,                   -- professional | entrusted | self | state_owned
    maintenance_fund       BOOLEAN,
    companies              TEXT NOT NULL DEFAULT '', -- construction / supervision / design companies, shown on the notice
    hotline                TEXT NOT NULL DEFAULT '', -- the complaints hotline shown on the public notice
    notice_from            TEXT,                   -- first day of the public notice (公示); NULL: not published
    version                BIGINT NOT NULL DEFAULT 1,
    created_at             TEXT NOT NULL,
    created_by             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);
CREATE INDEX projects_region_year ON projects(region_code, plan_year);

CREATE TABLE project_estates (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    estate_id  BIGINT NOT NULL REFERENCES estates(id),
    PRIMARY KEY (project_id, estate_id)
);
CREATE INDEX project_estates_estate ON project_estates(estate_id);

-- Dynamic adjustment: every move between stages or plan years, with its reason.
CREATE TABLE project_moves (
    id         INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    from_stage TEXT NOT NULL,
    to_stage   TEXT NOT NULL,
    from_year  BIGINT NOT NULL,
    to_year    BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX project_moves_project ON project_moves(project_id);

-- Users who work on a project (contractors see only these).
CREATE TABLE project_members (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    user_name  TEXT NOT NULL,
    duty       TEXT NOT NULL,                      -- construction | supervision | design
    PRIMARY KEY (project_id, user_name)
);
CREATE INDEX project_members_user ON project_members(user_name);

-- The content catalogue: shipped items (region_code '') and items offices add (their region).
CREATE TABLE content_items (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    class       TEXT NOT NULL,                     -- basic | improvement | enhancement
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    payer       TEXT NOT NULL,                     -- N | X: the default payer
    source      TEXT NOT NULL,
    region_code TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE project_items (
    id               INTEGER PRIMARY KEY,
    project_id       BIGINT NOT NULL REFERENCES projects(id),
    item_id          BIGINT NOT NULL REFERENCES content_items(id),
    quantity_centi   BIGINT NOT NULL,              -- hundredths of the unit
    unit             TEXT NOT NULL,
    cost_fen         BIGINT NOT NULL,
    payer            TEXT NOT NULL,                -- N | X
    owners_fen       BIGINT NOT NULL,              -- owners' share of an X item (0 for N)
    progress_pct     BIGINT NOT NULL DEFAULT 0,
    note             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX project_items_project ON project_items(project_id);

-- Workflow steps done (the steps a project needs and their due dates come from the rules engine).
CREATE TABLE project_steps (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    step_key   TEXT NOT NULL,
    started_on TEXT,                               -- publicity: first day of the notice
    done_on    TEXT NOT NULL,                      -- YYYY-MM-DD
    actor      TEXT NOT NULL,
    department TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '{}',         -- JSON: acceptance participants/findings, handover operators…
    at         TEXT NOT NULL,
    PRIMARY KEY (project_id, step_key)
);

-- Documents of a project: step documents, site report photos, scans.
CREATE TABLE project_documents (
    id           INTEGER PRIMARY KEY,
    project_id   BIGINT NOT NULL REFERENCES projects(id),
    step_key     TEXT,
    report_id    BIGINT,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL
);
CREATE INDEX project_documents_project ON project_documents(project_id);

-- Construction ledger: dated site reports and quality/safety issues.
CREATE TABLE site_reports (
    id          INTEGER PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    report_date TEXT NOT NULL,
    text        TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX site_reports_project ON site_reports(project_id);

CREATE TABLE project_issues (
    id          INTEGER PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    kind        TEXT NOT NULL,                     -- quality | safety
    description TEXT NOT NULL,
    opened_on   TEXT NOT NULL,
    opened_by   TEXT NOT NULL,
    closed_on   TEXT,
    closed_by   TEXT,
    resolution  TEXT
);
CREATE INDEX project_issues_project ON project_issues(project_id);

-- The shipped catalogue (crates/store/data/catalogue.tsv, from the seeds' content lists).
INSERT INTO content_items (code, class, name, unit, payer, source, region_code, created_by, created_at) VALUES
    ('B01', 'basic', '拆除违法建筑', '处', 'N', '001 二(二)1; 004 三(二)（钦州列为完善类 003 二(二)2）', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B02', 'basic', '消防设施完善（消火栓、微型消防站、消防车通道标识）', '处', 'N', '001 二(二)1; 003 二(二)1; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B03', 'basic', '安防设施完善（视频监控、门禁）', '套', 'N', '001 二(二)1; 003 二(二)1; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B04', 'basic', '照明设施完善', '处', 'N', '001 二(二)1; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B05', 'basic', '井盖、围墙等设施维修', '处', 'N', '001 二(二)1', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B06', 'basic', '粉刷墙面、清除小广告、设立公共信息发布牌', '㎡', 'N', '001 二(二)1', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B07', 'basic', '环卫设施完善、取消垃圾道（池）', '处', 'N', '001 二(二)1', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B08', 'basic', '生活垃圾分类设施', '处', 'N', '001 二(二)1; 003 二(二)1; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B09', 'basic', '供水设施改造', 'm', 'N', '003 二(二)1; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B10', 'basic', '排水设施改造（含雨污分流）', 'm', 'N', '001 二(二)1; 003 二(二)1; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B11', 'basic', '供电设施改造', '项', 'N', '003 二(二)1; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B12', 'basic', '供气设施改造', '户', 'N', '003 二(二)1; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B13', 'basic', '供热设施改造', '户', 'N', '004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B14', 'basic', '小区道路改造', '㎡', 'N', '001 二(二)1; 003 二(二)1; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B15', 'basic', '弱电、通信设施改造（含光纤入户、移动通信）', '项', 'N', '001 二(二)1; 003 二(二)1; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B16', 'basic', '架空线规整（入地）', 'm', 'N', '001 二(二)1; 003 二(二)1', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B17', 'basic', '屋面维修', '㎡', 'N', '001 二(二)1; 003 二(二)1; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B18', 'basic', '外墙维修', '㎡', 'N', '001 二(二)1; 003 二(二)1; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B19', 'basic', '楼梯、入口等公共部位维修', '处', 'N', '001 二(二)1; 003 二(二)1; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B20', 'basic', '规范小区出入口、畅通生命通道', '处', 'N', '004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B21', 'basic', '居家社区适老化改造（地面防滑、加装扶手、消除高差）', '处', 'N', '004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('B22', 'basic', '配建物业服务用房', '㎡', 'N', '001 二(二)1（钦州、汾阳列为完善类 003 二(二)2; 004 三(二)）', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('I01', 'improvement', '建筑节能改造', '㎡', 'X', '001 二(二)2; 003 二(二)2（汾阳列为基础类 004 三(二)）', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('I02', 'improvement', '加装电梯', '部', 'X', '001 二(二)2; 003 二(二)2; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('I03', 'improvement', '建筑本体安全加固', '㎡', 'X', '001 二(二)2', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('I04', 'improvement', '小区游园建设', '㎡', 'X', '001 二(二)2', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('I05', 'improvement', '绿化提升', '㎡', 'X', '001 二(二)2; 003 二(二)2; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('I06', 'improvement', '灯光亮化', '处', 'X', '004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('I07', 'improvement', '美化建筑立面', '㎡', 'X', '004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('I08', 'improvement', '健身器材、体育健身设施', '套', 'X', '001 二(二)2; 003 二(二)2; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('I09', 'improvement', '适老设施、无障碍设施', '处', 'X', '001 二(二)2; 003 二(二)2', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('I10', 'improvement', '停车场（库）', '个', 'X', '001 二(二)2; 003 二(二)2; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('I11', 'improvement', '电动自行车充电设施', '个', 'X', '001 二(二)2; 003 二(二)2; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('I12', 'improvement', '汽车充电设施', '个', 'X', '001 二(二)2; 003 二(二)2; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('I13', 'improvement', '智能快件箱、智能信包箱', '台', 'X', '001 二(二)2; 003 二(二)2; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('I14', 'improvement', '文化休闲设施', '处', 'X', '001 二(二)2; 003 二(二)2; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('E01', 'enhancement', '养老服务设施', '处', 'X', '001 二(二)3; 003 二(二)3; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('E02', 'enhancement', '托育、幼儿园', '处', 'X', '001 二(二)3; 003 二(二)3; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('E03', 'enhancement', '助餐、家政保洁服务设施', '处', 'X', '001 二(二)3; 003 二(二)3', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('E04', 'enhancement', '便民市场、便利店', '处', 'X', '001 二(二)3; 003 二(二)3; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('E05', 'enhancement', '邮政快递末端综合服务站（含可循环快递包装回收设施）', '处', 'X', '001 二(二)3; 003 二(二)3', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('E06', 'enhancement', '卫生服务站', '处', 'X', '001 二(二)3; 003 二(二)3; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('E07', 'enhancement', '社区综合服务设施', '处', 'X', '001 二(二)3; 003 二(二)3; 004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('E08', 'enhancement', '智能感知设施（人脸识别、周界防护）', '套', 'X', '001 二(二)3; 003 二(二)3', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('E09', 'enhancement', '海绵化改造（屋顶绿化、透水铺装、雨水花园）', '㎡', 'X', '004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z'),
    ('E10', 'enhancement', '基础服务设施智慧化改造', '项', 'X', '004 三(二)', '', 'jiugai', '2026-11-22T00:00:00Z');
