//! The programme's vocabulary as enums. Each word is stored as the same text as before this crate existed
//! (`"implementation"`, `"joint_review"`, …), parsed once where it enters (the store's rows, a form, a
//! command-line argument), and carried as the enum everywhere else, so a typo is a compile error.
//! Labels for people are in [`crate::label`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A text that is not one of a vocabulary's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownWord {
    /// The vocabulary, e.g. `"stage"`.
    pub vocabulary: &'static str,
    pub value: String,
    /// The words it accepts, in order.
    pub expected: Vec<&'static str>,
}

impl fmt::Display for UnknownWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?} (expected one of: {})", self.vocabulary, self.value, self.expected.join(", "))
    }
}

impl std::error::Error for UnknownWord {}

macro_rules! vocab {
    ($(#[$m:meta])* $name:ident ($voc:literal) { $($(#[$vm:meta])* $var:ident = $key:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $var),+ }

        impl $name {
            /// Every word, in the vocabulary's order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// The stored text.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$var => $key),+ }
            }
            /// The word for a stored text.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($key => Some($name::$var),)+ _ => None }
            }
            /// The word for a stored text, or an error naming the vocabulary and its words.
            pub fn try_parse(s: &str) -> Result<$name, UnknownWord> {
                $name::parse(s).ok_or_else(|| UnknownWord {
                    vocabulary: $voc,
                    value: s.to_string(),
                    expected: $name::ALL.iter().map(|w| w.as_str()).collect(),
                })
            }
            /// Position in [`Self::ALL`].
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownWord;
            fn from_str(s: &str) -> Result<$name, UnknownWord> {
                $name::try_parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownWord;
            fn try_from(s: String) -> Result<$name, UnknownWord> {
                $name::try_parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(w: $name) -> String {
                w.as_str().to_string()
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
                $name::try_parse(&s).map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($key),+]))
                    .description(Some($voc))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        #[cfg(feature = "sqlx")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(v: <DB as sqlx::Database>::ValueRef<'r>) -> Result<$name, sqlx::error::BoxDynError> {
                let s = <&'r str as sqlx::Decode<'r, DB>>::decode(v)?;
                Ok($name::try_parse(s)?)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            &'static str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&'static str as sqlx::Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }
    };
}

vocab! {
    /// Where a project is in the pipeline (储备 → 谋划 → 实施 → 完工 → 验收 → 长效管理) [SPEC §5].
    Stage ("stage") {
        Reserve = "reserve",
        Planning = "planning",
        Implementation = "implementation",
        Completed = "completed",
        Accepted = "accepted",
        Management = "management",
    }
}

vocab! {
    /// A workflow step of a project [001 二(四); 004 四], in workflow order.
    StepKey ("step") {
        Survey = "survey",
        Design = "design",
        Publicity = "publicity",
        JointReview = "joint_review",
        FeasibilityStudy = "feasibility_study",
        Approval = "approval",
        PreliminaryDesign = "preliminary_design",
        DrawingReview = "drawing_review",
        BudgetReview = "budget_review",
        Tender = "tender",
        Permits = "permits",
        ConstructionPermit = "construction_permit",
        Start = "start",
        BasicCompletion = "basic_completion",
        Completion = "completion",
        Acceptance = "acceptance",
        SpotCheck = "spot_check",
        Handover = "handover",
        Management = "management",
    }
}

vocab! {
    /// What a consultation asks the households of an estate.
    ConsultationKind ("consultation kind") {
        Consent = "consent",
        Plan = "plan",
        Satisfaction = "satisfaction",
        JointDecision = "joint_decision",
        Survey = "survey",
    }
}

vocab! {
    /// A Civil Code joint decision (art. 278): ordinary (more than half) or major (three quarters).
    Matter ("matter") {
        Ordinary = "ordinary",
        Major = "major",
    }
}

vocab! {
    /// A household's answer.
    Choice ("choice") {
        Yes = "yes",
        No = "no",
        Abstain = "abstain",
    }
}

vocab! {
    /// How a ballot came in: the household's own one-time code, a paper form entered twice, or a community
    /// worker's assisted entry.
    Channel ("channel") {
        Qr = "qr",
        Paper = "paper",
        Assisted = "assisted",
    }
}

vocab! {
    /// Where a paper form is in its double entry: waiting for the second entry, both entries agreed,
    /// they differ (a third user decides from the scan), or decided.
    PaperStatus ("paper status") {
        Pending = "pending",
        Agreed = "agreed",
        Disputed = "disputed",
        Resolved = "resolved",
    }
}

vocab! {
    /// A complaint's status, forward only: 已受理 → 办理中 → 已办结.
    ComplaintStatus ("complaint status") {
        Received = "received",
        Processing = "processing",
        Resolved = "resolved",
    }
}

vocab! {
    /// An annual plan's status: 草稿 → 已上报 → (退回修改 → 已上报 …) → 已批准 → 已下达; an issued plan is
    /// changed only by an amendment, which supersedes it once issued.
    PlanStatus ("plan status") {
        Draft = "draft",
        Submitted = "submitted",
        Returned = "returned",
        Approved = "approved",
        Issued = "issued",
        Superseded = "superseded",
    }
}

vocab! {
    /// Where a project's money comes from [SPEC §8; 000 三(三); 001 三; 002 三(四); 003 四(一); 004 五].
    FundSource ("fund source") {
        Central = "central",
        Provincial = "provincial",
        City = "city",
        County = "county",
        SpecialBond = "special_bond",
        HousingSale = "housing_sale",
        ResidentDirect = "resident_direct",
        MaintenanceFund = "maintenance_fund",
        ProvidentFund = "provident_fund",
        Donation = "donation",
        Utility = "utility",
        OriginalUnit = "original_unit",
        SocialCapital = "social_capital",
        BankLoan = "bank_loan",
    }
}

impl FundSource {
    /// Government money (subsidies, finance at every level, bonds, housing-sale funds).
    pub fn is_government(self) -> bool {
        matches!(
            self,
            FundSource::Central
                | FundSource::Provincial
                | FundSource::City
                | FundSource::County
                | FundSource::SpecialBond
                | FundSource::HousingSale
        )
    }
    /// Residents' money (direct, maintenance fund, provident fund, donations) [001 三(三)].
    pub fn is_residents(self) -> bool {
        matches!(
            self,
            FundSource::ResidentDirect | FundSource::MaintenanceFund | FundSource::ProvidentFund | FundSource::Donation
        )
    }
    /// Enterprises' money (utilities, original property units, social capital) [003 四(一)1].
    pub fn is_enterprises(self) -> bool {
        matches!(self, FundSource::Utility | FundSource::OriginalUnit | FundSource::SocialCapital)
    }
    /// Subsidies from above the county (central, provincial, city).
    pub fn is_higher_subsidy(self) -> bool {
        matches!(self, FundSource::Central | FundSource::Provincial | FundSource::City)
    }
}

vocab! {
    /// How social capital takes part [000 三(三)].
    CapitalModel ("social capital model") {
        Ppp = "ppp",
        EpcO = "epc_o",
        EpcF = "epc_f",
        Entrusted = "entrusted",
    }
}

vocab! {
    /// A monthly report's state: 草稿 (recomputed from records) → 已上报 → 已审核 (locked) or 已退回.
    ReportState ("report state") {
        Draft = "draft",
        Submitted = "submitted",
        Approved = "approved",
        Returned = "returned",
    }
}

vocab! {
    /// What a complaint is about.
    ComplaintCategory ("complaint category") {
        Quality = "quality",
        Safety = "safety",
        Progress = "progress",
        Disturbance = "disturbance",
        Other = "other",
    }
}

vocab! {
    /// How an estate is managed [002 三(九); SPEC §3].
    ManagementMode ("management mode") {
        /// 无物业管理 (incl. 失管/弃管)
        None = "none",
        /// 单位管理 (the original property unit manages)
        Unit = "unit",
        /// 托管 (entrusted to another body, e.g. the community)
        Entrusted = "entrusted",
        /// 社会组织代管
        SocialOrganisation = "social_organisation",
        /// 居民自管
        SelfManaged = "self",
        /// 国有物业托底 (a state-owned fallback company, 红色物业)
        StateFallback = "state_owned",
        /// 专业物业 (a property company)
        Professional = "professional",
    }
}

impl ManagementMode {
    /// Whether someone manages the estate (有人管) [000 三(四)].
    pub fn is_managed(self) -> bool {
        self != ManagementMode::None
    }
}

vocab! {
    /// An estate's eligibility under its profile.
    Verdict ("verdict") {
        /// Built in or before the core year.
        Core = "core",
        /// Built in the extended window and the profile allows it.
        Extended = "extended",
        /// Excluded by a rule (shantytown plan, self-built, urban village, not declared).
        Excluded = "excluded",
        /// Not old enough, or the build year is unknown.
        OutOfScope = "out_of_scope",
    }
}

vocab! {
    /// A user's role [SPEC §2]. Residents have no account.
    Role ("role") {
        /// The office (旧改办): everything in its scope.
        Admin = "admin",
        County = "county",
        Street = "street",
        Department = "department",
        Contractor = "contractor",
        Auditor = "auditor",
    }
}

vocab! {
    /// A criterion of the assessment of counties (考核) [003 四(三); 000 四(三)(四); 004 七(二)].
    AssessCriterion ("assessment criterion") {
        /// 群众满意度 [003 四(三)]
        Satisfaction = "satisfaction",
        /// 改造质量 [003 四(三)]
        Quality = "quality",
        /// 改造时限 [003 四(三)]
        Timeliness = "timeliness",
        /// 财政资金使用效率 [003 四(三)]
        FundsEfficiency = "funds_efficiency",
        /// 目标任务完成 [003 四(三); 000 四(四)]
        TargetProgress = "target_progress",
        /// 逾期环节 [000 四(四); 004 七(二)]
        OverdueSteps = "overdue_steps",
        /// 投诉按期办结 [000 四(二); 004 七(一)]
        ComplaintsOnTime = "complaints_on_time",
        /// 长效管理覆盖（有人管） [001 二(八)]
        ManagementCoverage = "management_coverage",
        /// 月报完整 [004 附件二4]
        ReportCompleteness = "report_completeness",
        /// 月报按期 [004 附件二4]
        ReportOnTime = "report_on_time",
    }
}

vocab! {
    /// Where a supervision task (督办) stands [SPEC §7; 003 七; 004 附件 三(一)].
    TaskState ("task state") {
        /// Issued, awaiting the assignee's reply.
        Open = "open",
        /// The assignee replied with progress and evidence; the issuer decides.
        Replied = "replied",
        /// The issuer sent the reply back: the assignee must reply again.
        SentBack = "sent_back",
        /// The issuer closed it (办结).
        Closed = "closed",
    }
}

vocab! {
    /// What a supervision task is about.
    TaskSubject ("task subject") {
        Project = "project",
        Estate = "estate",
        /// A theme (专项), e.g. 加装电梯 or 资金拨付, written in the task's text.
        Theme = "theme",
    }
}

vocab! {
    /// Where a supervision task came from.
    TaskOrigin ("task origin") {
        /// Issued directly by an office.
        Direct = "direct",
        /// A finding of an inspection (督导检查).
        Finding = "finding",
        /// A resident's complaint escalated into a task.
        Complaint = "complaint",
        /// A rectification deadline (限期整改) of a notice.
        Notice = "notice",
    }
}

vocab! {
    /// One event of a supervision task, in order.
    TaskEventKind ("task event") {
        Issued = "issued",
        Replied = "replied",
        SentBack = "sent_back",
        Closed = "closed",
    }
}

vocab! {
    /// A notice (通报): praise or criticism of a region or unit for a period [000 四(三); 003 七].
    NoticeKind ("notice kind") {
        Praise = "praise",
        Criticism = "criticism",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text_round_trips() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(*s));
        }
        assert_eq!(StepKey::JointReview.as_str(), "joint_review");
        assert_eq!(ManagementMode::SelfManaged.as_str(), "self");
        assert_eq!("implementation".parse::<Stage>(), Ok(Stage::Implementation));
        let e = "implemntation".parse::<Stage>().unwrap_err();
        assert!(e.to_string().contains("reserve, planning"), "{e}");
        assert_eq!(serde_json::to_string(&Verdict::OutOfScope).unwrap(), "\"out_of_scope\"");
        assert_eq!(serde_json::from_str::<Role>("\"auditor\"").unwrap(), Role::Auditor);
        assert!(serde_json::from_str::<Role>("\"root\"").is_err());
        assert_eq!(StepKey::Management.index(), StepKey::ALL.len() - 1);
    }
}
