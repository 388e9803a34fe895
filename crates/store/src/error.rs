//! Typed store errors, each with a message in Chinese and English that says what to do.

use jiugai_sheet::Lang;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unknown database URL {0:?}")]
    BadUrl(String),
    #[error("cannot open database {0}: {1}")]
    Connect(String, String),
    #[error("migration {0} failed: {1}")]
    Migration(i64, String),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("region not found: {0}")]
    RegionNotFound(String),
    #[error("region name is ambiguous: {0}")]
    RegionAmbiguous(String, Vec<String>),
    #[error("region {0} is not a {1}")]
    RegionLevel(String, &'static str),
    #[error("estate {0} not found")]
    EstateNotFound(i64),
    #[error("version conflict on estate {id}: you edited version {expected}, current is {current}")]
    Conflict { id: i64, expected: i64, current: i64, changed: Vec<String> },
    #[error("project {0} not found")]
    ProjectNotFound(i64),
    /// Another record that does not exist: (its Chinese name, its English name, its id or number).
    #[error("{1} {2} not found")]
    NotFound(&'static str, &'static str, String),
    /// A record other than an estate changed since the caller read it (`entity`: its Chinese name).
    #[error("version conflict on {entity} {id}: you read version {expected}, current is {current}")]
    Stale { entity: &'static str, id: i64, expected: i64, current: i64 },
    /// A refusal: bad input, or a rule or state that forbids the change. `code` is the stable name a
    /// client branches on; `rule` the policy rule key and its source clause when a rule refused.
    #[error("{code} ({field}: {value:?})")]
    Invalid {
        code: jiugai_domain::ErrorCode,
        field: String,
        value: String,
        zh: String,
        en: String,
        rule: Option<(String, String)>,
    },
    #[error("file error: {0}")]
    File(#[from] jiugai_sheet::FileError),
    #[error("{0}")]
    Other(String),
}

impl StoreError {
    /// A bad value (`invalid_value`) with what to do, in both languages.
    pub fn invalid(
        field: impl Into<String>,
        value: impl Into<String>,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> StoreError {
        StoreError::Invalid {
            code: jiugai_domain::ErrorCode::InvalidValue,
            field: field.into(),
            value: value.into(),
            zh: zh.into(),
            en: en.into(),
            rule: None,
        }
    }
    /// The same refusal under another stable code.
    pub fn with_code(mut self, c: jiugai_domain::ErrorCode) -> StoreError {
        if let StoreError::Invalid { code, .. } = &mut self {
            *code = c;
        }
        self
    }
    /// The same refusal naming the policy rule and its source clause.
    pub fn with_rule(mut self, key: impl Into<String>, source: impl Into<String>) -> StoreError {
        if let StoreError::Invalid { rule, .. } = &mut self {
            *rule = Some((key.into(), source.into()));
        }
        self
    }
    /// The stable code of this error.
    pub fn code(&self) -> jiugai_domain::ErrorCode {
        use jiugai_domain::ErrorCode as C;
        match self {
            StoreError::Invalid { code, .. } => *code,
            StoreError::EstateNotFound(_) | StoreError::ProjectNotFound(_) | StoreError::NotFound(..) => C::NotFound,
            StoreError::Conflict { .. } | StoreError::Stale { .. } => C::StaleVersion,
            StoreError::RegionNotFound(_) | StoreError::RegionAmbiguous(..) | StoreError::RegionLevel(..) => {
                C::InvalidRegion
            }
            StoreError::File(_) => C::BadFile,
            _ => C::Internal,
        }
    }
    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            StoreError::BadUrl(u) => {
                if zh {
                    format!("无法识别的数据库地址“{u}”：请使用 sqlite://文件名.db 或 postgres://用户@主机/库名")
                } else {
                    format!("unknown database URL “{u}”: use sqlite://FILE.db or postgres://USER@HOST/DB")
                }
            }
            StoreError::Connect(u, e) => {
                if zh {
                    format!("无法打开数据库 {u}：{e}。请检查地址、权限或数据库服务是否运行")
                } else {
                    format!("cannot open database {u}: {e}. Check the URL, permissions, or that the server runs")
                }
            }
            StoreError::Migration(v, e) => {
                if zh {
                    format!("数据库结构升级（第 {v} 号）失败：{e}")
                } else {
                    format!("migration {v} failed: {e}")
                }
            }
            StoreError::Sqlx(e) => {
                if zh {
                    format!("数据库错误：{e}")
                } else {
                    format!("database error: {e}")
                }
            }
            StoreError::RegionNotFound(q) => {
                if zh {
                    format!("找不到行政区划“{q}”：请填写区划代码（如 140830）或名称（如 芮城县、山西省运城市芮城县）")
                } else {
                    format!(
                        "region “{q}” not found: give a division code (e.g. 140830) or a name (e.g. 芮城县 or 山西省运城市芮城县)"
                    )
                }
            }
            StoreError::RegionAmbiguous(q, c) => {
                if zh {
                    format!("行政区划“{q}”有多个同名：{}。请填写区划代码或带上级的全称", c.join("、"))
                } else {
                    format!(
                        "region name “{q}” matches several: {}. Give the code or the full name with its parents",
                        c.join(", ")
                    )
                }
            }
            StoreError::RegionLevel(q, lvl) => {
                if zh {
                    format!("“{q}”不是{}级区划：请指定一个{}", level_zh(lvl), level_zh(lvl))
                } else {
                    format!("“{q}” is not a {lvl}: name a {lvl}")
                }
            }
            StoreError::EstateNotFound(id) => {
                if zh {
                    format!("找不到编号为 {id} 的小区")
                } else {
                    format!("no estate with id {id}")
                }
            }
            StoreError::Conflict { id, expected, current, changed } => {
                if zh {
                    format!(
                        "小区 {id} 的档案已被他人修改（您编辑的是第 {expected} 版，当前为第 {current} 版；改动的字段：{}）。您的修改未保存：请刷新查看最新内容后再改",
                        changed.join("、")
                    )
                } else {
                    format!(
                        "estate {id} was changed by someone else (you edited version {expected}, it is now {current}; fields changed: {}). Your change was not saved: reload and apply it again",
                        changed.join(", ")
                    )
                }
            }
            StoreError::NotFound(zh_name, en_name, id) => {
                if zh {
                    format!("找不到{zh_name} {id}")
                } else {
                    format!("no {en_name} {id}")
                }
            }
            StoreError::ProjectNotFound(id) => {
                if zh {
                    format!("找不到编号为 {id} 的改造项目")
                } else {
                    format!("no project with id {id}")
                }
            }
            StoreError::Stale { entity, id, expected, current } => {
                if zh {
                    format!(
                        "{entity} {id} 已被他人修改（您看到的是第 {expected} 版，当前为第 {current} 版）。您的修改未保存：请刷新查看最新内容后再操作"
                    )
                } else {
                    format!(
                        "{entity} {id} was changed by someone else (you saw version {expected}, it is now {current}). Your change was not saved: reload and apply it again"
                    )
                }
            }
            StoreError::Invalid { zh: z, en, .. } => {
                if zh {
                    z.clone()
                } else {
                    en.clone()
                }
            }
            StoreError::File(e) => e.message(lang),
            StoreError::Other(s) => s.clone(),
        }
    }
}

fn level_zh(level: &str) -> &'static str {
    match level {
        "province" => "省",
        "city" => "市",
        "county" => "县（区）",
        "street" => "街道（乡镇）",
        _ => "区划",
    }
}
