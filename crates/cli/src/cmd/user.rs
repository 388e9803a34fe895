//! `jiugai user add|list|reset-password|token|tokens|revoke`.

use std::process::ExitCode;

use jiugai_store::StoreError;
use jiugai_store::users::{self, Role};
use jiugai_web::auth;

use super::Ctx;
use crate::cli::UserCmd;
use crate::output;

pub async fn run(ctx: &Ctx, cmd: UserCmd) -> ExitCode {
    let zh = ctx.zh();
    let r: Result<ExitCode, StoreError> = async {
        match cmd {
            UserCmd::Add { name, role, scope } => {
                let Some(role) = Role::parse(&role) else {
                    eprintln!("{}", if zh { format!("错误：未知角色“{role}”，应为 admin、county、street、department、contractor、auditor 之一") } else { format!("error: unknown role “{role}”: use admin, county, street, department, contractor or auditor") });
                    return Ok(ExitCode::from(1));
                };
                let scope_code = if scope.trim().is_empty() || scope.trim() == "全国" {
                    String::new()
                } else {
                    ctx.regions().await?.resolve(&scope, None)?.code.clone()
                };
                let (u, pw) = auth::create_user(&ctx.db, &name, role, &scope_code, &ctx.actor, "cli").await?;
                println!("{}", if zh { format!("已创建用户 {}（{}，范围 {}）。一次性密码（首次登录后须修改）：", u.name, jiugai_domain::Label::zh(role), if scope_code.is_empty() { "全国" } else { &scope_code }) } else { format!("created user {} ({}, scope {}). One-time password (must be changed at first sign-in):", u.name, jiugai_domain::Label::en(role), if scope_code.is_empty() { "whole country" } else { &scope_code }) });
                println!("{pw}");
            }
            UserCmd::List { json } => {
                let list = users::list(&ctx.db).await?;
                if json {
                    output::json(&list);
                } else {
                    for u in list {
                        println!("{}\t{}\t{}\t{}{}", u.id, u.name, u.role.as_str(), if u.scope_code.is_empty() { "-" } else { &u.scope_code }, if u.must_change_password { "\t(one-time password)" } else { "" });
                    }
                }
            }
            UserCmd::ResetPassword { name } => {
                let u = find(ctx, &name).await?;
                let pw = jiugai_web::util::one_time_password();
                users::set_password(&ctx.db, u.id, &auth::hash_password(&pw), true, &ctx.actor, "cli").await?;
                jiugai_store::sessions::delete_for_user(&ctx.db, u.id, None).await?;
                println!("{}", if zh { "新的一次性密码：" } else { "new one-time password:" });
                println!("{pw}");
            }
            UserCmd::Token { name, label } => {
                let u = find(ctx, &name).await?;
                let (id, token) = auth::create_token(&ctx.db, &u, &label, &ctx.actor, "cli").await?;
                eprintln!("{}", if zh { format!("已为 {} 创建令牌 {id}（只显示这一次，请妥善保存）：", u.name) } else { format!("token {id} created for {} (shown only this once):", u.name) });
                println!("{token}");
            }
            UserCmd::Tokens { name, json } => {
                let list = users::tokens(&ctx.db, name.as_deref()).await?;
                if json {
                    output::json(&list);
                } else {
                    for t in list {
                        let state = match &t.revoked_at { Some(at) => format!("revoked {at}"), None => "active".into() };
                        println!("{}\t{}\t{}…\t{}\t{}\t{}\t{}", t.id, t.user_name, t.prefix, t.label, t.created_at, t.last_used_at.as_deref().unwrap_or("-"), state);
                    }
                }
            }
            UserCmd::Revoke { id } => {
                if users::revoke_token(&ctx.db, id, &ctx.actor, "cli").await? {
                    println!("{}", if zh { format!("令牌 {id} 已吊销") } else { format!("token {id} revoked") });
                } else {
                    eprintln!("{}", if zh { format!("错误：没有有效的令牌 {id}") } else { format!("error: no active token {id}") });
                    return Ok(ExitCode::from(1));
                }
            }
            UserCmd::Unit { name, unit } => {
                let u = find(ctx, &name).await?;
                let regions = ctx.regions().await?;
                let id = if unit.trim() == "-" {
                    None
                } else {
                    Some(jiugai_store::org::find_unit(&ctx.db, &u.scope_code, &unit).await?.id)
                };
                let u = users::set_unit(&ctx.db, &regions, u.id, id, &ctx.actor, "cli").await?;
                println!("{}", if zh { format!("用户 {} 的成员单位：{}", u.name, if id.is_some() { unit.as_str() } else { "（无）" }) } else { format!("user {}'s unit: {}", u.name, if id.is_some() { unit.as_str() } else { "(none)" }) });
            }
        }
        Ok(ExitCode::SUCCESS)
    }
    .await;
    r.unwrap_or_else(|e| ctx.fail(&e))
}

async fn find(ctx: &Ctx, name: &str) -> Result<users::User, StoreError> {
    users::by_name(&ctx.db, name)
        .await?
        .ok_or_else(|| StoreError::invalid("name", name, format!("没有用户“{name}”"), format!("no user “{name}”")))
}
