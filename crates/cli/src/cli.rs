//! Command-line definitions (the contract other tools and checks rely on).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "jiugai",
    version,
    about = "旧改 — 城镇老旧小区改造管理系统 / urban old-residential-community renovation"
)]
pub struct Cli {
    /// Database: sqlite://FILE.db (default sqlite://jiugai.db) or postgres://USER@HOST/DB
    #[arg(long, global = true, env = "JIUGAI_DATABASE_URL", default_value = jiugai_store::DEFAULT_URL)]
    pub database_url: String,
    /// Language of messages: zh (default) or en
    #[arg(long, global = true, env = "JIUGAI_LANG", default_value = "zh")]
    pub lang: LangArg,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create or upgrade the database schema
    Migrate,
    /// Load the jurisdiction tree (GB/T 2260, built in) into the database
    Init,
    /// Import a spreadsheet
    #[command(subcommand)]
    Import(ImportCmd),
    /// Export a table to .xlsx or .csv
    #[command(subcommand)]
    Export(ExportCmd),
    /// The estate registry
    #[command(subcommand)]
    Estates(EstatesCmd),
    /// The jurisdiction tree
    #[command(subcommand)]
    Regions(RegionsCmd),
    /// The audit log
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Policy profiles (rules as data, each with its source clause)
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// Which estates are in the programme's scope, and why
    Eligibility {
        /// Region (code or name); default: every estate
        #[arg(long)]
        region: Option<String>,
        /// Profile to apply; default: the profile of each estate's region
        #[arg(long)]
        policy: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Target tables (年度任务细化分解表): check, import, progress, export
    #[command(subcommand)]
    Targets(TargetsCmd),
    /// Annual plans (年度计划): create, check, submit, review, issue, amend, export
    #[command(subcommand)]
    Plans(PlansCmd),
    /// Money by source: funding plans, allocations, payments, reallocations, summaries
    #[command(subcommand)]
    Funds(FundsCmd),
    /// Monthly reports (月报表): figures from the records, submit, approve, return, reopen, export
    #[command(subcommand)]
    Reports(ReportsCmd),
    /// Run the web application (pages and the JSON API under /api/v1)
    Serve(ServeArgs),
    /// Users of the web application and their API tokens
    #[command(subcommand)]
    User(UserCmd),
    /// Renovation projects: pipeline, steps, content, ledger
    #[command(subcommand)]
    Projects(ProjectsCmd),
    /// The household registry of an estate (住户名册): list, count check
    #[command(subcommand)]
    Households(HouseholdsCmd),
    /// Residents' complaints (投诉举报): routed to a street or county, with a time limit
    #[command(subcommand)]
    Complaints(ComplaintsCmd),
    /// Consultations and votes of an estate's households (居民征询): list, tally, close
    #[command(subcommand)]
    Consultations(ConsultationsCmd),
    /// The assessment of counties (考核) for a year: each part, score, rank, and the formula beside them
    Assess {
        /// The region whose counties are assessed (code or name; a county assesses itself)
        #[arg(long)]
        region: String,
        /// The year, e.g. 2026
        #[arg(long)]
        period: String,
        #[arg(long)]
        json: bool,
        /// Also write the assessment as .xlsx
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// The leading group, its office and member units with their duties (领导小组、成员单位职责)
    #[command(subcommand)]
    Org(OrgCmd),
    /// Supervision tasks (督办): list, create, reply, close, send back
    #[command(subcommand)]
    Tasks(TasksCmd),
    /// Notices (通报): praise or criticism with the facts attached and rectification deadlines
    #[command(subcommand)]
    Notices(NoticesCmd),
}

#[derive(Subcommand, Debug)]
pub enum OrgCmd {
    /// Import an annex table: duties (序号/工作任务/责任单位) or the group roster (职务/姓名/单位及职务)
    Import {
        file: std::path::PathBuf,
        /// The region whose leading group it is (code or name)
        #[arg(long)]
        region: String,
        /// The leading group's title (default: the region's name + 城镇老旧小区改造工作领导小组)
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show a region's group, members, units and duties
    Show {
        #[arg(long)]
        region: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TasksCmd {
    /// Tasks issued by or assigned inside a region, open ones first, overdue flagged
    List {
        #[arg(long)]
        region: Option<String>,
        /// Only overdue ones (not closed, deadline before today)
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        json: bool,
    },
    /// Issue a task from the office of --region to a unit (--unit) or a lower region (--to)
    Create {
        #[arg(long)]
        region: String,
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        project: Option<i64>,
        #[arg(long)]
        estate: Option<i64>,
        /// Escalate this complaint (its id) into the task
        #[arg(long)]
        complaint: Option<i64>,
        /// Record an inspection finding made on this date (YYYY-MM-DD); the text is the finding
        #[arg(long)]
        finding_on: Option<String>,
        #[arg(long, default_value = "")]
        title: String,
        #[arg(long, default_value = "")]
        text: String,
        /// Deadline (Beijing date, YYYY-MM-DD)
        #[arg(long)]
        due: String,
        #[arg(long)]
        json: bool,
    },
    /// The assignee replies with progress and evidence (an attachment or document reference)
    Reply {
        id: i64,
        #[arg(long)]
        version: i64,
        #[arg(long)]
        text: String,
        #[arg(long, default_value = "")]
        evidence: String,
        /// Act as this user (its role, scope and unit decide); default: the operator (an office admin)
        #[arg(long = "as")]
        as_user: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The issuer closes a replied task
    Close {
        id: i64,
        #[arg(long)]
        version: i64,
        #[arg(long, default_value = "")]
        text: String,
        #[arg(long = "as")]
        as_user: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The issuer sends a reply back, with a reason
    SendBack {
        id: i64,
        #[arg(long)]
        version: i64,
        #[arg(long)]
        reason: String,
        #[arg(long = "as")]
        as_user: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One task with its events
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum NoticesCmd {
    /// Notices issued by or about a region
    List {
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Issue a notice from the office of --region about a lower region (--to) or a unit (--unit)
    Issue {
        #[arg(long)]
        region: String,
        /// praise or criticism
        #[arg(long)]
        kind: String,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        unit: Option<String>,
        /// 2026, 2026-11 or 2026-Q3
        #[arg(long)]
        period: String,
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        text: String,
        /// A rectification deadline: "YYYY-MM-DD:what to rectify" (repeatable)
        #[arg(long = "rectify")]
        rectify: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// One notice with its facts and rectification tasks
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Mark a project as a demonstration project (示范项目) of a year
    Demo {
        #[arg(long)]
        region: String,
        #[arg(long)]
        project: i64,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConsultationsCmd {
    /// The consultations of an estate, newest first, with their state and result
    List {
        #[arg(long)]
        estate: i64,
        #[arg(long)]
        json: bool,
    },
    /// One consultation with its tally (live, or the locked result) and each threshold
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Close: no more ballots; the result is locked and signed into the audit log
    Close {
        id: i64,
        /// The version you read (from `show`): refused if it changed since
        #[arg(long)]
        version: i64,
        /// Why it closes before its closing time (required then; kept with the result)
        #[arg(long, default_value = "")]
        reason: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum HouseholdsCmd {
    /// The households of an estate (owner names and phones masked)
    List {
        #[arg(long)]
        estate: i64,
        #[arg(long)]
        json: bool,
    },
    /// Estates whose recorded household count (户数) differs from their registry
    Check {
        /// Region (code or name); default: every estate
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ComplaintsCmd {
    /// List complaints, the most urgent first, with their due date (SLA) and days left or overdue
    List {
        /// Region (code or name): complaints routed to it or to a region inside it
        #[arg(long)]
        region: Option<String>,
        /// Only overdue ones (not resolved, due before today)
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ProjectsCmd {
    /// Create a project (reserve stage) from estates of one county
    Create {
        #[arg(long)]
        name: String,
        /// Estate ids, comma-separated (e.g. 1,2)
        #[arg(long, value_delimiter = ',')]
        estates: Vec<i64>,
        /// Plan year (e.g. 2025)
        #[arg(long)]
        year: i32,
        /// Approved total investment in yuan (e.g. 3500000, 3500000.50 or 350万)
        #[arg(long)]
        investment_yuan: String,
        /// Floor area of new buildings in m² (default 0)
        #[arg(long)]
        new_area_m2: Option<String>,
        /// High-risk work (height, heavy lifting, deep excavation)
        #[arg(long)]
        high_risk: bool,
        /// Changes to the main structure of a building
        #[arg(long)]
        structural_change: bool,
        #[arg(long)]
        json: bool,
    },
    /// List projects
    List {
        /// Region (code or name)
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        year: Option<i32>,
        /// reserve | planning | implementation | completed | accepted | management
        #[arg(long)]
        stage: Option<String>,
        /// Only projects with overdue steps
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        json: bool,
    },
    /// One project with its steps, content and moves
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Record a workflow step as done
    Step {
        id: i64,
        /// Step key (survey, design, publicity, joint_review, approval, …)
        key: String,
        /// The version you read (from `projects show`)
        #[arg(long)]
        version: i64,
        /// Date done, YYYY-MM-DD
        #[arg(long)]
        done: String,
        /// Publicity: first day of the notice, YYYY-MM-DD
        #[arg(long)]
        started: Option<String>,
        #[arg(long, default_value = "")]
        department: String,
        #[arg(long, default_value = "")]
        note: String,
        /// The step's record as JSON, e.g. '{"agree": 80, "households": 100}'
        #[arg(long)]
        detail: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Move a project to another stage and/or plan year, with a reason
    Move {
        id: i64,
        #[arg(long)]
        version: i64,
        #[arg(long)]
        stage: String,
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        reason: String,
    },
    /// Write the construction ledger (调度台账) of a region to .xlsx or .csv
    Ledger {
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        year: Option<i32>,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCmd {
    /// Import an estate ledger (.xlsx, .xls, .csv in UTF-8 or GBK)
    Estates(ImportEstates),
    /// Import a household roster into an estate's registry: all rows or none
    Households(ImportHouseholds),
}

#[derive(Args, Debug)]
pub struct ImportHouseholds {
    pub file: PathBuf,
    /// The estate (id, as `jiugai estates list` shows it)
    #[arg(long)]
    pub estate: i64,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ImportEstates {
    pub file: PathBuf,
    /// County (code or name) for rows without 区划代码/所属县区; rows must lie inside it
    #[arg(long)]
    pub region: Option<String>,
    /// Sheet name (default: the first sheet)
    #[arg(long)]
    pub sheet: Option<String>,
    /// Check everything, change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Import the good rows; write the rejected ones to FILE.rejected.xlsx
    #[arg(long)]
    pub allow_partial: bool,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum ExportCmd {
    /// Export the estates of a region
    Estates {
        #[arg(long)]
        region: String,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum EstatesCmd {
    /// List estates
    List {
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one estate file
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// The dated history of an estate
    History {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Change fields of an estate: FIELD=VALUE … (values as in a ledger); --version is the version you read
    Set {
        id: i64,
        #[arg(long)]
        version: i64,
        #[arg(required = true)]
        assignments: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum RegionsCmd {
    /// Find a region by code or name
    Find {
        query: String,
        #[arg(long)]
        json: bool,
    },
    /// List the children of a region (the provinces without one)
    Children {
        code: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add a community (社区) under a street
    AddCommunity {
        /// The street (code or name)
        #[arg(long)]
        street: String,
        name: String,
        /// 12-digit code (default: next free under the street)
        #[arg(long)]
        code: Option<String>,
    },
    /// Add a task unit (任务单位) — a development zone, 市管园区, 自贸区片区 — under a province, city or county
    AddUnit {
        /// The parent region (code or name)
        #[arg(long)]
        parent: String,
        #[arg(long)]
        name: String,
        /// Its code (default: the parent's code + the next free 71.. or 400..)
        #[arg(long)]
        code: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Recompute the hash chain; exit 1 naming the first broken entry
    Verify,
    /// The newest entries
    List {
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum PolicyCmd {
    /// The profiles known (built in and loaded)
    List {
        #[arg(long)]
        json: bool,
    },
    /// The effective rules of a profile after inheritance, each with value and clause
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Check and store an office's own profile file (TOML)
    Load { file: PathBuf },
}

#[derive(Subcommand, Debug)]
pub enum TargetsCmd {
    /// Check a target table (xlsx/csv: region, year, count, cumulative %) for consistency
    Check {
        file: PathBuf,
        #[arg(long)]
        sheet: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Import a breakdown table (年度任务细化分解表, wide or long layout) for a region: all or nothing
    Import {
        file: PathBuf,
        /// The region the table is for (code or name); its rows are the sub-regions
        #[arg(long)]
        region: String,
        #[arg(long)]
        sheet: Option<String>,
        /// Check only; store nothing
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Progress against targets of a region and each of its children
    Show {
        #[arg(long)]
        region: String,
        /// Default: the current year
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        json: bool,
    },
    /// Export a region's stored breakdown in the wide layout (xlsx)
    Export {
        #[arg(long)]
        region: String,
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct ReportAt {
    /// The region (code or name)
    #[arg(long)]
    pub region: String,
    /// YYYY-MM
    #[arg(long)]
    pub month: String,
}

#[derive(Subcommand, Debug)]
pub enum ReportsCmd {
    /// The report: figures by child region and 合计, with its state (and changes since submission)
    Monthly {
        #[command(flatten)]
        at: ReportAt,
        #[arg(long)]
        json: bool,
    },
    /// Submit the month's report upward (version 0 for a report never acted on)
    Submit {
        #[command(flatten)]
        at: ReportAt,
        #[arg(long)]
        version: i64,
    },
    /// Approve (lock) a submitted report, as the level above
    Approve {
        #[command(flatten)]
        at: ReportAt,
        #[arg(long)]
        version: i64,
    },
    /// Return a submitted report with reasons, as the level above
    Return {
        #[command(flatten)]
        at: ReportAt,
        #[arg(long)]
        version: i64,
        #[arg(long)]
        reason: String,
    },
    /// Reopen an approved month for correction, as the level above
    Reopen {
        #[command(flatten)]
        at: ReportAt,
        #[arg(long)]
        version: i64,
        #[arg(long)]
        reason: String,
    },
    /// The report as xlsx in the office's layout
    Export {
        #[command(flatten)]
        at: ReportAt,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Which children have reported the month, and how late
    Completeness {
        #[command(flatten)]
        at: ReportAt,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum FundsCmd {
    /// Set a project's planned amount from a source (0 removes it); or its estimate/settlement
    Plan {
        project: i64,
        /// central, provincial, city, county, special_bond, housing_sale, resident_direct, maintenance_fund,
        /// provident_fund, donation, utility, original_unit, social_capital, bank_loan (or the Chinese label)
        #[arg(long)]
        source: Option<String>,
        /// As people type it: 120.5万, 1,205,000元, １２０５０００
        #[arg(long)]
        amount: Option<String>,
        /// Social capital's model: ppp, epc_o, epc_f, entrusted
        #[arg(long)]
        model: Option<String>,
        /// 概算
        #[arg(long)]
        estimate: Option<String>,
        /// 结算
        #[arg(long)]
        settlement: Option<String>,
    },
    /// Import an allocation table (资金下达表: 项目名称 or 项目编号, 金额（万元）, 备注) as one document
    Allocate {
        file: PathBuf,
        /// 文号
        #[arg(long)]
        doc: String,
        #[arg(long)]
        source: String,
        /// YYYY-MM-DD
        #[arg(long)]
        date: String,
        /// The issuing level (code or name)
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        sheet: Option<String>,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Record a payment against a project and a source (refused beyond what the source allocated)
    Pay {
        project: i64,
        #[arg(long)]
        source: String,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        voucher: String,
        #[arg(long)]
        payee: String,
        /// YYYY-MM-DD (default: today)
        #[arg(long)]
        date: Option<String>,
        /// A content item of the project
        #[arg(long)]
        item: Option<i64>,
    },
    /// Reverse a payment by a new negative entry
    Reverse {
        payment: i64,
        #[arg(long)]
        reason: String,
    },
    /// Move unpaid allocated money between projects (central subsidy: only with a decision)
    Move {
        #[arg(long)]
        from: i64,
        #[arg(long)]
        to: i64,
        #[arg(long)]
        source: String,
        #[arg(long)]
        amount: String,
        /// 调整文件文号
        #[arg(long, default_value = "")]
        decision: String,
        #[arg(long)]
        reason: String,
        /// The approving office (the allocating level)
        #[arg(long, default_value = "")]
        approver: String,
    },
    /// A project's money by source and the money rules with their clauses
    Show {
        project: i64,
        #[arg(long)]
        json: bool,
    },
    /// Money by source for a region and each child: planned, allocated, paid, payment rate
    Summary {
        #[arg(long)]
        region: String,
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        json: bool,
    },
    /// Prove that the entries agree (exit 1 naming each mismatch)
    Reconcile,
}

#[derive(Subcommand, Debug)]
pub enum PlansCmd {
    /// Create a draft annual plan of a region for a plan year
    Create {
        #[arg(long)]
        region: String,
        #[arg(long)]
        year: i32,
        /// Project ids, comma-separated
        #[arg(long, value_delimiter = ',')]
        projects: Vec<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Plans in a region (default: all), newest year first
    List {
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        json: bool,
    },
    /// Add a project to a draft or returned plan
    Add {
        id: i64,
        #[arg(long)]
        project: i64,
        /// The plan's version you read (default: the current one)
        #[arg(long)]
        version: Option<i64>,
    },
    /// Remove a project from a draft or returned plan
    Remove {
        id: i64,
        #[arg(long)]
        project: i64,
        #[arg(long)]
        version: Option<i64>,
    },
    /// The plan, its projects, its checks (rule and clause), review chain and history
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Submit the plan upward (refused while a blocking check fails; a late one is flagged)
    Submit {
        id: i64,
        #[arg(long)]
        version: i64,
    },
    /// Act on the current review step, as its reviewing office: approve, or return with reasons
    Review {
        id: i64,
        #[arg(long)]
        version: i64,
        #[arg(long, conflicts_with = "return_")]
        approve: bool,
        #[arg(long = "return")]
        return_: bool,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Issue (下达) an approved plan; it is then locked
    Issue {
        id: i64,
        #[arg(long)]
        version: i64,
    },
    /// Start an amendment (调整) of an issued plan
    Amend {
        id: i64,
        #[arg(long)]
        version: i64,
        #[arg(long)]
        reason: String,
    },
    /// The plan as xlsx in the office's layout
    Export {
        id: i64,
        #[arg(short, long)]
        output: PathBuf,
    },
}

impl Command {
    /// Whether the command only prints (and may die of SIGPIPE like `ls | head`). Long-running ones — the
    /// server — must survive a peer that goes away.
    pub fn prints_to_a_pipe(&self) -> bool {
        !matches!(self, Command::Serve(_))
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Load the demo data: Ruicheng's 30 estates under 芮城县 (seed 001, attachment 3)
    #[arg(long)]
    pub demo: bool,
    /// Mark cookies Secure (when a TLS proxy serves the site)
    #[arg(long)]
    pub secure_cookies: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Create a user; prints a one-time password (to be changed at first sign-in)
    Add {
        name: String,
        /// admin, county, street, department, contractor or auditor
        #[arg(long)]
        role: String,
        /// The user's region (code or name); "全国" or "" for the whole country
        #[arg(long)]
        scope: String,
    },
    /// List users
    List {
        #[arg(long)]
        json: bool,
    },
    /// Give a user a new one-time password
    ResetPassword { name: String },
    /// Create an API token for scripts; the token alone is printed on the last line
    Token {
        name: String,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List API tokens (of one user when given)
    Tokens {
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Revoke an API token by its id
    Revoke { id: i64 },
    /// Set the member unit (成员单位) a department user belongs to (by name in its scope, or id); "-" clears
    Unit { name: String, unit: String },
}
