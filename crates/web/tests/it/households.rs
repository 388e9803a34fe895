//! The household registry over HTTP, on the backend `JIUGAI_TEST_DATABASE_URL` names: import through the
//! page and the API, contacts masked for everyone but the street, a bad file refused with its report and
//! nothing changed, the count check as a warning.

use crate::support;

use jiugai_store::estates;
use jiugai_store::residents::households;
use jiugai_store::users::Role;
use serde_json::json;
use support::Server;

async fn estate_id(s: &Server, name: &str) -> i64 {
    estates::list(&s.t.db, &s.state.regions, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.data.name == name)
        .unwrap()
        .id
}

const GOOD: &str = "诚信商城住宅楼住户名册\n楼栋,单元,房号,专有部分面积（㎡）,业主姓名,联系电话,委托代理人,代理人电话\n1栋,1单元,101,85.5,张三明,13812345678,,\n1栋,1单元,102,85.50㎡,李秀英,13912345670,王小红,13712345671\n";

#[tokio::test]
async fn import_through_the_page_then_masking_by_role() {
    let s = Server::demo().await;
    let id = estate_id(&s, "诚信商城住宅楼").await; // its file records 7 households
    let mut county = s.signed_in("county", Role::County, "140830").await;
    // The estate page links to the registry.
    let page = county.get(&format!("/estates/{id}")).await.text();
    assert!(page.contains(&format!("href=\"/estates/{id}/households\"")) && page.contains("住户名册 (0 户)"), "{page}");
    let page = county.get(&format!("/estates/{id}/households")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text().contains("尚未登记住户") && page.text().contains("/households/import?csrf="),
        "{}",
        page.text()
    );
    // A bad file: the report, 422, nothing changed.
    let csrf = county.csrf().await;
    let bad = "楼栋,单元,房号,面积,业主姓名,联系电话\n1,1,101,85.5,张三明,13812345678\n1,1,,60,李四,\n1,1,103,六十,王五,\n1,1,104,60,赵六,12345\n";
    let r = county
        .post_multipart(&format!("/estates/{id}/households/import?csrf={csrf}"), &[], "名册.csv", bad.as_bytes())
        .await;
    assert_eq!(r.status, 422);
    let t = r.text();
    assert!(
        t.contains("id=\"import-errors\"") && t.contains("六十") && t.contains("12345") && t.contains("未导入任何住户"),
        "{t}"
    );
    assert_eq!(households::totals(&s.t.db, id).await.unwrap(), (0, 0));
    // Without the token: refused.
    assert_eq!(
        county
            .post_multipart(&format!("/estates/{id}/households/import"), &[], "名册.csv", GOOD.as_bytes())
            .await
            .status,
        403
    );
    // The good file: summary, the table, and the warning that the file records 7.
    let r = county
        .post_multipart(&format!("/estates/{id}/households/import?csrf={csrf}"), &[], "名册.csv", GOOD.as_bytes())
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text();
    assert!(
        t.contains("新增 2 户") && t.contains("id=\"count-check\"") && t.contains("档案记载 7 户，住户名册登记 2 户"),
        "{t}"
    );
    // County: masked.
    assert!(
        t.contains("张*明")
            && t.contains("138****5678")
            && t.contains("85.50")
            && !t.contains("13812345678")
            && !t.contains("张三明"),
        "{t}"
    );
    assert!(county.get(&format!("/estates/{id}")).await.text().contains("住户名册 (2 户)"));
    // Street of the county: in full.
    let mut street = s.signed_in("street", Role::Street, "140830").await;
    let t = street.get(&format!("/estates/{id}/households")).await.text();
    assert!(
        t.contains("张三明") && t.contains("13812345678") && t.contains("王小红") && t.contains("13712345671"),
        "{t}"
    );
    // Auditors and departments read it masked, and may not import.
    let mut auditor = s.signed_in("auditor", Role::Auditor, "140830").await;
    let t = auditor.get(&format!("/estates/{id}/households")).await.text();
    assert!(t.contains("李*英") && !t.contains("李秀英") && !t.contains("/households/import"), "{t}");
    let csrf = auditor.csrf().await;
    assert_eq!(
        auditor
            .post_multipart(&format!("/estates/{id}/households/import?csrf={csrf}"), &[], "名册.csv", GOOD.as_bytes())
            .await
            .status,
        403
    );
    // Outside the scope: 404, as for an estate that does not exist.
    let mut other = s.signed_in("other-street", Role::Street, "1404").await;
    assert_eq!(other.get(&format!("/estates/{id}/households")).await.status, 404);
    assert_eq!(other.get(&format!("/api/v1/estates/{id}/households")).await.status, 404);
    assert_eq!(households::totals(&s.t.db, id).await.unwrap().0, 2);
    // The English page.
    county.get("/lang?to=en&next=/").await;
    let t = county.get(&format!("/estates/{id}/households")).await.text();
    assert!(t.contains("Household registry") && t.contains("counts differ"), "{t}");
}

#[tokio::test]
async fn json_api_masks_and_refuses_bad_files() {
    let s = Server::demo().await;
    let id = estate_id(&s, "诚信商城住宅楼").await;
    let county = s.user("county-api", Role::County, "140830").await;
    let (_, token) = jiugai_web::auth::create_token(&s.t.db, &county, "test", "test", "test").await.unwrap();
    let mut c = s.client().bearer(&token);
    // A file with a room twice: 422 with the report, nothing imported.
    let dup = "楼栋,房号,面积,姓名\n1,101,60,甲\n1,101,61,乙\n";
    let r = c
        .request(
            "POST",
            &format!("/api/v1/estates/{id}/households/import?filename=a.csv"),
            Some("text/csv"),
            dup.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let j = r.json();
    assert_eq!(
        (j["committed"].clone(), j["errors"][0]["row"].clone(), j["errors"][0]["column"].clone()),
        (json!(false), json!(3), json!("房号"))
    );
    assert_eq!(households::totals(&s.t.db, id).await.unwrap().0, 0);
    // No header: 422 with the file error.
    let r = c
        .request(
            "POST",
            &format!("/api/v1/estates/{id}/households/import?filename=a.csv"),
            Some("text/csv"),
            b"a,b\n1,2\n",
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "bad_file");
    // The good one.
    let r = c
        .request(
            "POST",
            &format!("/api/v1/estates/{id}/households/import?filename=%E5%90%8D%E5%86%8C.csv"),
            Some("text/csv"),
            GOOD.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(
        (
            j["added"].clone(),
            j["check"]["recorded"].clone(),
            j["check"]["registry"].clone(),
            j["check"]["matches"].clone()
        ),
        (json!(2), json!(7), json!(2), json!(false))
    );
    // County: masked; street: in full.
    let v = c.get(&format!("/api/v1/estates/{id}/households")).await.json();
    assert_eq!(v["contacts_masked"], true);
    assert_eq!(
        (
            v["households"][0]["owner_name"].clone(),
            v["households"][0]["owner_phone"].clone(),
            v["households"][0]["area_m2"].clone()
        ),
        (json!("张*明"), json!("138****5678"), json!(85.5))
    );
    assert_eq!(
        (v["households"][1]["proxy_name"].clone(), v["households"][1]["proxy_phone"].clone()),
        (json!("王*红"), json!("137****5671"))
    );
    let street = s.user("street-api", Role::Street, "140830").await;
    let (_, st) = jiugai_web::auth::create_token(&s.t.db, &street, "test", "test", "test").await.unwrap();
    let v = s.client().bearer(&st).get(&format!("/api/v1/estates/{id}/households")).await.json();
    assert_eq!(
        (
            v["contacts_masked"].clone(),
            v["households"][0]["owner_name"].clone(),
            v["households"][0]["owner_phone"].clone()
        ),
        (json!(false), json!("张三明"), json!("13812345678"))
    );
    // The same file again: every row already registered, nothing changed.
    let r = c
        .request(
            "POST",
            &format!("/api/v1/estates/{id}/households/import?filename=a.csv"),
            Some("text/csv"),
            GOOD.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["errors"].as_array().unwrap().len(), 2);
    assert_eq!(households::totals(&s.t.db, id).await.unwrap(), (2, 17100));
    // An empty body, an unknown estate.
    assert_eq!(
        c.request("POST", &format!("/api/v1/estates/{id}/households/import"), Some("text/csv"), b"").await.status,
        422
    );
    assert_eq!(
        c.request("POST", "/api/v1/estates/999999/households/import", Some("text/csv"), GOOD.as_bytes()).await.status,
        404
    );
    assert_eq!(jiugai_store::audit::verify(&s.t.db).await.unwrap().first_broken, None);
}

#[tokio::test]
async fn demo_registries_are_deterministic_and_one_differs() {
    let s = Server::demo().await;
    let n = jiugai_web::demo::load_households(&s.t.db).await.unwrap();
    assert_eq!(n, 167);
    assert_eq!(jiugai_web::demo::load_households(&s.t.db).await.unwrap(), 0, "loading twice adds nothing");
    let c = jiugai_store::residents::import::mismatches(&s.t.db, &s.state.regions, "140830").await.unwrap();
    assert_eq!(c.with_registry, 3);
    assert_eq!(c.mismatches.iter().map(|m| m.estate_name.as_str()).collect::<Vec<_>>(), vec!["政府住宅楼"]);
    let id = estate_id(&s, "原卷烟厂小区").await;
    let list = households::list(&s.t.db, id).await.unwrap();
    assert_eq!(list.len(), 60);
    assert_eq!(list[0].label(), "1栋1单元101");
    assert!(list.iter().all(|h| (5_500..9_900).contains(&h.area_dm2) && h.owner_phone.len() == 11));
    let mut street = s.signed_in("street-demo", Role::Street, "140830").await;
    let gov = estate_id(&s, "政府住宅楼").await;
    let t = street.get(&format!("/estates/{gov}/households")).await.text();
    assert!(t.contains("id=\"count-check\"") && t.contains("少 3 户"), "{t}");
}
