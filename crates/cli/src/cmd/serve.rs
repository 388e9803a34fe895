//! `jiugai serve [--listen ADDR] [--demo]`: the web application.

use std::process::ExitCode;

use jiugai_web::AppState;

use super::Ctx;
use crate::cli::ServeArgs;

pub async fn run(ctx: &Ctx, a: ServeArgs) -> ExitCode {
    let zh = ctx.zh();
    let r = async {
        let regions = ctx.regions().await?;
        if a.demo {
            let n = jiugai_web::demo::load(&ctx.db, &regions).await?;
            println!("{}", if zh { format!("演示数据：芮城县 30 个小区（新增 {n}）；长治市、宿州市、钦州市、汾阳市的政策配置已内置") } else { format!("demo data: Ruicheng's 30 estates ({n} added); Changzhi, Suzhou, Qinzhou and Fenyang profiles are built in") });
            let profiles = jiugai_store::policies::profile_set(&ctx.db).await?;
            let m = jiugai_web::demo::load_projects(&ctx.db, &regions, &profiles).await?;
            if m > 0 {
                println!("{}", if zh { format!("演示项目：{m} 个（其中 1 个 2025 年度项目在实施中，有逾期步骤）") } else { format!("demo projects: {m} (one of 2025 in implementation, with overdue steps)") });
            }
            let h = jiugai_web::demo::load_households(&ctx.db).await?;
            if h > 0 {
                println!("{}", if zh { format!("演示住户名册：3 个小区共 {h} 户（政府住宅楼的户数与档案不一致，演示核对提示）") } else { format!("demo household registries: {h} households in 3 estates (政府住宅楼 differs from its file, to show the check)") });
            }
            let k = jiugai_web::demo::load_consultations(&ctx.db, &regions, &profiles).await?;
            if k > 0 {
                println!("{}", if zh { "演示居民征询：原卷烟厂小区满意度测评（进行中，含扫码、代录和待核对的纸质票），工商银行住宅楼选聘物业共同决定（已封存）" } else { "demo consultations: satisfaction survey of 原卷烟厂小区 (open: codes, assisted and a disputed paper form), joint decision of 工商银行住宅楼 (closed)" });
            }
            let c = jiugai_web::demo::load_complaints(&ctx.db, &regions, &profiles).await?;
            if c > 0 {
                println!("{}", if zh { format!("演示投诉：{c} 件（其中 1 件逾期未答复）") } else { format!("demo complaints: {c} (one overdue)") });
            }
            let p = jiugai_web::demo::load_plans(&ctx.db, &regions, &profiles).await?;
            if p > 0 {
                println!("{}", if zh { "演示年度计划：芮城县 2027 年度计划已上报，待运城市旧改办（用户 yuncheng）审核；任务分解表见“任务进度”" } else { "demo plan: Ruicheng's 2027 plan submitted, awaiting the Yuncheng office (user yuncheng); targets under “progress”" });
            }
        }
        if let Some(pw) = jiugai_web::auth::ensure_admin(&ctx.db).await? {
            println!("{}", if zh { "已创建管理员 admin（全国范围）。一次性密码（首次登录后须修改）：" } else { "created user admin (whole country). One-time password (must be changed at first sign-in):" });
            println!("    {pw}");
        }
        if a.demo
            && let Some(pw) = jiugai_web::demo::ensure_city_reviewer(&ctx.db).await?
        {
            println!("{}", if zh { "已创建演示用户 yuncheng（运城市旧改办，审核芮城县的计划）。一次性密码：" } else { "created demo user yuncheng (Yuncheng office, reviews Ruicheng's plans). One-time password:" });
            println!("    {pw}");
        }
        let mut state = AppState::new(ctx.db.clone()).await?;
        if a.secure_cookies
            && let Some(inner) = std::sync::Arc::get_mut(&mut state.0) {
                inner.secure_cookies = true;
            }
        Ok::<_, jiugai_store::StoreError>(state)
    }
    .await;
    let state = match r {
        Ok(s) => s,
        Err(e) => return ctx.fail(&e),
    };
    let listener = match tokio::net::TcpListener::bind(&a.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "{}",
                if zh {
                    format!("错误：无法监听 {}：{e}", a.listen)
                } else {
                    format!("error: cannot listen on {}: {e}", a.listen)
                }
            );
            return ExitCode::from(2);
        }
    };
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| a.listen.clone());
    println!(
        "{}",
        if zh {
            format!("旧改已启动：http://{addr}/ （Ctrl+C 停止）")
        } else {
            format!("jiugai is running at http://{addr}/ (Ctrl+C to stop)")
        }
    );
    tokio::select! {
        r = jiugai_web::serve(listener, state) => {
            if let Err(e) = r {
                eprintln!("{}{e}", if zh { "错误：" } else { "error: " });
                return ExitCode::from(2);
            }
        }
        _ = tokio::signal::ctrl_c() => {}
    }
    ExitCode::SUCCESS
}
