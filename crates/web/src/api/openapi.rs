//! The OpenAPI 3.1 document: generated from the typed handlers and their serde types (utoipa) where the
//! API is typed, hand-written for the parts not yet converted (a test checks that it lists every `/api/v1`
//! route of `access::ROUTES` and nothing else).

use axum::Json;
use serde_json::{Value, json};

fn op(summary: &str, params: Value, body: Option<Value>, ok: Value) -> Value {
    let mut o = json!({
        "summary": summary,
        "parameters": params,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": ok}}},
            "401": {"$ref": "#/components/responses/Error"},
            "403": {"$ref": "#/components/responses/Error"},
            "404": {"$ref": "#/components/responses/Error"},
            "422": {"$ref": "#/components/responses/Error"}
        }
    });
    if let Some(b) = body {
        o["requestBody"] = b;
    }
    o
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}})
}

fn q(name: &str, desc: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": desc, "schema": {"type": "string"}})
}

pub fn spec() -> Value {
    let mut doc = base();
    projects_paths(&mut doc["paths"]);
    consultations_paths(&mut doc["paths"]);
    households_paths(&mut doc["paths"]);
    merge_generated(&mut doc);
    doc
}

/// The parts of the API whose bodies and replies are typed: their paths and schemas are generated from
/// the types (utoipa), never written by hand.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::complaints::api::list,
    crate::complaints::api::get,
    crate::complaints::api::submit,
    crate::complaints::api::track,
    crate::plans::api::targets,
    crate::plans::api::list,
    crate::plans::api::create,
    crate::plans::api::get,
    crate::plans::api::change_project,
    crate::plans::api::submit,
    crate::plans::api::review,
    crate::plans::api::issue,
    crate::plans::api::amend,
    crate::funds::api::get,
    crate::funds::api::plan,
    crate::funds::api::pay,
    crate::funds::api::reverse,
    crate::funds::api::move_funds,
    crate::funds::api::summary,
    crate::reports::api::get,
    crate::reports::api::submit,
    crate::reports::api::approve,
    crate::reports::api::return_,
    crate::reports::api::reopen,
    crate::reports::api::typed,
    crate::reports::api::completeness,
    crate::reports::api::export,
    crate::dashboard::map::api,
    crate::assess::api::get,
    crate::supervision::api::list,
    crate::supervision::api::create,
    crate::supervision::api::get,
    crate::supervision::api::reply,
    crate::supervision::api::close,
    crate::supervision::api::send_back,
    crate::supervision::api::notices,
    crate::supervision::api::create_notice,
    crate::supervision::api::notice,
))]
struct Generated;

fn merge_generated(doc: &mut Value) {
    let g = serde_json::to_value(<Generated as utoipa::OpenApi>::openapi()).unwrap_or_default();
    if let Some(paths) = g["paths"].as_object() {
        for (p, item) in paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                doc["paths"][p][method] = op.clone();
            }
        }
    }
    if let Some(schemas) = g["components"]["schemas"].as_object() {
        for (k, v) in schemas {
            doc["components"]["schemas"][k] = v.clone();
        }
    }
}

/// The household registry of an estate (住户名册).
fn households_paths(paths: &mut Value) {
    let int = json!({"type": "integer"});
    let s = json!({"type": "string"});
    let num = json!({"type": "number"});
    let check = json!({"type": "object", "description": "the estate file's household count against the registry",
        "properties": {"estate_id": int, "estate": s, "recorded": {"type": ["integer", "null"]}, "registry": int, "registry_area_m2": num,
            "matches": {"type": "boolean"}, "message": s}});
    let household = json!({"type": "object", "properties": {"id": int, "building": s, "unit": s, "room": s, "label": s, "area_dm2": int, "area_m2": num,
        "owner_name": s, "owner_phone": s, "proxy_name": s, "proxy_phone": s}});
    paths["/estates/{id}/households"] = json!({"get": op(
        "The households of an estate by building, unit and room. Owners' and proxies' names and phones are masked (张*明, 138****5678) for every role but `street`",
        json!([id_param()]), None,
        json!({"type": "object", "properties": {"estate_id": int, "estate": s, "contacts_masked": {"type": "boolean"},
            "households": {"type": "array", "items": household}, "check": check}}))});
    paths["/estates/{id}/households/import"] = json!({"post": op(
        "Import a household roster (.xlsx, .xls, .csv in UTF-8 or GBK) sent as the body: all rows or none. 422 with every problem (row, column, value, message), rooms already registered included; 200 with the count check",
        json!([id_param(), q("filename", "original file name")]),
        Some(json!({"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}})),
        json!({"type": "object", "properties": {"estate_id": int, "file": s, "rows": int, "added": int, "committed": {"type": "boolean"}, "area_m2": num,
            "skipped_rows": {"type": "array", "items": int},
            "errors": {"type": "array", "items": {"type": "object", "properties": {"row": int, "column": s, "value": s, "message": s}}}, "check": check}}))});
}

fn path_param(name: &str, kind: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": kind}})
}

fn body(required: &[&str], props: Value) -> Option<Value> {
    Some(
        json!({"required": true, "content": {"application/json": {"schema": {"type": "object", "required": required, "properties": props}}}}),
    )
}

/// Projects (issue 5): pipeline, steps, content, ledger, ranking, catalogue.
fn projects_paths(paths: &mut Value) {
    let project = json!({"$ref": "#/components/schemas/Project"});
    let filters = json!([
        q("stage", "reserve | planning | implementation | completed | accepted | management"),
        q("year", "plan year"),
        q("region", "region code or name inside your scope"),
        q("overdue", "1: only projects with overdue steps")
    ]);
    let int = json!({"type": "integer"});
    let s = json!({"type": "string"});
    paths["/projects"] = json!({
        "get": op("Projects in scope (a contractor: its own), each with its overdue steps", filters.clone(), None, json!({"type": "object"})),
        "post": {"summary": "Create a project (reserve stage) from estates of one county; answers 201 with the project",
            "requestBody": body(&["name", "estate_ids", "plan_year", "investment_fen"], json!({"name": s, "estate_ids": {"type": "array", "items": int},
                "plan_year": int, "investment_fen": int, "new_floor_area_dm2": int, "high_risk": {"type": "boolean"}, "structural_change": {"type": "boolean"}})),
            "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": project}}},
                "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}
    });
    paths["/projects/{id}"] = json!({"get": op("A project with its estates, steps (key, required, due, done, rule, clause), content, totals, moves", json!([id_param()]), None, project.clone())});
    paths["/projects/{id}/steps/{key}"] = json!({"post": op("Complete a workflow step; refused out of order, below a threshold, or if stale (409)",
        json!([id_param(), path_param("key", "string")]),
        body(&["version", "done_on"], json!({"version": int, "done_on": {"type": "string", "format": "date"}, "started_on": {"type": "string", "format": "date"},
            "department": s, "note": s, "detail": {"type": "object", "description": "survey: agree, households; acceptance: satisfied, answered, participants, findings; spot_check: result (pass|fail); handover: operators; management: mode, maintenance_fund"}})),
        project.clone())});
    paths["/projects/{id}/exceptions"] = json!({"post": op("An office admin's exception to one gate of the project (eligibility, consent or steps), with its reason; audited and listed in the project's exceptions", json!([id_param()]),
        body(&["version", "gate", "reason"], json!({"version": {"type": "integer"}, "gate": {"type": "string", "enum": ["eligibility", "consent", "steps"]}, "reason": {"type": "string"}})), json!({"type": "object"}))});
    paths["/projects/{id}/move"] = json!({"post": op("Move to another stage and/or plan year, with a reason", json!([id_param()]),
        body(&["version", "stage", "reason"], json!({"version": int, "stage": s, "plan_year": int, "reason": s})), project.clone())});
    paths["/projects/{id}/items"] = json!({"post": op("Add a content item (N or X) from the catalogue", json!([id_param()]),
        body(&["version", "quantity", "cost_fen"], json!({"version": int, "item_id": int, "item_code": s, "quantity": {"type": ["number", "string"]}, "unit": s, "cost_fen": int, "payer": s, "note": s})), project.clone())});
    paths["/projects/{id}/items/{row}/progress"] = json!({"post": op("Set an item's progress (0–100 %)", json!([id_param(), path_param("row", "integer")]),
        body(&["version", "progress_pct"], json!({"version": int, "progress_pct": int, "note": s})), project)});
    paths["/projects/ranking"] = json!({"get": op("Projects of a plan year in reserve/planning ranked by the profile's published score", json!([q("year", "plan year (default next year)"), q("region", "region")]), None, json!({"type": "object"}))});
    paths["/projects/ledger"] = json!({"get": op("The construction ledger: a row per project with computed progress and issues", filters, None, json!({"type": "object"}))});
    paths["/catalogue"] = json!({"get": op("The content catalogue (basic, improvement, enhancement; N/X)", json!([]), None, json!({"type": "array"}))});
}

fn base() -> Value {
    let obj = json!({"type": "object"});
    let list_params = json!([
        q("region", "region code or name inside your scope"),
        q("q", "name, street or address contains"),
        q("eligibility", "core | extended | excluded | out_of_scope"),
        q("built_from", "year"),
        q("built_to", "year"),
        q("property_type", "产权性质"),
        q("sort", "id | name | built | households"),
        q("desc", "1 for descending"),
        q("after", "cursor from `next` of the previous page"),
        q("limit", "rows per page (≤1000, default 50)")
    ]);
    json!({
        "openapi": "3.1.0",
        "info": {"title": "jiugai (旧改) API", "version": "1",
                 "description": "Estate registry of the urban old-residential-community renovation programme. Authenticate with `Authorization: Bearer TOKEN` (`jiugai user token NAME`) or the session cookie (then send `X-CSRF-Token` on writes). Objects outside your scope answer 404."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": {
            "/me": {"get": op("The caller: name, role, scope", json!([]), None, obj.clone())},
            "/dashboard": {"get": op("Estates and households by region and eligibility; seed profiles", json!([]), None, obj.clone())},
            "/estates": {"get": op("List estates in scope (keyset pagination)", list_params, None,
                json!({"type": "object", "properties": {"total": {"type": "integer"}, "next": {"type": ["string", "null"]}, "items": {"type": "array", "items": {"$ref": "#/components/schemas/Estate"}}}}))},
            "/estates/{id}": {
                "get": op("One estate file with eligibility and attachments", json!([id_param()]), None, json!({"$ref": "#/components/schemas/Estate"})),
                "put": op("Change fields of an estate; `version` is the version you read (409 if stale)", json!([id_param()]),
                    Some(json!({"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["version"],
                        "properties": {"version": {"type": "integer"}}, "additionalProperties": true}}}})),
                    json!({"$ref": "#/components/schemas/Estate"}))
            },
            "/estates/{id}/history": {"get": op("The dated history of an estate", json!([id_param()]), None, json!({"type": "array"}))},
            "/estates/export": {"get": {"summary": "The estates of a region in the ledger layout, as .xlsx (default) or .csv (UTF-8 with BOM)",
                "parameters": [q("region", "region code or name inside your scope"), q("format", "xlsx | csv")],
                "responses": {"200": {"description": "The file", "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
                    "text/csv": {"schema": {"type": "string"}}}},
                    "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/estates/{id}/attachments": {"post": {"summary": "Attach a photo (JPEG, PNG) or PDF sent as the body, ≤10 MB; answers 201",
                "parameters": [id_param(), q("filename", "original file name")],
                "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": {"type": "object"}}}},
                    "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
                    "404": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
            "/estates/{id}/attachments/{aid}": {"get": {"summary": "The bytes of an attachment",
                "parameters": [id_param(), {"name": "aid", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "The file"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/imports/estates": {"post": op("Import a ledger (.xlsx, .xls, .csv) sent as the body; nothing is imported while any error stands (422 with the errors)",
                json!([q("region", "county for rows without a division code"), q("filename", "original file name"), q("dry_run", "true: check only")]),
                Some(json!({"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}})),
                json!({"type": "object", "properties": {"imported": {"type": "integer"}, "updated": {"type": "integer"}, "unchanged": {"type": "integer"}, "errors": {"type": "array"}}}))},
            "/audit": {"get": op("Audit log entries, newest first (admins and auditors)", json!([q("before", "entry id"), q("limit", "≤5000")]), None, json!({"type": "array"}))},
            "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OK"}}}}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, "cookie": {"type": "apiKey", "in": "cookie", "name": "jg_session"}},
            "responses": {"Error": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": ["string", "null"]}}}}},
                "Estate": {"type": "object", "properties": {"id": {"type": "integer"}, "version": {"type": "integer"}, "name": {"type": "string"},
                    "region_code": {"type": "string"}, "built_years": {"type": "array", "items": {"type": "integer"}}, "households": {"type": ["integer", "null"]},
                    "floor_area_m2": {"type": ["number", "null"]}}, "additionalProperties": true},
                "Complaint": {"type": "object", "properties": {"id": {"type": "integer"}, "version": {"type": "integer"}, "tracking_no": {"type": "string"},
                    "project_id": {"type": ["integer", "null"]}, "estate_id": {"type": ["integer", "null"]}, "region_code": {"type": "string", "description": "the responsible street or county"},
                    "category": {"type": "string"}, "body": {"type": "string"}, "contact_name": {"type": "string"}, "contact_phone": {"type": "string"},
                    "status": {"type": "string"}, "due_on": {"type": "string", "format": "date"}, "days_left": {"type": ["integer", "null"]}, "overdue": {"type": "boolean"},
                    "events": {"type": "array"}}, "additionalProperties": true},
                "Project": {"type": "object", "properties": {"id": {"type": "integer"}, "version": {"type": "integer"}, "name": {"type": "string"},
                    "region_code": {"type": "string"}, "plan_year": {"type": "integer"}, "stage": {"type": "string"}, "investment_fen": {"type": "integer"},
                    "estate_ids": {"type": "array", "items": {"type": "integer"}},
                    "steps": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}, "required": {"type": "boolean"},
                        "due": {"type": ["string", "null"]}, "done": {"type": ["string", "null"]}, "rule": {"type": "string"}, "clause": {"type": "string"}, "overdue": {"type": "boolean"}}}}},
                    "additionalProperties": true}
            }
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}

/// Consultations and ballots (issue 6): open, tally, staff ballots, close; the resident's vote by code.
fn consultations_paths(paths: &mut Value) {
    let int = json!({"type": "integer"});
    let s = json!({"type": "string"});
    let cid = path_param("cid", "integer");
    let consultation = json!({"type": "object", "description": "id, estate_id, project_id, kind, matter, title, question, opens_at, closes_at (RFC 3339 UTC), rule_key, eligible_households, eligible_area_dm2, closed_at, result_sha256, passed, version, state"});
    paths["/estates/{id}/consultations"] = json!({
        "get": op("Consultations of an estate", json!([id_param()]), None, json!({"type": "object"})),
        "post": {"summary": "Open a consultation of the estate's households (the roll is frozen from the registry); answers 201",
            "parameters": [id_param()],
            "requestBody": body(&["kind", "title", "question", "opens_at", "closes_at"], json!({"kind": {"type": "string", "enum": ["consent", "plan", "satisfaction", "joint_decision", "survey"]},
                "matter": {"type": "string", "enum": ["ordinary", "major"], "description": "joint_decision only"}, "title": s, "question": s,
                "opens_at": {"type": "string", "description": "Beijing time, e.g. 2026-12-01 09:00, or RFC 3339 UTC"}, "closes_at": s, "project_id": int})),
            "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": consultation}}},
                "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}
    });
    paths["/estates/{id}/consultations/{cid}"] = json!({"get": op("A consultation with its tally: eligible, participating, yes, no, abstain (households and area), each threshold with value, achieved and outcome; final once closed",
        json!([id_param(), cid.clone()]), None, consultation.clone())});
    paths["/estates/{id}/consultations/{cid}/ballots"] = json!({"post": op("A ballot entered by staff: channel assisted (counted at once) or paper (one of the two entries; counted when two users agree)",
        json!([id_param(), cid.clone()]), body(&["household_id", "choice", "channel"], json!({"household_id": int, "choice": {"type": "string", "enum": ["yes", "no", "abstain"]}, "channel": {"type": "string", "enum": ["assisted", "paper"]}, "scan_id": int})),
        json!({"type": "object"}))});
    paths["/estates/{id}/consultations/{cid}/close"] = json!({"post": op("Close: lock the result and sign it (SHA-256) into the audit log; 409 when the version is stale",
        json!([id_param(), cid]), body(&["version"], json!({"version": int, "reason": {"type": "string", "description": "required when closing before closes_at"}})), consultation)});
    paths["/estates/{id}/consultations/{cid}/voids"] = json!({
        "get": op("Requests to void a counted ballot, pending first", json!([id_param(), cid.clone()]), None, json!({"type": "object"})),
        "post": op("Ask that a household's counted ballot be voided (reason required; 201); staff can enter the household again only after a second user approves",
            json!([id_param(), cid.clone()]), body(&["household_id", "reason"], json!({"household_id": int, "reason": s})), json!({"type": "object"}))});
    paths["/estates/{id}/consultations/{cid}/voids/{vid}"] = json!({"post": op("Approve or refuse a void request (a user other than the one who asked)",
        json!([id_param(), cid.clone(), path_param("vid", "integer")]), body(&["decision"], json!({"decision": {"type": "string", "enum": ["approve", "reject"]}})), json!({"type": "object"}))});
    paths["/vote/{code}"] = json!({"post": {"summary": "A resident's vote with the one-time code of the slip (no account): 200 accepted, 404 wrong or void code, 409 code already used, 422 closed or bad choice",
        "parameters": [path_param("code", "string")],
        "requestBody": body(&["choice"], json!({"choice": {"type": "string", "enum": ["yes", "no", "abstain"]}})),
        "responses": {"200": {"description": "Accepted", "content": {"application/json": {"schema": {"type": "object"}}}},
            "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}});
}
