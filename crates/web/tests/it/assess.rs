//! The assessment of counties over HTTP, on the backend `JIUGAI_TEST_DATABASE_URL` names: the page with
//! the formula beside the table (numerator/denominator per part, 无数据 for a part without data), the
//! printable page, the xlsx download read back, `GET /api/v1/assess` with the JSON contract, and a region
//! outside the caller's scope answering 404 exactly like one that does not exist.

use crate::support;

use jiugai_store::projects::{self, NewProject};
use jiugai_store::testing::execute;
use jiugai_store::users::Role;
use support::Server;

const RUICHENG: &str = "140830";
const YANHU: &str = "140802"; // 盐湖区: another county of 运城市

pub(crate) async fn setup() -> Server {
    let s = Server::demo().await;
    let p = NewProject {
        name: "华泰北路片区改造".into(),
        estate_ids: vec![1, 2],
        plan_year: 2025,
        investment_fen: 300_000_000,
        ..Default::default()
    };
    let id = projects::create(&s.t.db, &p, "county", "test").await.unwrap().id;
    execute(&s.t.db, &format!("UPDATE projects SET satisfaction_yes = 9, satisfaction_answered = 10 WHERE id = {id}"))
        .await;
    s
}

#[tokio::test]
async fn page_print_xlsx_and_api_agree_and_out_of_scope_is_404() {
    let s = setup().await;
    let mut city = s.signed_in("yuncheng", Role::Admin, "1408").await;

    let api = city.get("/api/v1/assess?region=1408&period=2025").await;
    assert_eq!(api.status, 200, "{}", api.text());
    let j = api.json();
    assert_eq!(
        (j["region"].as_str(), j["period"].as_i64(), j["as_of"].as_str()),
        (Some("1408"), Some(2025), Some("2025-12-31"))
    );
    let formula = j["formula"].as_array().unwrap();
    assert!(formula.iter().all(|f| f["criterion"].is_string() && f["weight"].is_i64() && f["source"].is_string()));
    let rows = j["rows"].as_array().unwrap();
    let rc = rows.iter().find(|r| r["region"] == RUICHENG).unwrap();
    assert_eq!(rc["rank"], 1, "the only county with data ranks first");
    assert_eq!(
        (rc["parts"]["satisfaction"]["num"].as_i64(), rc["parts"]["satisfaction"]["den"].as_i64()),
        (Some(9), Some(10))
    );
    assert_eq!(rc["parts"]["satisfaction"]["points"], "18.00");
    let score = rc["score"].as_str().unwrap().to_string();
    let yh = rows.iter().find(|r| r["region"] == YANHU).unwrap();
    assert_eq!(yh["parts"]["satisfaction"]["missing"], true);
    assert!(yh["parts"]["satisfaction"]["points"].is_null());

    // The page: the formula with weights and clauses beside the table; 9 / 10 and 无数据.
    let page = city.get("/assess?region=1408&period=2025").await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("id=\"assess-formula\"")
            && html.contains("[003 四(三)]")
            && html.contains("本系统默认值，可在政策配置中修改")
    );
    assert!(html.contains("9 / 10") && html.contains("无数据") && html.contains(&score), "{score}");
    assert!(html.contains("得分相同时目标任务完成比例高者在前"));
    assert!(html.contains("href=\"/assess\""), "nav link");

    let print = city.get("/assess/print?region=1408&period=2025").await;
    assert_eq!(print.status, 200);
    assert!(print.text().contains("运城市2025年度城镇老旧小区改造县区考核") && print.text().contains(&score));

    let x = city.get("/assess/export?region=1408&period=2025").await;
    assert_eq!(x.status, 200, "{}", x.text());
    assert!(x.header("content-type").unwrap().contains("spreadsheetml"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.xlsx");
    std::fs::write(&path, &x.body).unwrap();
    let back = jiugai_sheet::assess_sheet::read_assess(&path, formula.len()).unwrap();
    assert_eq!(back.len(), rows.len());
    let first = &back[0];
    assert_eq!((first.region.as_str(), first.score.as_deref(), first.rank), (RUICHENG, Some(score.as_str()), Some(1)));
    assert_eq!(first.parts[0], Some((9, 10, "18.00".to_string())));
    let yh_back = back.iter().find(|c| c.region == YANHU).unwrap();
    assert_eq!(yh_back.parts[0], None);

    // A county user: its own county, not its neighbour, not the city above, not an unknown region.
    let mut county = s.signed_in("ruicheng", Role::County, RUICHENG).await;
    let own = county.get("/api/v1/assess?period=2025").await;
    assert_eq!(own.status, 200, "{}", own.text());
    assert_eq!(own.json()["rows"][0]["score"].as_str(), Some(score.as_str()));
    for q in [YANHU, "1408", "999999"] {
        assert_eq!(county.get(&format!("/api/v1/assess?region={q}&period=2025")).await.status, 404, "{q}");
        assert_eq!(county.get(&format!("/assess?region={q}&period=2025")).await.status, 404, "{q}");
        assert_eq!(county.get(&format!("/assess/export?region={q}&period=2025")).await.status, 404, "{q}");
    }
    let bad = county.get("/api/v1/assess?period=明年").await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["error"]["code"], "invalid_value", "{}", bad.text());
    // A contractor may not read assessments.
    let mut c = s.signed_in("builder", Role::Contractor, "").await;
    assert_eq!(c.get("/api/v1/assess?period=2025").await.status, 403);
}
