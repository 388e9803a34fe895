//! `jiugai org|tasks|notices|user unit` on the backend the environment chooses: the duties annex as an
//! xlsx (title row, 序号/工作任务/责任单位) and the roster as csv imported; a task to a unit created,
//! overdue, refused to another unit's user, replied to, sent back and closed; a notice with a
//! rectification deadline that became a task.

use crate::support;
use support::{jiugai, json_of};

use jiugai_store::testing::TestDb;

fn duties_xlsx(path: &std::path::Path) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "芮城县推进城镇老旧小区改造成员单位职责").unwrap();
    for (c, h) in ["序号", "工作任务", "责任单位"].iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    let rows = [
        ("项目立项审批", "县发改局牵头，县财政局配合"),
        ("可研、初步设计审批和施工许可", "县行政审批局牵头，县住建局、县自然资源局配合"),
        ("电动自行车充电桩、消防车通道", "县消防救援大队牵头，县住建局配合"),
    ];
    for (i, (task, units)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_number(r, 0, (i + 1) as f64).unwrap();
        ws.write_string(r, 1, *task).unwrap();
        ws.write_string(r, 2, *units).unwrap();
    }
    wb.save(path).unwrap();
}

fn yesterday() -> String {
    let t = jiugai_store::clock::today();
    jiugai_domain::Date::from_days(t.to_days() - 1).unwrap().to_string()
}

#[tokio::test]
async fn org_tasks_and_notices_from_the_command_line() {
    let t = TestDb::new().await;
    let url = t.url.as_str();
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("附件2.xlsx");
    duties_xlsx(&x);
    let o = jiugai(url, &["org", "import", x.to_str().unwrap(), "--region", "芮城县", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json_of(&o);
    assert_eq!(j["layout"], "duties");
    assert_eq!(j["duties"], 3);
    let roster = dir.path().join("附件1.csv");
    std::fs::write(&roster, "领导小组\n职务,姓名,单位及职务\n组长,杜步奇,县人民政府副县长\n成员,赵创国,县发展和改革局局长\n办公室主任,张凯,县住房和城乡建设管理局局长\n").unwrap();
    let o = jiugai(url, &["org", "import", roster.to_str().unwrap(), "--region", "140830"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let o = jiugai(url, &["org", "show", "--region", "芮城县", "--json"]);
    let j = json_of(&o);
    assert_eq!(j["duties"][1]["leads"][0], "县行政审批局");
    assert_eq!(j["duties"][1]["cooperating"][1], "县自然资源局");
    assert_eq!(j["members"][1]["unit"], "县发改局");
    assert_eq!(j["group"]["office_unit"], "县住建局");
    // A bad table: exit 1, nothing written.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "序号,工作任务,责任单位\n1,,县住建局\n").unwrap();
    assert_eq!(jiugai(url, &["org", "import", bad.to_str().unwrap(), "--region", "芮城县"]).status.code(), Some(1));

    // Users: a 发改局 user and a 财政局 user.
    for (name, unit) in [("fgj", "县发改局"), ("czj", "县财政局")] {
        assert!(jiugai(url, &["user", "add", name, "--role", "department", "--scope", "芮城县"]).status.success());
        let o = jiugai(url, &["user", "unit", name, unit]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let due = yesterday();
    let o = jiugai(
        url,
        &[
            "tasks",
            "create",
            "--region",
            "芮城县",
            "--unit",
            "县发改局",
            "--title",
            "立项进展督办",
            "--text",
            "报送立项进展",
            "--due",
            &due,
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let task = json_of(&o);
    assert_eq!(task["overdue"], true);
    let id = task["id"].as_i64().unwrap().to_string();
    let o = jiugai(url, &["tasks", "list", "--region", "芮城县", "--overdue", "--json"]);
    assert_eq!(json_of(&o).as_array().unwrap().len(), 1);
    // Another unit's user may not reply.
    let o = jiugai(url, &["tasks", "reply", &id, "--version", "1", "--text", "x", "--as", "czj"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("承办单位"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = jiugai(
        url,
        &["tasks", "reply", &id, "--version", "1", "--text", "已批复", "--evidence", "附件#3", "--as", "fgj", "--json"],
    );
    assert_eq!(json_of(&o)["state"], "replied");
    let o = jiugai(url, &["tasks", "send-back", &id, "--version", "2", "--reason", "缺批复文号", "--json"]);
    assert_eq!(json_of(&o)["state"], "sent_back");
    let o =
        jiugai(url, &["tasks", "reply", &id, "--version", "3", "--text", "芮发改〔2026〕8号", "--as", "fgj", "--json"]);
    assert_eq!(json_of(&o)["state"], "replied");
    let o = jiugai(url, &["tasks", "close", &id, "--version", "4", "--json"]);
    let j = json_of(&o);
    assert_eq!((j["state"].as_str(), j["overdue"].as_bool()), (Some("closed"), Some(false)));
    let o = jiugai(url, &["tasks", "show", &id, "--json"]);
    assert_eq!(json_of(&o)["events"].as_array().unwrap().len(), 5);

    // A notice from the city with a rectification deadline.
    let rect = format!("{}:限期完成立项", jiugai_store::clock::today());
    let o = jiugai(
        url,
        &[
            "notices",
            "issue",
            "--region",
            "运城市",
            "--kind",
            "criticism",
            "--to",
            "芮城县",
            "--period",
            "2026",
            "--title",
            "进度滞后通报",
            "--rectify",
            &rect,
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json_of(&o);
    assert_eq!(j["facts"]["region_code"], "140830");
    assert_eq!(j["facts"]["year"], 2026);
    assert_eq!(j["tasks"][0]["origin"], "notice");
    assert_eq!(j["tasks"][0]["assignee_region"], "140830");
    let o = jiugai(url, &["notices", "list", "--region", "芮城县", "--json"]);
    assert_eq!(json_of(&o).as_array().unwrap().len(), 1);
    assert_eq!(
        jiugai(
            url,
            &[
                "notices",
                "issue",
                "--region",
                "运城市",
                "--kind",
                "blame",
                "--to",
                "芮城县",
                "--period",
                "2026",
                "--title",
                "x"
            ]
        )
        .status
        .code(),
        Some(1)
    );
}
