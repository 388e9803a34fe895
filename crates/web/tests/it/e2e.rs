//! End-to-end in a real headless Chromium through chromedriver (W3C WebDriver over plain HTTP; a small
//! client instead of a WebDriver crate keeps the build lean). Runs only with `JIUGAI_E2E=1` (`.ci/run`
//! installs Debian's `chromium` and `chromium-driver`); otherwise it says why and passes.
//! Screenshots of the main pages go to `target/e2e-screenshots/`.

use crate::support;
use crate::support::browser;

use browser::start_driver;
use serde_json::json;
use support::Server;

#[tokio::test]
async fn a_new_office_user_works_through_the_site() {
    if !browser::enabled() {
        return;
    }
    let s = Server::demo().await;
    let pw = jiugai_web::auth::ensure_admin(&s.t.db).await.unwrap().unwrap();
    let mut d = start_driver(format!("http://{}", s.addr)).await;
    let dir = tempfile::tempdir().unwrap();

    // Sign in with the one-time password; the site insists on a new one.
    d.go("/").await;
    d.shot("01-login").await;
    d.typ("input[name=name]", "admin").await;
    d.typ("input[name=password]", &pw).await;
    d.click("button[type=submit]").await;
    d.wait_url("/account/password").await;
    d.shot("02-password-change").await;
    d.typ("input[name=current]", &pw).await;
    d.typ("input[name=new]", "ruicheng-office-2024").await;
    d.typ("input[name=confirm]", "ruicheng-office-2024").await;
    d.click("form.stack button[type=submit]").await;
    d.find("#chart canvas").await;
    d.shot("03-dashboard").await;
    assert!(d.source().await.contains("芮城县"));

    // Import a ledger with an error: the error table; fix it and import.
    let bad = dir.path().join("新村台账.csv");
    std::fs::write(&bad, "小区名称,坐落位置,建成年代,楼栋数,户数,建筑面积\n风陵渡新村,风陵渡镇中街,1996,3,六十,2100\n")
        .unwrap();
    d.go("/imports/new").await;
    d.typ("input[name=region]", "芮城县").await;
    let input = d.find("input[type=file]").await;
    d.cmd("POST", &format!("/element/{input}/value"), json!({"text": bad.display().to_string()})).await;
    d.click("form.stack button[type=submit]").await;
    let errors = d.wait_text("#import-errors", "六十").await;
    assert!(errors.contains("户数"), "{errors}");
    d.shot("04-import-errors").await;
    std::fs::write(&bad, "小区名称,坐落位置,建成年代,楼栋数,户数,建筑面积\n风陵渡新村,风陵渡镇中街,1996,3,60,2100\n")
        .unwrap();
    d.typ("input[name=region]", "芮城县").await;
    let input = d.find("input[type=file]").await;
    d.cmd("POST", &format!("/element/{input}/value"), json!({"text": bad.display().to_string()})).await;
    d.click("form.stack button[type=submit]").await;
    d.wait_text("#import-summary", "新增 1").await;

    // Find an estate, edit it, see the change in its history.
    d.go("/estates").await;
    d.shot("05-estate-list").await;
    d.typ("input[name=q]", "卷烟").await;
    d.click(".filters button[type=submit]").await;
    d.wait_text("#results .bar", "共 1 个小区").await;
    assert!(d.url().await.contains("q=%E5%8D%B7%E7%83%9F"), "htmx pushed the search into the address bar");
    d.shot("05b-estate-search").await;
    d.click("#estates tbody a").await;
    d.shot("06-estate-file").await;
    d.click("a.button.primary").await;
    d.typ("#f-households", "61").await;
    d.typ("#f-address", "华泰北路1号").await;
    d.shot("07-estate-edit").await;
    d.click(".buttons button[type=submit]").await;
    let history = d.wait_text("#history", "华泰北路1号").await;
    assert!(history.contains("web:admin"), "{history}");
    d.script("document.getElementById('history').scrollIntoView(); return 1;").await;
    d.shot("08-estate-history").await;

    // Export (fetched by the page, as the browser would download it).
    let got = d.script("var x = new XMLHttpRequest(); x.open('GET', '/estates/export?format=csv', false); x.send(); return x.status + ' ' + x.responseText;").await;
    let got = got.as_str().unwrap();
    assert!(got.starts_with("200") && got.contains("风陵渡新村") && got.contains("华泰北路1号"), "{got}");

    d.go("/audit").await;
    d.shot("09-audit").await;
    d.go("/lang?to=en&next=/").await;
    d.find("#chart canvas").await;
    d.shot("10-dashboard-en").await;
    d.go("/lang?to=zh&next=/estates").await;

    // A phone.
    d.size(390, 844).await;
    d.go("/estates").await;
    d.shot("11-phone-list").await;
    d.click("form.inline button").await;
    d.find("input[name=name]").await;
    d.shot("12-phone-login").await;
    let _ = d.cmd("DELETE", "", json!({})).await;
}
