//! What people read for each word of the vocabulary, in Chinese and English. Used by the presentation
//! layers (the web pages, the command line's human output, printed sheets and exports); the store never
//! labels anything, and JSON carries the stored words, not labels.

use crate::vocab::*;

/// Language of what people read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Simplified Chinese (default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    pub fn is_zh(self) -> bool {
        self == Lang::Zh
    }
    /// `zh` or `en`, whichever this language reads.
    pub fn pick<T>(self, zh: T, en: T) -> T {
        if self == Lang::Zh { zh } else { en }
    }
    /// `"zh"` or `"en"` (the `lang` cookie, `--lang`).
    pub fn code(self) -> &'static str {
        self.pick("zh", "en")
    }
    pub fn from_code(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "cn" | "chinese" | "中文" => Some(Lang::Zh),
            "en" | "en-us" | "en-gb" | "english" => Some(Lang::En),
            _ => None,
        }
    }
}

/// A word's label for people.
pub trait Label: Copy {
    fn zh(self) -> &'static str;
    fn en(self) -> &'static str;
    fn label(self, lang: Lang) -> &'static str {
        lang.pick(self.zh(), self.en())
    }
}

macro_rules! labels {
    ($t:ty { $($var:ident => $zh:literal, $en:literal;)+ }) => {
        impl Label for $t {
            fn zh(self) -> &'static str {
                match self { $(<$t>::$var => $zh),+ }
            }
            fn en(self) -> &'static str {
                match self { $(<$t>::$var => $en),+ }
            }
        }
    };
}

labels!(Stage {
    Reserve => "储备", "reserve";
    Planning => "谋划", "planning";
    Implementation => "实施", "implementation";
    Completed => "完工", "completed";
    Accepted => "验收", "accepted";
    Management => "长效管理", "management";
});

labels!(StepKey {
    Survey => "民意调查", "residents' survey";
    Design => "方案设计", "renovation design";
    Publicity => "方案公示", "publicity of the plan";
    JointReview => "市级会审", "joint review";
    FeasibilityStudy => "项目建议书和可行性研究报告", "proposal and feasibility study";
    Approval => "项目立项", "project approval";
    PreliminaryDesign => "初步设计审批", "preliminary design approval";
    DrawingReview => "施工图审查", "construction drawing review";
    BudgetReview => "财政评审", "budget review";
    Tender => "工程招标", "tender";
    Permits => "质监、安监备案", "quality and safety filing";
    ConstructionPermit => "施工许可", "construction permit";
    Start => "开工", "start of works";
    BasicCompletion => "基本完成", "basic completion";
    Completion => "全面完成（竣工）", "completion";
    Acceptance => "联合竣工验收", "joint completion acceptance";
    SpotCheck => "市级抽检", "city spot check";
    Handover => "专营设施移交", "utility handover";
    Management => "长效管理", "long-term management";
});

labels!(ConsultationKind {
    Consent => "改造意愿征询", "consent to renovation";
    Plan => "改造方案征求意见", "opinions on the plan";
    Satisfaction => "居民满意度测评", "residents' satisfaction";
    JointDecision => "业主共同决定", "owners' joint decision";
    Survey => "问卷调查", "survey";
});

labels!(Matter {
    Ordinary => "一般事项（双过半）", "ordinary matter (more than half)";
    Major => "重大事项（双四分之三）", "major matter (three quarters)";
});

labels!(Channel {
    Qr => "扫码", "QR code";
    Paper => "纸质表决票", "paper form";
    Assisted => "代为录入（协助老人）", "assisted entry";
});

labels!(PaperStatus {
    Pending => "待第二人录入", "waiting for the second entry";
    Agreed => "两次录入一致，已计票", "both entries agree: counted";
    Disputed => "两次录入不一致，待第三人核对", "entries differ: a third user decides";
    Resolved => "已由第三人核对，已计票", "resolved by a third user: counted";
});

labels!(ComplaintStatus {
    Received => "已受理", "received";
    Processing => "办理中", "processing";
    Resolved => "已办结", "resolved";
});

labels!(PlanStatus {
    Draft => "草稿", "draft";
    Submitted => "已上报待审核", "submitted";
    Returned => "已退回修改", "returned";
    Approved => "已批准", "approved";
    Issued => "已下达", "issued";
    Superseded => "已被调整计划取代", "superseded";
});

labels!(FundSource {
    Central => "中央补助资金", "central subsidy";
    Provincial => "省级补助资金", "provincial subsidy";
    City => "市级财政资金", "city finance";
    County => "县（区）级财政资金", "county finance";
    SpecialBond => "地方政府专项债券", "special bonds";
    HousingSale => "国有住房出售收入存量资金", "state housing sale funds";
    ResidentDirect => "居民直接出资", "residents (direct)";
    MaintenanceFund => "住宅专项维修资金", "maintenance fund";
    ProvidentFund => "住房公积金", "housing provident fund";
    Donation => "捐资捐物", "donations";
    Utility => "专营单位出资", "utilities";
    OriginalUnit => "原产权单位出资", "original property units";
    SocialCapital => "社会资本", "social capital";
    BankLoan => "银行贷款", "bank loans";
});

labels!(CapitalModel {
    Ppp => "PPP", "PPP";
    EpcO => "EPC+O", "EPC+O";
    EpcF => "EPC+F", "EPC+F";
    Entrusted => "委托代建", "entrusted construction";
});

labels!(ReportState {
    Draft => "草稿", "draft";
    Submitted => "已上报待审核", "submitted";
    Approved => "已审核（已锁定）", "approved (locked)";
    Returned => "已退回修改", "returned";
});

labels!(ComplaintCategory {
    Quality => "工程质量", "construction quality";
    Safety => "施工安全", "site safety";
    Progress => "工期进度", "progress and delays";
    Disturbance => "施工扰民", "disturbance (noise, dust, access)";
    Other => "其他", "other";
});

labels!(ManagementMode {
    None => "无物业管理", "no management";
    Unit => "单位管理", "managed by the unit";
    Entrusted => "托管", "entrusted";
    SocialOrganisation => "社会组织代管", "managed by a social organisation";
    SelfManaged => "居民自管", "self-managed by residents";
    StateFallback => "国有物业托底", "state-owned fallback company";
    Professional => "专业物业", "property company";
});

labels!(Verdict {
    Core => "核心范围（2000年底前建成）", "core scope";
    Extended => "扩展范围", "extended scope";
    Excluded => "不纳入", "excluded";
    OutOfScope => "不在改造范围", "out of scope";
});

labels!(Role {
    Admin => "旧改办管理员", "office admin";
    County => "县区", "county";
    Street => "街道/社区", "street";
    Department => "部门", "department";
    Contractor => "施工/监理", "contractor";
    Auditor => "审计", "auditor";
});

labels!(AssessCriterion {
    Satisfaction => "群众满意度", "residents' satisfaction";
    Quality => "改造质量", "quality";
    Timeliness => "改造时限", "timeliness";
    FundsEfficiency => "财政资金使用效率", "efficiency of public funds";
    TargetProgress => "目标任务完成", "progress against target";
    OverdueSteps => "逾期环节", "overdue steps";
    ComplaintsOnTime => "投诉按期办结", "complaints answered on time";
    ManagementCoverage => "长效管理覆盖", "management coverage";
    ReportCompleteness => "月报完整", "monthly reports complete";
    ReportOnTime => "月报按期", "monthly reports on time";
});

labels!(TaskState {
    Open => "待办理", "open";
    Replied => "已回复待审核", "replied";
    SentBack => "已退回", "sent back";
    Closed => "已办结", "closed";
});

labels!(TaskSubject {
    Project => "项目", "project";
    Estate => "小区", "estate";
    Theme => "专项工作", "theme";
});

labels!(TaskOrigin {
    Direct => "督办", "direct";
    Finding => "督导检查发现", "inspection finding";
    Complaint => "投诉转督办", "escalated complaint";
    Notice => "通报限期整改", "rectification of a notice";
});

labels!(TaskEventKind {
    Issued => "下发", "issued";
    Replied => "回复", "replied";
    SentBack => "退回", "sent back";
    Closed => "办结", "closed";
});

labels!(NoticeKind {
    Praise => "通报表扬", "praise";
    Criticism => "通报批评", "criticism";
});

/// The words for a choice in a consultation of `kind`: a satisfaction survey asks 满意 / 不满意.
pub fn choice(kind: ConsultationKind, c: Choice, lang: Lang) -> &'static str {
    match (kind, c, lang) {
        (ConsultationKind::Satisfaction, Choice::Yes, Lang::Zh) => "满意",
        (ConsultationKind::Satisfaction, Choice::No, Lang::Zh) => "不满意",
        (ConsultationKind::Satisfaction, Choice::Yes, Lang::En) => "satisfied",
        (ConsultationKind::Satisfaction, Choice::No, Lang::En) => "not satisfied",
        (_, Choice::Yes, Lang::Zh) => "同意",
        (_, Choice::No, Lang::Zh) => "不同意",
        (_, Choice::Abstain, Lang::Zh) => "弃权",
        (_, Choice::Yes, Lang::En) => "yes",
        (_, Choice::No, Lang::En) => "no",
        (_, Choice::Abstain, Lang::En) => "abstain",
    }
}
