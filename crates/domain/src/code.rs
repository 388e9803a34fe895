//! Stable error codes: every refusal of the system names one, so that a script can branch on it
//! (`{"error": {"code": "stale_version", …}}`). The HTTP status of each is decided in one table in the web
//! crate (`error::status_of`); the generic message of each, in both languages, is [`ErrorCode::message`].
//! A code, once published, is never renamed.

use crate::label::Lang;

macro_rules! codes {
    ($($var:ident = $key:literal => $zh:literal, $en:literal;)+) => {
        /// A stable error code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $($var),+ }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$var),+];
            /// The code as published.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$var => $key),+ }
            }
            pub fn parse(s: &str) -> Option<ErrorCode> {
                match s { $($key => Some(ErrorCode::$var),)+ _ => None }
            }
            /// The generic message of the code, when a refusal carries no text of its own.
            pub fn message(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((ErrorCode::$var, Lang::Zh) => $zh, (ErrorCode::$var, Lang::En) => $en,)+
                }
            }
        }
    };
}

codes! {
    // Who and where.
    NotFound = "not_found" => "找不到该记录（或不在您的管辖范围内）", "not found (or outside your scope)";
    Unauthorized = "unauthorized" => "请先登录", "sign in first";
    Forbidden = "forbidden" => "您的角色不能进行此操作", "your role may not do this";
    PasswordChangeRequired = "password_change_required" => "请先修改一次性密码", "change your one-time password first";
    Csrf = "csrf" => "页面已过期，请刷新后重试", "the page expired: reload it and try again";
    RateLimited = "rate_limited" => "尝试次数过多，请稍后再试", "too many attempts: try again later";
    Busy = "busy" => "系统正忙（有大批量导入正在写入），请稍后重试", "busy (a large import is writing): try again shortly";
    // Input.
    InvalidValue = "invalid_value" => "填写的内容无效", "a value is invalid";
    BadJson = "bad_json" => "请求内容不是有效的 JSON", "the request body is not valid JSON";
    BadFile = "bad_file" => "文件无法读取", "the file cannot be read";
    PayloadTooLarge = "payload_too_large" => "上传的内容太大", "the upload is too large";
    InvalidRegion = "invalid_region" => "行政区划无效", "the region is invalid";
    NameTaken = "name_taken" => "名称已被使用", "the name is taken";
    // State.
    StaleVersion = "version_conflict" => "该记录已被他人修改：请刷新后再改", "someone changed this record meanwhile: reload and try again";
    Conflict = "conflict" => "与现有记录冲突", "conflicts with an existing record";
    // Votes.
    VoteExists = "vote_exists" => "该户已表决，不能由工作人员覆盖", "the household has voted; staff cannot overwrite it";
    EntryPending = "entry_pending" => "有纸质表决票待第二次录入或待核对", "paper forms await their second entry or a resolution";
    CodeUsed = "code_used" => "表决码已使用", "the code was already used";
    CodeInvalid = "code_invalid" => "表决码无效", "the code is not valid";
    NotOpen = "not_open" => "征询不在表决期内", "the consultation is not taking ballots";
    // Gates of the programme.
    ConsentMissing = "consent_missing" => "缺少达到门槛的居民改造意愿", "residents' consent at the threshold is missing";
    StepMissing = "step_missing" => "前置步骤尚未完成", "a required earlier step is not done";
    StepOrder = "step_order" => "步骤顺序不对", "the steps are out of order";
    StepNotNeeded = "step_not_needed" => "本项目无需此步骤", "this project does not need the step";
    StepDone = "step_done" => "该步骤已完成", "the step is already done";
    RuleNotMet = "rule_not_met" => "不符合政策规定", "a rule of the policy is not met";
    Ineligible = "ineligible" => "小区不符合改造范围", "the estate is not eligible";
    // Targets and plans.
    TargetMismatch = "target_mismatch" => "任务表与合计或政策文件的任务数不符", "the target table disagrees with its totals or the policy's targets";
    PlanState = "plan_state" => "计划当前状态不允许此操作", "the plan's status does not allow this";
    PlanChecksFailed = "plan_checks_failed" => "计划未通过检查，不能上报或批准", "the plan fails its checks and cannot be submitted or approved";
    NotReviewer = "not_reviewer" => "您不是本计划当前审核步骤的审核单位", "you are not the reviewer of the plan's current step";
    // Money.
    OverAllocation = "over_allocation" => "支付超出该资金来源已下达给本项目的金额", "the payment exceeds what this source allocated to the project";
    RingFenced = "ring_fenced" => "中央补助资金专款专用，调整须有调整文件", "central subsidy is ring-fenced: moving it needs a recorded decision";
    // Monthly reports.
    NotReportOwner = "not_report_owner" => "月报由本级填报上报", "a region's report is submitted by its own office";
    // Assessment of counties.
    NoAssessFormula = "no_assess_formula" => "政策配置未设定考核指标", "the policy profile sets no assessment formula";
    // Supervision.
    WrongUnit = "wrong_unit" => "此步骤由其他成员单位登记", "another member unit records this step";
    TaskState = "task_state" => "督办事项当前状态不允许此操作", "the task's status does not allow this";
    NotIssuer = "not_issuer" => "只有下发单位可以办结或退回", "only the issuing office may close or send back";
    NotAssignee = "not_assignee" => "只有承办单位可以回复", "only the assignee may reply";
    Internal = "internal" => "系统内部错误，已记录", "internal error (logged)";
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .description(Some("stable error code"))
            .into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ErrorCode {}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
