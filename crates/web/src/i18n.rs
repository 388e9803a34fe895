//! Interface text in Simplified Chinese (default) and English: a table of message keys. The language is
//! chosen by the `jg_lang` cookie (set by the switch, and from the user's saved choice at sign-in).

use axum::http::HeaderMap;
use jiugai_store::Lang;

pub const LANG_COOKIE: &str = "jg_lang";

/// The language of a request (cookie `jg_lang=en|zh`; Chinese when unset).
pub fn lang_of(h: &HeaderMap) -> Lang {
    match crate::util::cookie(h, LANG_COOKIE).as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    }
}

pub fn key(lang: Lang) -> &'static str {
    if lang == Lang::En { "en" } else { "zh" }
}

/// Translator handed to templates: `{{ t.s("nav.estates") }}`.
#[derive(Clone, Copy, Debug)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn s(&self, k: &str) -> &'static str {
        s(self.0, k)
    }
    pub fn zh(&self) -> bool {
        self.0 == Lang::Zh
    }
    /// The Chinese or the English of a pair written side by side (pages with many labels of their own).
    pub fn b<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.zh() { zh } else { en }
    }
    pub fn code(&self) -> &'static str {
        key(self.0)
    }
    /// A field's label (store field key).
    pub fn field(&self, k: &str) -> String {
        if self.zh() {
            jiugai_store::estates::field_label(k).to_string()
        } else {
            FIELD_EN.iter().find(|(f, _)| *f == k).map(|(_, l)| l.to_string()).unwrap_or_else(|| k.replace('_', " "))
        }
    }
    /// What people read for a word of the vocabulary (a stage, a step, a role…).
    pub fn l<L: jiugai_domain::Label>(&self, w: L) -> &'static str {
        w.label(self.0)
    }
    pub fn verdict(&self, v: &str) -> &'static str {
        s(self.0, &format!("verdict.{v}"))
    }
}

const FIELD_EN: &[(&str, &str)] = &[
    ("region_code", "County code"),
    ("street_code", "Street code"),
    ("street", "Street"),
    ("community", "Community"),
    ("name", "Estate name"),
    ("address", "Address"),
    ("built_years", "Built"),
    ("buildings", "Buildings"),
    ("households", "Households"),
    ("floor_area_dm2", "Floor area (m²)"),
    ("property_type", "Property type"),
    ("original_unit", "Original property unit"),
    ("management", "Management"),
    ("maintenance_fund", "Maintenance fund"),
    ("safety_rating", "Safety rating"),
    ("in_shantytown_plan", "In shantytown plan"),
    ("self_built", "Mostly self-built"),
    ("urban_village", "Urban village"),
    ("declared", "Declared"),
    ("historic", "Historic protection"),
    ("longitude_e6", "Longitude"),
    ("latitude_e6", "Latitude"),
    ("plan_year", "Plan year"),
];

/// (key, Chinese, English)
const TEXT: &[(&str, &str, &str)] = &[
    ("app.name", "旧改 · 城镇老旧小区改造管理系统", "jiugai · Old Residential Estate Renovation"),
    ("app.short", "旧改", "jiugai"),
    ("nav.dashboard", "首页", "Dashboard"),
    ("nav.estates", "小区档案", "Estates"),
    ("nav.import", "导入台账", "Import"),
    ("nav.audit", "审计日志", "Audit log"),
    ("nav.projects", "改造项目", "Projects"),
    ("nav.password", "修改密码", "Password"),
    ("nav.logout", "退出", "Sign out"),
    ("nav.switch_lang", "English", "中文"),
    ("login.title", "登录", "Sign in"),
    ("login.user", "用户名", "User name"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    ("login.failed", "用户名或密码不正确", "Wrong user name or password"),
    (
        "login.hint",
        "首次登录请使用管理员发给您的一次性密码，登录后须立即修改。",
        "First time? Use the one-time password you were given; you will be asked to change it.",
    ),
    ("pw.title", "修改密码", "Change password"),
    (
        "pw.forced",
        "您正在使用一次性密码，请先设置自己的密码再继续。",
        "You signed in with a one-time password: set your own password to continue.",
    ),
    ("pw.current", "当前密码", "Current password"),
    ("pw.new", "新密码", "New password"),
    ("pw.confirm", "再次输入新密码", "New password again"),
    ("pw.submit", "保存新密码", "Save new password"),
    ("pw.done", "密码已修改", "Password changed"),
    ("pw.wrong", "当前密码不正确", "The current password is wrong"),
    ("pw.short", "新密码至少 10 个字符", "The new password needs at least 10 characters"),
    ("pw.mismatch", "两次输入的新密码不一致", "The two new passwords differ"),
    (
        "pw.same",
        "新密码不能与当前密码或用户名相同",
        "The new password must differ from the current one and from the user name",
    ),
    ("dash.title", "工作台", "Dashboard"),
    ("dash.estates", "小区数", "Estates"),
    ("dash.households", "户数", "Households"),
    ("dash.core", "重点改造范围", "Core scope"),
    ("dash.extended", "扩大范围", "Extended scope"),
    ("dash.by_region", "按区划统计", "By region"),
    ("dash.region", "区划", "Region"),
    ("dash.total", "合计", "Total"),
    ("dash.seed", "各地政策配置", "Policy profiles of the seed jurisdictions"),
    ("dash.profile", "政策配置", "Profile"),
    ("dash.none", "暂无小区档案。可在“导入台账”上传摸底台账。", "No estates yet. Upload a survey ledger under Import."),
    ("dash.chart", "各区划小区改造范围认定", "Eligibility of estates by region"),
    ("verdict.core", "重点改造", "Core"),
    ("verdict.extended", "扩大范围", "Extended"),
    ("verdict.excluded", "不纳入", "Excluded"),
    ("verdict.out_of_scope", "不在范围", "Out of scope"),
    ("verdict.unknown", "待认定", "Not yet decided"),
    ("list.title", "小区档案", "Estate files"),
    ("list.search", "小区名称/街道/地址", "Name, street or address"),
    ("list.region", "区划（代码或名称）", "Region (code or name)"),
    ("list.eligibility", "改造范围认定", "Eligibility"),
    ("list.any", "全部", "All"),
    ("list.built_from", "建成年份自", "Built from"),
    ("list.built_to", "至", "to"),
    ("list.property_type", "产权性质", "Property type"),
    ("list.sort", "排序", "Sort"),
    ("list.sort.id", "编号", "Number"),
    ("list.sort.name", "小区名称", "Name"),
    ("list.sort.built", "建成年代", "Built"),
    ("list.sort.households", "户数", "Households"),
    ("list.desc", "倒序", "Descending"),
    ("list.filter", "查询", "Search"),
    ("list.reset", "重置", "Reset"),
    ("list.count", "共 {} 个小区", "{} estates"),
    ("list.next", "下一页", "Next page"),
    ("list.first", "第一页", "First page"),
    ("list.export_xlsx", "导出 Excel", "Export .xlsx"),
    ("list.export_csv", "导出 CSV", "Export .csv"),
    ("list.empty", "没有符合条件的小区", "No estates match"),
    ("list.id", "编号", "No."),
    ("list.county", "县区", "County"),
    ("show.edit", "编辑档案", "Edit"),
    ("show.version", "版本", "Version"),
    ("show.updated", "最后修改", "Last changed"),
    ("show.eligibility", "改造范围认定", "Eligibility"),
    ("show.rule", "依据", "Rule"),
    ("show.history", "变更记录", "History"),
    ("show.when", "时间", "When"),
    ("show.who", "操作人", "Who"),
    ("show.source", "来源", "Source"),
    ("show.changes", "变更内容", "Changes"),
    ("show.created", "建档", "Created"),
    ("show.attachments", "附件（照片、PDF）", "Attachments (photos, PDFs)"),
    ("show.upload", "上传附件", "Upload"),
    (
        "show.upload_hint",
        "JPEG、PNG 照片或 PDF 文件，每个不超过 10 MB",
        "JPEG or PNG photos or PDF files, up to 10 MB each",
    ),
    ("show.no_attachments", "暂无附件", "No attachments"),
    ("show.uploaded", "附件已上传", "Attachment uploaded"),
    ("show.saved", "已保存", "Saved"),
    ("show.size", "大小", "Size"),
    ("edit.title", "编辑小区档案", "Edit estate file"),
    ("edit.save", "保存", "Save"),
    ("edit.cancel", "取消", "Cancel"),
    ("edit.fix", "请改正标红的字段后再保存", "Fix the fields marked in red and save again"),
    (
        "edit.conflict",
        "您编辑期间，他人已修改并保存了这份档案。您的修改尚未保存，仍保留在下方表单中。对方改动的字段：",
        "Someone else saved this file while you were editing. Your input was not saved and is kept in the form below. Fields they changed:",
    ),
    ("edit.conflict_now", "现在的值", "now"),
    (
        "edit.conflict_again",
        "核对后再次点击“保存”，将以您的内容覆盖。",
        "Check, then press Save again to save your version over theirs.",
    ),
    ("edit.yes", "是", "yes"),
    ("edit.no", "否", "no"),
    ("edit.unknown", "未填", "not filled"),
    ("mgmt.none", "无物业", "none"),
    ("mgmt.unit", "单位管理", "unit-managed"),
    ("mgmt.self", "居民自管", "self-managed"),
    ("mgmt.professional", "专业物业", "professional"),
    ("import.title", "导入摸底台账", "Import a survey ledger"),
    ("import.file", "台账文件（.xlsx、.xls、.csv）", "Ledger file (.xlsx, .xls, .csv)"),
    ("import.region", "所属县（区）（表中无区划代码时使用）", "County (for rows without a division code)"),
    ("import.dry_run", "只检查，不导入", "Check only, import nothing"),
    ("import.submit", "上传并导入", "Upload and import"),
    (
        "import.hint",
        "表头可以在标题行下方；列按表头文字识别（小区名称、坐落位置、建成年代、楼栋数、户数、建筑面积……）。有任何错误时不导入任何数据。",
        "The header row may sit below title rows; columns are found by their header text. While any error stands, nothing is imported.",
    ),
    (
        "import.errors",
        "发现 {} 处错误，未导入任何数据。请在表格中改正后重新上传：",
        "{} errors: nothing was imported. Fix them in the spreadsheet and upload it again:",
    ),
    ("import.row", "行号", "Row"),
    ("import.column", "列", "Column"),
    ("import.value", "内容", "Value"),
    ("import.problem", "问题及改正方法", "Problem and what to do"),
    ("import.done", "导入完成：新增 {a}，更新 {u}，未变 {n}", "Imported: {a} new, {u} updated, {n} unchanged"),
    (
        "import.checked",
        "检查通过：将新增 {a}，将更新 {u}，未变 {n}（未写入）",
        "Check passed: would add {a}, update {u}, leave {n} unchanged (nothing written)",
    ),
    ("import.read", "读取 {} 个小区", "{} estates read"),
    ("audit.title", "审计日志", "Audit log"),
    ("audit.intact", "哈希链完整：共 {} 条记录，未发现篡改", "Hash chain intact: {} entries, no alteration found"),
    ("audit.broken", "哈希链断裂：第 {id} 条记录 —— {why}", "Hash chain broken at entry {id}: {why}"),
    ("audit.at", "时间", "When"),
    ("audit.actor", "操作人", "Who"),
    ("audit.origin", "来源地址", "From"),
    ("audit.action", "操作", "Action"),
    ("audit.entity", "对象", "Object"),
    ("audit.detail", "内容（修改前/后）", "Detail (before/after)"),
    ("audit.export", "导出 CSV", "Export .csv"),
    ("audit.older", "更早的记录", "Older entries"),
    ("err.title", "出错了", "Something went wrong"),
    ("err.not_found", "找不到该页面或记录", "No such page or record"),
    ("err.forbidden", "您的角色无权进行此操作", "Your role may not do this"),
    ("err.unauthorized", "请先登录", "Please sign in"),
    ("err.password_change", "请先修改一次性密码", "Change your one-time password first"),
    (
        "err.csrf",
        "表单已过期或来源不明，请刷新页面后重试",
        "The form expired or did not come from this site: reload the page and try again",
    ),
    ("err.rate_limited", "登录失败次数过多，请 15 分钟后再试", "Too many failed sign-ins: try again in 15 minutes"),
    (
        "err.internal",
        "服务器内部错误，请稍后再试或联系管理员",
        "Internal error: try again later or contact the administrator",
    ),
    ("err.back", "返回首页", "Back to the dashboard"),
    ("role", "角色", "Role"),
    ("scope", "范围", "Scope"),
    ("scope.all", "全国", "Whole country"),
];

pub fn s(lang: Lang, k: &str) -> &'static str {
    match TEXT.iter().find(|(key, _, _)| *key == k) {
        Some((_, zh, en)) => {
            if lang == Lang::Zh {
                zh
            } else {
                en
            }
        }
        None => "?",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<&str> = super::TEXT.iter().map(|t| t.0).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(n, keys.len());
    }
}
