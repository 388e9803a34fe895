//! `jiugai serve --demo`: Ruicheng's 30 estates of seed 001 attachment 3 under 芮城县, so that a newcomer
//! sees a real county at once. The other four seed jurisdictions are regions of the division tree with
//! built-in profiles and show on the dashboard without estates. Loading twice changes nothing.

use jiugai_domain::{Choice, Stage, StepKey};
use jiugai_store::estates::import::{ImportOptions, import_estates};
use jiugai_store::regions::Regions;
use jiugai_store::{Db, StoreError};

/// The ledger of seed 001, attachment 3 (the spreadsheet the CLI tests import).
pub const RUICHENG_XLSX: &[u8] = include_bytes!("../../sheet/tests/fixtures/ruicheng.xlsx");

/// Imports the demo ledger. Returns how many estates were added.
pub async fn load(db: &Db, regions: &Regions) -> Result<u64, StoreError> {
    let dir = tempfile::tempdir().map_err(|e| StoreError::Other(e.to_string()))?;
    let path = dir.path().join("芮城县老旧小区摸底台账（演示）.xlsx");
    std::fs::write(&path, RUICHENG_XLSX).map_err(|e| StoreError::Other(e.to_string()))?;
    let opts = ImportOptions {
        region: Some("140830".into()),
        actor: "system".into(),
        origin: "demo".into(),
        ..Default::default()
    };
    let r = import_estates(db, regions, &path, &opts, &|_| {}).await?;
    Ok(r.imported)
}

/// Demo coordinates (the seed ledger has none): each estate of `county` without coordinates gets a point
/// inside the county's outline, derived deterministically from the outline's centroid plus an offset hashed
/// from the estate's name (FNV-1a), pulled towards the centroid until it lies inside. Demo data only.
pub async fn locate(db: &Db, regions: &Regions, county: &str) -> Result<usize, StoreError> {
    use crate::dashboard::map;
    let rings: Vec<map::Ring> =
        map::rings(county).into_iter().filter(|(id, _)| id == county).flat_map(|(_, r)| r).collect();
    let Some((cx, cy)) = map::centroid(&rings) else { return Ok(0) };
    let list = jiugai_store::estates::list(
        db,
        regions,
        &jiugai_store::estates::Filter { region: Some(county.into()), ..Default::default() },
    )
    .await?;
    let mut n = 0;
    for e in list.into_iter().filter(|e| e.data.longitude_e6.is_none() || e.data.latitude_e6.is_none()) {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in e.data.name.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        // Two offsets in [-1, 1), up to 0.12° east–west and 0.09° north–south.
        let (ux, uy) = (((h & 0xffff) as f64 / 32768.0) - 1.0, (((h >> 16) & 0xffff) as f64 / 32768.0) - 1.0);
        let (mut x, mut y) = (cx + ux * 0.12, cy + uy * 0.09);
        for _ in 0..6 {
            if map::inside(&rings, x, y) {
                break;
            }
            (x, y) = ((x + cx) / 2.0, (y + cy) / 2.0);
        }
        let mut data = e.data.clone();
        data.longitude_e6 = Some((x * 1e6).round() as i64);
        data.latitude_e6 = Some((y * 1e6).round() as i64);
        jiugai_store::estates::update(db, regions, e.id, e.version, &data, "system", "demo").await?;
        n += 1;
    }
    Ok(n)
}

/// Three demo projects on the demo estates, when there are no projects yet: one of plan year 2025 in
/// implementation (steps done up to the start, content with progress, a site report, an open issue, and
/// overdue completion steps), two of 2026 in reserve and planning with ranking inputs. Returns how many
/// were created.
pub async fn load_projects(
    db: &Db,
    regions: &Regions,
    profiles: &jiugai_rules::ProfileSet,
) -> Result<usize, StoreError> {
    use jiugai_store::projects::{self, Facts, NewProject, items, ledger, steps};
    if !projects::list(db, regions, &Default::default()).await?.is_empty() {
        return Ok(0);
    }
    let estates = jiugai_store::estates::list(
        db,
        regions,
        &jiugai_store::estates::Filter { region: Some("140830".into()), ..Default::default() },
    )
    .await?;
    let id_of = |name: &str| estates.iter().find(|e| e.data.name == name).map(|e| e.id);
    let (Some(a), Some(b), Some(c), Some(d)) =
        (id_of("原卷烟厂小区"), id_of("体委住宅楼"), id_of("国税二区住宅楼"), id_of("疾控中心住宅楼"))
    else {
        return Ok(0);
    };
    let prof = profiles.effective(profiles.for_region("140830")).map_err(|e| StoreError::Other(e.to_string()))?;
    let (actor, origin) = ("system", "demo");
    let new = |name: &str, ids: Vec<i64>, year: i32, yuan: i64| NewProject {
        name: name.into(),
        estate_ids: ids,
        plan_year: year,
        investment_fen: yuan * 100,
        ..Default::default()
    };
    // 1. 2025, in implementation.
    let p = projects::create(db, &new("原卷烟厂小区综合改造", vec![a], 2025, 2_860_000), actor, origin).await?;
    let mut v = p.version;
    let facts = Facts {
        companies: Some("施工：芮城县建筑工程有限公司；监理：运城市建设监理公司".into()),
        residents_fund_fen: Some(Some(12_000_000)),
        ..Default::default()
    };
    v = projects::update_facts(db, p.id, v, &facts, actor, origin).await?.version;
    for (code, qty, yuan) in [
        ("B17", 452_000, 680_000),
        ("B10", 120_000, 420_000),
        ("B03", 800, 260_000),
        ("B16", 90_000, 310_000),
        ("I11", 4_000, 180_000),
        ("I05", 150_000, 210_000),
    ] {
        let item =
            items::catalogue(db, "140830").await?.into_iter().find(|i| i.code == code).map(|i| i.id).unwrap_or(1);
        v = items::add_item(
            db,
            &prof,
            p.id,
            v,
            &items::ItemInput {
                item_id: item,
                quantity_centi: qty,
                unit: None,
                cost_fen: yuan * 100,
                payer: None,
                note: String::new(),
            },
            actor,
            origin,
        )
        .await?
        .version;
    }
    // Every step the profile requires before the start, in order, on plausible dates.
    let dates = [
        ("survey", "2025-01-22"),
        ("design", "2025-02-25"),
        ("publicity", "2025-03-04"),
        ("joint_review", "2025-03-12"),
        ("feasibility_study", "2025-03-18"),
        ("approval", "2025-03-28"),
        ("preliminary_design", "2025-04-03"),
        ("drawing_review", "2025-04-10"),
        ("budget_review", "2025-04-18"),
        ("tender", "2025-05-09"),
        ("permits", "2025-05-16"),
        ("construction_permit", "2025-05-19"),
    ];
    let current = projects::get(db, p.id).await?;
    let needed: Vec<StepKey> = steps::view(&prof, &current, &[], projects::today())
        .into_iter()
        .filter(|s| s.required)
        .map(|s| s.key)
        .collect();
    for (key, on) in dates {
        let key = StepKey::parse(key).expect("a step of the workflow");
        if !needed.contains(&key) {
            continue;
        }
        let c = steps::Completion {
            done_on: on.into(),
            started_on: (key == StepKey::Publicity).then(|| "2025-02-27".to_string()),
            detail: if key == StepKey::Survey {
                serde_json::json!({"agree": 55, "households": 60})
            } else {
                serde_json::json!({})
            },
            ..Default::default()
        };
        v = steps::complete(db, &prof, (p.id, v, key), &c, actor, origin).await?.version;
    }
    v = projects::move_stage(
        db,
        &prof,
        p.id,
        v,
        Stage::Implementation,
        2025,
        "列入 2025 年度改造计划（演示）",
        actor,
        origin,
    )
    .await?
    .version;
    v = steps::complete(
        db,
        &prof,
        (p.id, v, StepKey::Start),
        &steps::Completion { done_on: "2025-05-26".into(), ..Default::default() },
        actor,
        origin,
    )
    .await?
    .version;
    for (n, it) in items::items(db, p.id).await?.into_iter().enumerate() {
        v = ledger::set_progress(db, p.id, v, it.id, [100, 80, 60, 100, 30, 0][n % 6], "", actor, origin)
            .await?
            .version;
    }
    ledger::add_report(
        db,
        p.id,
        "2025-09-12",
        "1、2 号楼屋面防水完成；雨污管网错峰夜间施工，未反复开挖",
        &[],
        actor,
        origin,
    )
    .await?;
    ledger::open_issue(db, p.id, "safety", "2 号楼脚手架连墙件缺失，须整改", actor, origin).await?;
    let _ = v;
    // 2. and 3. 2026, for the ranking.
    let q = projects::create(db, &new("体委·国税二区连片改造", vec![b, c], 2026, 1_650_000), actor, origin).await?;
    let f = Facts {
        consent_yes: Some(Some(33)),
        consent_households: Some(Some(35)),
        participation_yes: Some(Some(35)),
        residents_fund_fen: Some(Some(16_500_000)),
        illegal_found: Some(Some(2)),
        illegal_removed: Some(Some(2)),
        ..Default::default()
    };
    projects::update_facts(db, q.id, q.version, &f, actor, origin).await?;
    let r = projects::create(db, &new("疾控中心住宅楼改造", vec![d], 2026, 980_000), actor, origin).await?;
    let f = Facts {
        consent_yes: Some(Some(20)),
        consent_households: Some(Some(24)),
        participation_yes: Some(Some(18)),
        illegal_found: Some(Some(3)),
        illegal_removed: Some(Some(1)),
        safety_rating: Some(Some("C".into())),
        ..Default::default()
    };
    let r = projects::update_facts(db, r.id, r.version, &f, actor, origin).await?;
    projects::move_stage(db, &prof, r.id, r.version, Stage::Planning, 2026, "完成方案谋划（演示）", actor, origin)
        .await?;
    crate::demo_funds::load(db, regions, &[p.id, q.id, r.id]).await?;
    Ok(3)
}

/// Demo household registries (住户名册) of three demo estates, when they have none: 原卷烟厂小区 (60, as its
/// file records), 工商银行住宅楼 (50, as recorded) and 政府住宅楼 (57 of the 60 its file records, so that the
/// count check shows its warning). Names, phones and areas are made up and deterministic. Returns how
/// many households were added.
pub async fn load_households(db: &Db) -> Result<u64, StoreError> {
    use jiugai_store::residents::households::{self, NewHousehold};
    const SURNAMES: &[&str] = &[
        "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "高",
        "林", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
    ];
    const GIVEN: &[&str] = &[
        "建国", "秀英", "桂兰", "志强", "海燕", "卫东", "丽", "伟", "芳", "军", "淑珍", "玉梅", "红", "明", "晓东",
        "国庆", "春生", "秋菊", "平", "文华", "爱民", "小红", "凤英", "永红", "德胜",
    ];
    // Estates under 芮城县 by code prefix (no division tree needed for a county code).
    let no_tree = Regions::from_rows(Vec::new());
    let estates = jiugai_store::estates::list(
        db,
        &no_tree,
        &jiugai_store::estates::Filter { region: Some("140830".into()), ..Default::default() },
    )
    .await?;
    // (estate, buildings, units, floors, rooms per floor, households registered)
    let plan: [(&str, u32, u32, u32, u32, usize); 3] =
        [("原卷烟厂小区", 2, 2, 5, 3, 60), ("工商银行住宅楼", 2, 2, 7, 2, 50), ("政府住宅楼", 3, 2, 5, 2, 57)];
    let mut seed: u64 = 20_250_101;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as u32
    };
    let mut added = 0;
    for (name, b, u, f, r, n) in plan {
        let Some(e) = estates.iter().find(|e| e.data.name == name) else { continue };
        if households::totals(db, e.id).await?.0 > 0 {
            continue;
        }
        let mut rows = Vec::new();
        'all: for building in 1..=b {
            for unit in 1..=u {
                for floor in 1..=f {
                    for room in 1..=r {
                        if rows.len() == n {
                            break 'all;
                        }
                        let owner = format!(
                            "{}{}",
                            SURNAMES[next() as usize % SURNAMES.len()],
                            GIVEN[next() as usize % GIVEN.len()]
                        );
                        let phone = format!("1{}{:09}", [3, 5, 7, 8, 9][next() as usize % 5], next() % 1_000_000_000);
                        let proxy = next() % 9 == 0;
                        rows.push(NewHousehold {
                            building: building.to_string(),
                            unit: unit.to_string(),
                            room: format!("{floor}{room:02}"),
                            area_dm2: 5_500 + (next() % 4_400) as i64,
                            owner_name: owner,
                            owner_phone: phone,
                            proxy_name: if proxy {
                                format!(
                                    "{}{}",
                                    SURNAMES[next() as usize % SURNAMES.len()],
                                    GIVEN[next() as usize % GIVEN.len()]
                                )
                            } else {
                                String::new()
                            },
                            proxy_phone: if proxy { format!("139{:08}", next() % 100_000_000) } else { String::new() },
                        });
                    }
                }
            }
        }
        added += households::insert_all(db, e.id, &rows, "system", "demo").await?;
    }
    Ok(added)
}

/// Three demo complaints on the first demo project, when there are none yet: one being handled, one
/// overdue (received 30 days ago, not answered), one resolved with the office's reply. The project's
/// public notice is published first (from its publicity date) if it is not, since residents complain
/// from it. Returns how many were created.
pub async fn load_complaints(
    db: &Db,
    regions: &Regions,
    profiles: &jiugai_rules::ProfileSet,
) -> Result<usize, StoreError> {
    use jiugai_store::complaints::{self, NewComplaint};
    use jiugai_store::projects::{self, Facts};
    let today = projects::today();
    if !complaints::list(db, &complaints::Filter { limit: Some(1), ..Default::default() }, today).await?.is_empty() {
        return Ok(0);
    }
    let Some(mut p) =
        projects::list(db, regions, &Default::default()).await?.into_iter().find(|p| p.name == "原卷烟厂小区综合改造")
    else {
        return Ok(0);
    };
    if p.notice_from.is_none() {
        let f = Facts {
            notice_from: Some(Some("2025-02-27".into())),
            hotline: Some("0359-3022345".into()),
            ..Default::default()
        };
        p = projects::update_facts(db, p.id, p.version, &f, "system", "demo").await?;
    }
    let ago = |days: i64| {
        jiugai_rules::Date::from_days(today.to_days() - days)
            .map(complaints::stamp)
            .unwrap_or_else(|| complaints::stamp(today))
    };
    let new = |category: &str, body: &str, name: &str, phone: &str| NewComplaint {
        project_id: Some(p.id),
        estate_id: None,
        category: category.into(),
        body: body.into(),
        contact_name: name.into(),
        contact_phone: phone.into(),
    };
    let (actor, origin) = ("web:demo-street", "demo");
    // 1. Being handled.
    let a = complaints::submit(
        db,
        regions,
        profiles,
        &new(
            "disturbance",
            "3 号楼旁雨污管网施工晚上十点以后还在切割管材，噪音很大，老人孩子休息不好，希望夜间停止高噪声作业。",
            "王女士",
            "13903591234",
        ),
        &ago(6),
        origin,
    )
    .await?;
    complaints::update(
        db,
        a.id,
        &complaints::Update {
            expected: a.version,
            status: complaints::Status::Processing,
            reply: "已转施工单位和监理核实，夜间施工安排将于本周内答复。",
            at: &ago(5),
        },
        actor,
        origin,
    )
    .await?;
    // 2. Overdue: received 30 days ago, not answered.
    complaints::submit(
        db,
        regions,
        profiles,
        &new("safety", "2 号楼北侧脚手架没有防护网，下班时间经常有材料掉落，楼下就是出入口，很危险。", "", ""),
        &ago(30),
        origin,
    )
    .await?;
    // 3. Resolved, with the reply the resident reads by tracking number.
    let c = complaints::submit(
        db,
        regions,
        profiles,
        &new("quality", "1 号楼屋面防水做完后第一场雨顶层 602 室又漏水，墙皮都泡了。", "李先生", "13835967788"),
        &ago(40),
        origin,
    )
    .await?;
    let c = complaints::update(
        db,
        c.id,
        &complaints::Update {
            expected: c.version,
            status: complaints::Status::Processing,
            reply: "已安排监理单位现场查看。",
            at: &ago(39),
        },
        actor,
        origin,
    )
    .await?;
    complaints::update(
        db,
        c.id,
        &complaints::Update {
            expected: c.version,
            status: complaints::Status::Resolved,
            reply: "经查为女儿墙泛水收口不严，施工单位已返工并闭水试验合格；602 室内墙面由施工单位负责修复。",
            at: &ago(33),
        },
        actor,
        origin,
    )
    .await?;
    Ok(3)
}

/// Demo consultations on the demo registries, when there are none: an open satisfaction consultation of
/// 原卷烟厂小区 for its 2025 project (codes issued, 38 of 60 households answered by code, assisted entry
/// and paper, one paper form disputed and waiting for a third user), and a closed joint decision of
/// 工商银行住宅楼 on hiring a property company (ordinary matter, passed, locked and signed). Returns how many.
pub async fn load_consultations(
    db: &Db,
    regions: &Regions,
    profiles: &jiugai_rules::ProfileSet,
) -> Result<usize, StoreError> {
    use jiugai_store::residents::consultations::{self as cons, NewConsultation};
    use jiugai_store::residents::households;
    let (actor, origin) = ("system", "demo");
    let estates = jiugai_store::estates::list(
        db,
        regions,
        &jiugai_store::estates::Filter { region: Some("140830".into()), ..Default::default() },
    )
    .await?;
    let id_of = |name: &str| estates.iter().find(|e| e.data.name == name).map(|e| e.id);
    let (Some(a), Some(b)) = (id_of("原卷烟厂小区"), id_of("工商银行住宅楼")) else { return Ok(0) };
    if !cons::list_for_estate(db, a).await?.is_empty() || !cons::list_for_estate(db, b).await?.is_empty() {
        return Ok(0);
    }
    let ha = households::list(db, a).await?;
    let hb = households::list(db, b).await?;
    if ha.len() < 60 || hb.len() < 50 {
        return Ok(0);
    }
    let prof = profiles.effective(profiles.for_region("140830")).map_err(|e| StoreError::Other(e.to_string()))?;
    let project = jiugai_store::projects::of_estate(db, a).await?.first().map(|p| p.0);
    let today = jiugai_store::clock::today().to_string();
    let later = jiugai_rules::Date::parse(&today)
        .and_then(|t| jiugai_rules::Date::from_days(t.to_days() + 20))
        .map(|t| t.to_string())
        .unwrap_or(today.clone());
    // 1. Open satisfaction consultation.
    let c = cons::create(
        db,
        &NewConsultation {
            estate_id: a,
            project_id: project,
            kind: cons::Kind::Satisfaction,
            matter: None,
            title: "原卷烟厂小区改造居民满意度测评".into(),
            question: "本小区屋面防水、雨污分流、管网改造和楼道粉刷已基本完工。您对改造效果是否满意？".into(),
            opens_at: format!("{today} 00:00"),
            closes_at: format!("{later} 18:00"),
        },
        actor,
        origin,
    )
    .await?;
    cons::issue_codes(db, c.id, actor, origin).await?;
    let slips = cons::slips(db, c.id, None).await?;
    for (i, s) in slips.iter().enumerate().take(38) {
        cons::cast_by_code(
            db,
            &s.code,
            if i % 9 == 4 {
                Choice::No
            } else if i % 13 == 7 {
                Choice::Abstain
            } else {
                Choice::Yes
            },
            origin,
        )
        .await?;
    }
    for h in &ha[38..42] {
        cons::cast_assisted(db, c.id, h.id, Choice::Yes, "web:社区网格员", origin).await?;
    }
    cons::paper_enter(db, c.id, ha[42].id, Choice::Yes, None, "web:古魏镇街道", origin).await?;
    cons::paper_enter(db, c.id, ha[42].id, Choice::Yes, None, "web:社区网格员", origin).await?;
    cons::paper_enter(db, c.id, ha[43].id, Choice::Yes, None, "web:古魏镇街道", origin).await?;
    cons::paper_enter(db, c.id, ha[43].id, Choice::No, None, "web:社区网格员", origin).await?;
    // 2. A closed joint decision.
    let j = cons::create(
        db,
        &NewConsultation {
            estate_id: b,
            project_id: None,
            kind: cons::Kind::JointDecision,
            matter: Some(cons::Matter::Ordinary),
            title: "选聘物业服务企业".into(),
            question: "改造完成后，是否同意由业主大会选聘专业化物业服务企业实施物业管理？".into(),
            opens_at: "2026-09-01 08:00".into(),
            closes_at: format!("{later} 18:00"),
        },
        actor,
        origin,
    )
    .await?;
    for (i, h) in hb.iter().enumerate().take(44) {
        cons::cast_assisted(
            db,
            j.id,
            h.id,
            if i % 5 == 3 {
                Choice::No
            } else if i % 11 == 10 {
                Choice::Abstain
            } else {
                Choice::Yes
            },
            "web:社区网格员",
            origin,
        )
        .await?;
    }
    cons::close(db, &prof, j.id, j.version, "演示数据：提前结束征询", "web:古魏镇街道", origin).await?;
    Ok(2)
}

/// The annual-plan loop, when there is no plan yet: targets of 运城市's counties for 2025–2027 (芮城县 and
/// three others), two 2027 projects in 芮城县 on core-scope estates with a registry and a closed consent
/// consultation each (so the plan passes its blocking checks), and 芮城县's 2027 plan submitted: it waits
/// under 待审核计划 for 运城市's office (a user with role admin and scope 1408, e.g.
/// `jiugai user add 运城市旧改办 --role admin --scope 运城市`). Returns how many plans were created.
/// The demo's reviewer of 芮城县's plans: the 运城市 office (created once, with a one-time password that
/// is returned to be printed). `None` when it exists already.
pub async fn ensure_city_reviewer(db: &Db) -> Result<Option<String>, StoreError> {
    if jiugai_store::users::by_name(db, "yuncheng").await?.is_some() {
        return Ok(None);
    }
    let (_, pw) =
        crate::auth::create_user(db, "yuncheng", jiugai_domain::Role::Admin, "1408", "system", "demo").await?;
    Ok(Some(pw))
}

pub async fn load_plans(db: &Db, regions: &Regions, profiles: &jiugai_rules::ProfileSet) -> Result<usize, StoreError> {
    use jiugai_store::plans::{self, Actor};
    use jiugai_store::projects::{self, NewProject, items};
    use jiugai_store::residents::consultations::{self as cons, NewConsultation};
    use jiugai_store::residents::households::{self, NewHousehold};
    use jiugai_store::targets::{self, Import, NewTarget};
    const CITY: &str = "1408";
    const COUNTY: &str = "140830";
    const YEAR: i32 = 2027;
    // The demo estates on the dashboard's map (the last demo loader `serve --demo` runs; idempotent).
    locate(db, regions, COUNTY).await?;
    if !plans::list(db, "", None, None).await?.is_empty() || regions.get(COUNTY).is_none() {
        return Ok(0);
    }
    let (actor, origin) = ("system", "demo");
    // 1. Targets: 芮城县 and three other counties of 运城市.
    if targets::list(db, CITY).await?.is_empty() {
        let mut counties: Vec<String> =
            regions.children(CITY).filter(|r| r.code != COUNTY).take(3).map(|r| r.code.clone()).collect();
        counties.insert(0, COUNTY.to_string());
        let numbers: [[i64; 3]; 4] = [[8, 6, 5], [24, 20, 18], [15, 12, 10], [11, 9, 8]];
        let rows = counties
            .iter()
            .zip(numbers.iter())
            .flat_map(|(c, n)| {
                [2025, 2026, 2027].into_iter().zip(n.iter()).map(move |(y, e)| NewTarget {
                    region_code: c.clone(),
                    year: y,
                    estates: *e,
                    households: Some(e * 45),
                })
            })
            .collect();
        let imp = Import {
            region_code: CITY.into(),
            years: vec![2025, 2026, 2027],
            rows,
            total: None,
            prior: 120,
            source: "运城市老旧小区改造年度任务细化分解表（演示）".into(),
        };
        targets::replace(db, regions, &imp, actor, origin).await?;
    }
    // 2. Two estates in no project, core scope, with few households: registries and consent votes.
    let estates = jiugai_store::estates::list(
        db,
        regions,
        &jiugai_store::estates::Filter { region: Some(COUNTY.into()), ..Default::default() },
    )
    .await?;
    let eff = profiles.effective(profiles.for_region(COUNTY)).map_err(|e| StoreError::Other(e.to_string()))?;
    let mut chosen = Vec::new();
    let mut pool: Vec<_> =
        estates.iter().filter(|e| e.data.households.is_some_and(|h| (8..=40).contains(&h))).collect();
    pool.sort_by_key(|e| (e.data.households, e.id));
    for e in pool {
        if !projects::of_estate(db, e.id).await?.is_empty() || households::totals(db, e.id).await?.0 > 0 {
            continue;
        }
        let d = &e.data;
        let el = jiugai_rules::eligibility(
            &eff,
            &jiugai_rules::EstateFacts {
                built_years: d.built_years.clone(),
                in_shantytown_plan: d.in_shantytown_plan.unwrap_or(false),
                self_built: d.self_built.unwrap_or(false),
                urban_village: d.urban_village.unwrap_or(false),
                declared: d.declared,
            },
        );
        if el.verdict == jiugai_rules::Verdict::Core {
            chosen.push(e);
        }
        if chosen.len() == 2 {
            break;
        }
    }
    if chosen.len() < 2 {
        return Ok(0);
    }
    let mut project_ids = Vec::new();
    for (n, e) in chosen.iter().enumerate() {
        let hh = e.data.households.unwrap_or(0);
        let p = projects::create(
            db,
            &NewProject {
                name: format!("{}综合改造", e.data.name),
                estate_ids: vec![e.id],
                plan_year: YEAR,
                investment_fen: [126_000_000, 84_500_000][n],
                ..Default::default()
            },
            actor,
            origin,
        )
        .await?;
        let mut v = p.version;
        let cat = items::catalogue(db, COUNTY).await?;
        for (code, qty, yuan) in [("B10", 60_000, [520_000, 380_000][n]), ("B16", 40_000, [410_000, 265_000][n])] {
            if let Some(item) = cat.iter().find(|i| i.code == code) {
                let it = items::ItemInput {
                    item_id: item.id,
                    quantity_centi: qty,
                    unit: None,
                    cost_fen: yuan * 100,
                    payer: None,
                    note: String::new(),
                };
                v = items::add_item(db, &eff, p.id, v, &it, actor, origin).await?.version;
            }
        }
        let rows: Vec<NewHousehold> = (0..hh)
            .map(|i| NewHousehold {
                building: format!("{}", i / 12 + 1),
                unit: format!("{}", (i % 12) / 6 + 1),
                room: format!("{}{:02}", (i % 6) / 2 + 1, i % 2 + 1),
                area_dm2: 6_200 + (i * 37 % 2_400),
                owner_name: format!("住户{:03}", i + 1),
                ..Default::default()
            })
            .collect();
        households::insert_all(db, e.id, &rows, actor, origin).await?;
        let c = cons::create(
            db,
            &NewConsultation {
                estate_id: e.id,
                project_id: Some(p.id),
                kind: cons::Kind::Consent,
                matter: None,
                title: format!("{}改造意愿征询", e.data.name),
                question: "您是否同意本小区纳入2027年度城镇老旧小区改造计划？".into(),
                opens_at: "2026-10-08 08:00".into(),
                closes_at: "2099-12-31 18:00".into(),
            },
            actor,
            origin,
        )
        .await?;
        let yes = (hh * 9 + 9) / 10;
        for (i, h) in households::list(db, e.id).await?.iter().enumerate() {
            let choice = if (i as i64) < yes { Choice::Yes } else { Choice::No };
            cons::cast_assisted(db, c.id, h.id, choice, "web:社区网格员", origin).await?;
        }
        let c = cons::get(db, c.id).await?;
        cons::close(db, &eff, c.id, c.version, "演示数据：提前结束征询", "web:古魏镇街道", origin).await?;
        project_ids.push(p.id);
    }
    // 3. The county's plan, submitted for the city's review.
    let county = Actor { name: "web:芮城县旧改办", role: jiugai_domain::Role::County, scope: COUNTY, origin };
    let plan = plans::create(db, regions, profiles, COUNTY, YEAR, &project_ids, &county).await?;
    plans::submit(db, regions, profiles, plan.id, plan.version, projects::today(), &county).await?;
    Ok(1)
}
