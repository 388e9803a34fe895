-- 0011: per-county, per-month aggregates behind the monthly report and the dashboard above county level
-- (issue 15.5): every figure of a county as its running total at each month something happened (the plan-year
-- investment under the pseudo-month YYYY-00), so a province's or the nation's report reads at most four rows
-- per county by index instead of a pass over every project. Kept true by triggers: any change to the records
-- a figure is derived from marks its county dirty (report_dirty.gen incremented) in the same transaction; a
-- reader recomputes the dirty counties of the range it reads before summing (store::report_facts).
CREATE TABLE report_facts (
    county_code              TEXT NOT NULL,
    month                    TEXT NOT NULL,      -- YYYY-MM, or YYYY-00 for the plan year's investment
    projects_started         BIGINT NOT NULL DEFAULT 0,
    projects_completed       BIGINT NOT NULL DEFAULT 0,
    estates_started          BIGINT NOT NULL DEFAULT 0,
    estates_completed        BIGINT NOT NULL DEFAULT 0,
    households_completed     BIGINT NOT NULL DEFAULT 0,
    area_completed_dm2       BIGINT NOT NULL DEFAULT 0,
    managed_completed        BIGINT NOT NULL DEFAULT 0,
    investment_planned_fen   BIGINT NOT NULL DEFAULT 0,
    allocated_fen            BIGINT NOT NULL DEFAULT 0,
    central_allocated_fen    BIGINT NOT NULL DEFAULT 0,
    paid_fen                 BIGINT NOT NULL DEFAULT 0,
    central_paid_fen         BIGINT NOT NULL DEFAULT 0,
    complaints               BIGINT NOT NULL DEFAULT 0,
    complaints_on_time       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (county_code, month)
);

-- Overdue steps as of a month's end, computed when a report of that month is first read.
CREATE TABLE report_overdue (
    county_code TEXT NOT NULL,
    month       TEXT NOT NULL,
    sig         TEXT NOT NULL,      -- the policy profiles' signature the count was decided under
    overdue     BIGINT NOT NULL,
    PRIMARY KEY (county_code, month)
);

CREATE TABLE report_dirty (
    county_code TEXT PRIMARY KEY,
    gen         BIGINT NOT NULL
);

CREATE TRIGGER report_dirty_project_moves_insert AFTER INSERT ON project_moves FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = NEW.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_project_moves_delete AFTER DELETE ON project_moves FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = OLD.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_project_moves_update AFTER UPDATE ON project_moves FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = OLD.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = NEW.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_project_steps_insert AFTER INSERT ON project_steps FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = NEW.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_project_steps_delete AFTER DELETE ON project_steps FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = OLD.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_project_steps_update AFTER UPDATE ON project_steps FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = OLD.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = NEW.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_fund_payments_insert AFTER INSERT ON fund_payments FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = NEW.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_fund_payments_delete AFTER DELETE ON fund_payments FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = OLD.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_fund_payments_update AFTER UPDATE ON fund_payments FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = OLD.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = NEW.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_fund_allocations_insert AFTER INSERT ON fund_allocations FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = NEW.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_fund_allocations_delete AFTER DELETE ON fund_allocations FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = OLD.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_fund_allocations_update AFTER UPDATE ON fund_allocations FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = OLD.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = NEW.project_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_project_estates_insert AFTER INSERT ON project_estates FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = NEW.project_id UNION SELECT e.region_code AS k FROM estates e WHERE e.id = NEW.estate_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_project_estates_delete AFTER DELETE ON project_estates FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = OLD.project_id UNION SELECT e.region_code AS k FROM estates e WHERE e.id = OLD.estate_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_projects_update AFTER UPDATE OF management_mode, plan_year, investment_fen ON projects FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = OLD.id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id = NEW.id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_estates_update AFTER UPDATE OF households, floor_area_dm2, region_code, street_code ON estates FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT OLD.region_code AS k WHERE EXISTS (SELECT 1 FROM project_estates x WHERE x.estate_id = OLD.id)) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT NEW.region_code AS k WHERE EXISTS (SELECT 1 FROM project_estates x WHERE x.estate_id = NEW.id)) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_fund_documents_update AFTER UPDATE OF issued_on ON fund_documents FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM fund_allocations a JOIN project_estates pe ON pe.project_id = a.project_id JOIN estates e ON e.id = pe.estate_id WHERE a.document_id = OLD.id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT DISTINCT e.region_code AS k FROM fund_allocations a JOIN project_estates pe ON pe.project_id = a.project_id JOIN estates e ON e.id = pe.estate_id WHERE a.document_id = NEW.id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_complaints_insert AFTER INSERT ON complaints FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT SUBSTR(NEW.region_code, 1, 6) AS k) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_complaints_update AFTER UPDATE ON complaints FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT SUBSTR(OLD.region_code, 1, 6) AS k) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT SUBSTR(NEW.region_code, 1, 6) AS k) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

CREATE TRIGGER report_dirty_complaint_events_insert AFTER INSERT ON complaint_events FOR EACH ROW BEGIN
    INSERT INTO report_dirty (county_code, gen) SELECT k, 1 FROM (SELECT SUBSTR(c.region_code, 1, 6) AS k FROM complaints c WHERE c.id = NEW.complaint_id) AS d WHERE k IS NOT NULL
        ON CONFLICT (county_code) DO UPDATE SET gen = report_dirty.gen + 1;
END;

-- Everything recorded before this migration is dirty once.
INSERT INTO report_dirty (county_code, gen) SELECT DISTINCT e.region_code, 1 FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE true
    ON CONFLICT (county_code) DO NOTHING;
INSERT INTO report_dirty (county_code, gen) SELECT DISTINCT SUBSTR(region_code, 1, 6), 1 FROM complaints WHERE true
    ON CONFLICT (county_code) DO NOTHING;
