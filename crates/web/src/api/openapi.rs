//! The OpenAPI 3.1 document, written by hand (a test checks that it lists every `/api/v1` route of
//! `access::ROUTES` and nothing else).

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
    complaints_paths(&mut doc["paths"]);
    doc
}

fn path_param(name: &str, kind: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": kind}})
}

fn body(required: &[&str], props: Value) -> Option<Value> {
    Some(json!({"required": true, "content": {"application/json": {"schema": {"type": "object", "required": required, "properties": props}}}}))
}

/// Projects (issue 5): pipeline, steps, content, ledger, ranking, catalogue.
fn projects_paths(paths: &mut Value) {
    let project = json!({"$ref": "#/components/schemas/Project"});
    let filters = json!([q("stage", "reserve | planning | implementation | completed | accepted | management"), q("year", "plan year"),
        q("region", "region code or name inside your scope"), q("overdue", "1: only projects with overdue steps")]);
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

/// Complaints: public submit and tracking (no authentication), staff list and detail in scope.
fn complaints_paths(paths: &mut Value) {
    let s = json!({"type": "string"});
    let int = json!({"type": "integer"});
    let public_err = json!({"$ref": "#/components/responses/Error"});
    paths["/complaints"] = json!({
        "get": op("Complaints routed to a region in your scope, most urgent first; each with due_on (the SLA), days_left and overdue",
            json!([q("status", "received | processing | resolved | open (not resolved)"), q("overdue", "1: only overdue (not resolved, due before today)"),
                q("region", "region code or name inside your scope")]), None,
            json!({"type": "object", "properties": {"total": int, "items": {"type": "array", "items": {"$ref": "#/components/schemas/Complaint"}}}})),
        "post": {"summary": "Submit a complaint (public, no authentication): about a project with a published notice (optionally one of its estates) or an estate of one; answers 201 with the tracking number",
            "security": [],
            "requestBody": body(&["category", "body"], json!({"project_id": int, "estate_id": int,
                "category": {"type": "string", "enum": ["quality", "safety", "progress", "disturbance", "other"]},
                "body": {"type": "string", "minLength": 5, "maxLength": 2000}, "contact_name": s, "contact_phone": s})),
            "responses": {"201": {"description": "Received", "content": {"application/json": {"schema": {"type": "object", "properties": {
                "tracking_no": s, "status": s, "received_on": s, "track_url": s, "track_api": s}}}}},
                "413": {"description": "Body too large"}, "422": public_err.clone()}}
    });
    paths["/complaints/{cid}"] = json!({"get": op("One complaint in your scope with its contact and history (who, when, status, reply)",
        json!([path_param("cid", "integer")]), None, json!({"$ref": "#/components/schemas/Complaint"}))});
    paths["/complaints/track/{no}"] = json!({"get": {"summary": "The public status of a complaint by tracking number (no authentication): status, category, received date, dated history with the office's replies. Any number that is not one answers 404",
        "security": [], "parameters": [path_param("no", "string")],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object", "properties": {
            "tracking_no": s, "status": s, "status_label": s, "category": s, "category_label": s, "received_on": s, "project_name": {"type": ["string", "null"]},
            "history": {"type": "array", "items": {"type": "object", "properties": {"on": s, "status": s, "reply": s}}}}}}}},
            "404": public_err}}});
}

fn base() -> Value {
    let obj = json!({"type": "object"});
    let list_params = json!([
        q("region", "region code or name inside your scope"), q("q", "name, street or address contains"),
        q("eligibility", "core | extended | excluded | out_of_scope"), q("built_from", "year"), q("built_to", "year"),
        q("property_type", "产权性质"), q("sort", "id | name | built | households"), q("desc", "1 for descending"),
        q("after", "cursor from `next` of the previous page"), q("limit", "rows per page (≤1000, default 50)")
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
