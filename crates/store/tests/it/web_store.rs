//! Users, tokens, sessions, sign-in attempts, attachments and the estate list query, on the backend
//! `JIUGAI_TEST_DATABASE_URL` names (a temp SQLite file when unset).

use std::path::Path;

use jiugai_store::estates::import::{ImportOptions, import_estates};
use jiugai_store::estates::query::{self, Cursor, Query, Sort};
use jiugai_store::regions::Regions;
use jiugai_store::testing::TestDb;
use jiugai_store::users::{self, Role};
use jiugai_store::{attachments, audit, sessions};

async fn ruicheng() -> (TestDb, Regions) {
    let t = TestDb::with_regions().await;
    let regions = Regions::load(&t.db).await.unwrap();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    let o = ImportOptions {
        region: Some("140830".into()),
        actor: "test".into(),
        origin: "test".into(),
        ..Default::default()
    };
    let rep = import_estates(&t.db, &regions, &f, &o, &|_| {}).await.unwrap();
    assert_eq!(rep.imported, 30);
    (t, regions)
}

#[tokio::test]
async fn users_tokens_sessions() {
    let t = TestDb::new().await;
    let db = &t.db;
    assert_eq!(users::count(db).await.unwrap(), 0);
    let u = users::create(
        db,
        &jiugai_store::users::NewUser {
            name: "alice",
            role: Role::County,
            scope_code: "140830",
            password_hash: "$argon2id$x",
            must_change_password: true,
        },
        "test",
        "127.0.0.1",
    )
    .await
    .unwrap();
    assert_eq!((u.role, u.scope_code.as_str(), u.must_change_password), (Role::County, "140830", true));
    assert!(
        users::create(
            db,
            &jiugai_store::users::NewUser {
                name: "alice",
                role: Role::Street,
                scope_code: "140830100",
                password_hash: "h",
                must_change_password: true
            },
            "test",
            "t"
        )
        .await
        .is_err(),
        "names are unique"
    );
    assert!(
        users::create(
            db,
            &jiugai_store::users::NewUser {
                name: "a b",
                role: Role::Street,
                scope_code: "140830100",
                password_hash: "h",
                must_change_password: true
            },
            "test",
            "t"
        )
        .await
        .is_err()
    );
    users::set_password(db, u.id, "$argon2id$y", false, "alice", "t").await.unwrap();
    let u2 = users::by_name(db, "alice").await.unwrap().unwrap();
    assert_eq!((u2.password_hash.as_str(), u2.must_change_password), ("$argon2id$y", false));

    let tid = users::add_token(db, u.id, "hash1", "jgt_abcd", "script", "test", "cli").await.unwrap();
    assert_eq!(users::by_token(db, "hash1").await.unwrap().unwrap().name, "alice");
    let list = users::tokens(db, Some("alice")).await.unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].last_used_at.is_none() || list[0].last_used_at.is_some());
    assert!(users::revoke_token(db, tid, "test", "cli").await.unwrap());
    assert!(!users::revoke_token(db, tid, "test", "cli").await.unwrap(), "revoked once");
    assert!(users::by_token(db, "hash1").await.unwrap().is_none());

    sessions::create(db, "s1", u.id, "csrf1", "127.0.0.1", 3600).await.unwrap();
    sessions::create(db, "s2", u.id, "csrf2", "127.0.0.1", -1).await.unwrap();
    assert_eq!(sessions::get(db, "s1").await.unwrap().unwrap().csrf, "csrf1");
    assert!(sessions::get(db, "s2").await.unwrap().is_none(), "expired");
    sessions::delete_for_user(db, u.id, Some("s1")).await.unwrap();
    assert!(sessions::get(db, "s1").await.unwrap().is_some());
    sessions::delete(db, "s1").await.unwrap();
    assert!(sessions::get(db, "s1").await.unwrap().is_none());

    for _ in 0..3 {
        sessions::record_failure(db, "user:alice").await.unwrap();
    }
    assert_eq!(sessions::failures_since(db, "user:alice", 900).await.unwrap(), 3);
    sessions::clear_failures(db, "user:alice").await.unwrap();
    assert_eq!(sessions::failures_since(db, "user:alice", 900).await.unwrap(), 0);
    sessions::purge(db).await.unwrap();
    assert_eq!(audit::verify(db).await.unwrap().first_broken, None);
}

#[tokio::test]
async fn attachments_keep_their_bytes() {
    let (t, _) = ruicheng().await;
    let bytes = b"%PDF-1.4 test".to_vec();
    let a = attachments::add(&t.db, 1, "平面图.pdf", "application/pdf", &bytes, "alice", "127.0.0.1").await.unwrap();
    assert_eq!(attachments::list(&t.db, 1).await.unwrap(), vec![a.clone()]);
    let (meta, data) = attachments::get(&t.db, a.id).await.unwrap().unwrap();
    assert_eq!((meta.size, data), (bytes.len() as i64, bytes));
    assert_eq!(audit::list(&t.db, Some(("estate", "1")), 10).await.unwrap()[0].action, "estate.attachment.add");
}

#[tokio::test]
async fn list_query_filters_sorts_and_pages() {
    let (t, regions) = ruicheng().await;
    let db = &t.db;
    let profiles = jiugai_rules::ProfileSet::builtin();
    assert_eq!(query::refresh_eligibility(db, &profiles).await.unwrap(), 30);
    assert_eq!(query::refresh_eligibility(db, &profiles).await.unwrap(), 0, "nothing stale");

    // Every sort order, both directions, pages of 7: the pages cover the 30 estates exactly once, in order.
    for sort in [Sort::Id, Sort::Name, Sort::Built, Sort::Households] {
        for desc in [false, true] {
            let mut seen = Vec::new();
            let mut after: Option<Cursor> = None;
            loop {
                let q = Query {
                    scope: Some("14".into()),
                    sort,
                    desc,
                    after: after.clone(),
                    limit: 7,
                    ..Default::default()
                };
                let p = query::page(db, &regions, &q).await.unwrap();
                assert_eq!(p.total, 30);
                seen.extend(p.rows.iter().map(|r| r.estate.id));
                match p.next {
                    Some(c) => after = Cursor::decode(&c),
                    None => break,
                }
            }
            let mut sorted = seen.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), 30, "{sort:?} desc={desc}: {seen:?}");
        }
    }
    let in_other = Query { scope: Some("1404".into()), limit: 50, ..Default::default() };
    assert_eq!(query::page(db, &regions, &in_other).await.unwrap().total, 0, "another city sees none");
    let q = Query { scope: Some("140830".into()), text: Some("卷烟".into()), limit: 50, ..Default::default() };
    let p = query::page(db, &regions, &q).await.unwrap();
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.rows[0].estate.data.name, "原卷烟厂小区");
    let core = Query { eligibility: Some("core".into()), limit: 50, ..Default::default() };
    let n_core = query::page(db, &regions, &core).await.unwrap().total;
    assert!(n_core > 0 && n_core <= 30);
    let built = Query { built_from: Some(1990), built_to: Some(1995), limit: 50, ..Default::default() };
    for r in query::page(db, &regions, &built).await.unwrap().rows {
        let y = r.estate.data.built_years[0];
        assert!((1990..=1995).contains(&y));
    }
    let counts = query::counts_by_child(db, &regions, "1408").await.unwrap();
    assert_eq!(counts.iter().map(|c| c.estates).sum::<i64>(), 30);
    assert!(counts.iter().all(|c| c.group == "140830"));
    assert!(query::estate_within(db, &regions, 1, "140830").await.unwrap());
    assert!(query::estate_within(db, &regions, 1, "").await.unwrap());
    assert!(!query::estate_within(db, &regions, 1, "1404").await.unwrap());
    assert!(!query::estate_within(db, &regions, 999, "").await.unwrap());
}
