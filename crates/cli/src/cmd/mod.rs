//! One module per command group. Each returns an exit code: 0 done, 1 the input has errors, 2 failure.

mod assess;
mod audit;
mod complaints;
mod consultations;
mod estates;
mod funds;
mod households;
mod import;
mod notices;
mod org;
mod plans;
mod policy;
mod projects;
mod regions;
mod reports;
mod serve;
mod tasks;
mod user;

use std::process::ExitCode;

use jiugai_sheet::Lang;
use jiugai_store::regions::Regions;
use jiugai_store::{Db, StoreError};

use crate::cli::{Cli, Command, LangArg};

pub struct Ctx {
    pub db: Db,
    pub lang: Lang,
    pub actor: String,
}

impl Ctx {
    pub fn zh(&self) -> bool {
        self.lang == Lang::Zh
    }
    /// The division tree, loaded into the database first if it is not there yet.
    pub async fn regions(&self) -> Result<Regions, StoreError> {
        let r = Regions::load(&self.db).await?;
        if !r.is_empty() {
            return Ok(r);
        }
        jiugai_store::regions::init(&self.db).await?;
        Regions::load(&self.db).await
    }
    pub fn fail(&self, e: &StoreError) -> ExitCode {
        eprintln!("{}{}", if self.zh() { "错误：" } else { "error: " }, e.message(self.lang));
        ExitCode::from(2)
    }
}

pub async fn run(cli: Cli) -> ExitCode {
    let lang = match cli.lang {
        LangArg::Zh => Lang::Zh,
        LangArg::En => Lang::En,
    };
    let actor = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "operator".into()));
    let db = match Db::open(&cli.database_url).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("{}{}", if lang == Lang::Zh { "错误：" } else { "error: " }, e.message(lang));
            return ExitCode::from(2);
        }
    };
    let ctx = Ctx { db, lang, actor };
    let code = match cli.command {
        Command::Migrate => {
            println!("{}", if ctx.zh() { "数据库结构已是最新" } else { "schema is up to date" });
            ExitCode::SUCCESS
        }
        Command::Init => regions::init(&ctx).await,
        Command::Import(c) => import::run(&ctx, c).await,
        Command::Export(c) => estates::export(&ctx, c).await,
        Command::Estates(c) => estates::run(&ctx, c).await,
        Command::Regions(c) => regions::run(&ctx, c).await,
        Command::Audit(c) => audit::run(&ctx, c).await,
        Command::Policy(c) => policy::run(&ctx, c).await,
        Command::Eligibility { region, policy, json } => policy::eligibility(&ctx, region, policy, json).await,
        Command::Targets(crate::cli::TargetsCmd::Check { file, sheet, json }) => {
            policy::targets(&ctx, file, sheet, json).await
        }
        Command::Targets(c) => plans::targets(&ctx, c).await,
        Command::Plans(c) => plans::run(&ctx, c).await,
        Command::Funds(c) => funds::run(&ctx, c).await,
        Command::Reports(c) => reports::run(&ctx, c).await,
        Command::Serve(a) => serve::run(&ctx, a).await,
        Command::User(c) => user::run(&ctx, c).await,
        Command::Projects(c) => projects::run(&ctx, c).await,
        Command::Households(c) => households::run(&ctx, c).await,
        Command::Complaints(c) => complaints::run(&ctx, c).await,
        Command::Consultations(c) => consultations::run(&ctx, c).await,
        Command::Assess { region, period, json, output } => assess::run(&ctx, region, period, json, output).await,
        Command::Org(c) => org::run(&ctx, c).await,
        Command::Tasks(c) => tasks::run(&ctx, c).await,
        Command::Notices(c) => notices::run(&ctx, c).await,
    };
    ctx.db.close().await;
    code
}
