//! Every word a user can read, in the two supported languages: the card's
//! labels ([`Text`]), and the sentences of request errors, unreadable
//! answers and configuration problems (`describe`). Each language is a
//! struct or an exhaustive `match`: a text without its translation does not
//! compile. Numbers, dates and relative times are not here: counts are
//! grouped in `format`, dates and relative times go through the browser's
//! `Intl` for the same locale.

use std::fmt;

use crate::core::config::{ConfigError, ConfigErrors, Problem, Rule, ValueKind};
use crate::core::format::{format_seconds, reason_phrase, DurationUnits};
use crate::core::lang::Lang;
use crate::core::model::{BodyError, TaskStatus};
use crate::core::response::RequestError;

/// The words of each language.
impl Lang {
    pub fn text(self) -> &'static Text {
        match self {
            Self::En => &EN,
            Self::ZhCn => &ZH_CN,
        }
    }
}

/// Every fixed string the card shows.
#[derive(Debug)]
pub struct Text {
    pub title: &'static str,
    pub queuing: &'static str,
    pub starting: &'static str,
    pub running: &'static str,
    pub completed: &'static str,
    pub failed: &'static str,
    pub not_exist: &'static str,
    pub unknown_status: &'static str,
    pub no_status: &'static str,
    pub total_samples: &'static str,
    pub added_samples: &'static str,
    pub deleted_samples: &'static str,
    pub task_id: &'static str,
    pub dataset_id: &'static str,
    pub created: &'static str,
    pub duration: &'static str,
    pub failure: &'static str,
    pub refresh: &'static str,
    pub refreshing: &'static str,
    pub loading: &'static str,
    pub updated: &'static str,
    pub never_updated: &'static str,
    pub request_failed: &'static str,
    pub config_problem: &'static str,
    pub stale: &'static str,
    pub invalid_time: &'static str,
    /// Around the seconds of "retrying in 5 s".
    pub retry_in: (&'static str, &'static str),
    pub units: DurationUnits,
    pub sync: SyncText,
}

/// The words of "Sync now" (`core::sync`).
#[derive(Debug)]
pub struct SyncText {
    /// The button, ready.
    pub button: &'static str,
    /// The button, after a first press.
    pub confirm: &'static str,
    /// What the first press asks (announced).
    pub confirm_hint: &'static str,
    /// The button while the POST is in flight.
    pub sending: &'static str,
    /// The proxy accepted the POST (announced).
    pub started: &'static str,
    /// Above why the POST failed.
    pub failed: &'static str,
    /// Around the seconds of "try again in 42 s" (a 429's `Retry-After`).
    pub again_in: (&'static str, &'static str),
}

impl Text {
    /// "retrying in 5 s".
    pub fn retrying_in(&self, secs: u64) -> String {
        let (before, after) = self.retry_in;
        format!("{before}{secs}{after}")
    }

    pub fn status(&self, status: &TaskStatus) -> &'static str {
        match status {
            TaskStatus::Queuing => self.queuing,
            TaskStatus::Starting => self.starting,
            TaskStatus::Running => self.running,
            TaskStatus::Completed => self.completed,
            TaskStatus::Failed => self.failed,
            TaskStatus::NotExist => self.not_exist,
            TaskStatus::Unknown(_) => self.unknown_status,
        }
    }
}

static EN: Text = Text {
    title: "Dataset synchronization",
    queuing: "Queued",
    starting: "Starting",
    running: "Running",
    completed: "Completed",
    failed: "Failed",
    not_exist: "No sync task",
    unknown_status: "Unknown status",
    no_status: "No status reported",
    total_samples: "Total samples",
    added_samples: "Added",
    deleted_samples: "Deleted",
    task_id: "Task ID",
    dataset_id: "Dataset ID",
    created: "Created",
    duration: "Duration",
    failure: "Synchronization failed",
    refresh: "Refresh",
    refreshing: "Refreshing…",
    loading: "Loading sync status…",
    updated: "Updated",
    never_updated: "Not updated yet",
    request_failed: "Could not refresh",
    config_problem: "This widget is not configured correctly",
    stale: "Data may be out of date",
    invalid_time: "invalid time",
    retry_in: ("retrying in ", " s"),
    units: DurationUnits {
        day: "d",
        hour: "h",
        minute: "min",
        second: "s",
        millisecond: "ms",
    },
    sync: SyncText {
        button: "Sync now",
        confirm: "Confirm sync",
        confirm_hint: "Press again to start synchronizing this dataset.",
        sending: "Starting sync…",
        started: "Sync started",
        failed: "Could not start the sync",
        again_in: ("Try again in ", " s."),
    },
};

static ZH_CN: Text = Text {
    title: "数据集同步",
    queuing: "排队中",
    starting: "启动中",
    running: "同步中",
    completed: "已完成",
    failed: "失败",
    not_exist: "无同步任务",
    unknown_status: "未知状态",
    no_status: "未返回状态",
    total_samples: "样本总数",
    added_samples: "新增",
    deleted_samples: "删除",
    task_id: "任务 ID",
    dataset_id: "数据集 ID",
    created: "创建时间",
    duration: "运行时长",
    failure: "同步失败",
    refresh: "刷新",
    refreshing: "正在刷新…",
    loading: "正在加载同步状态…",
    updated: "更新于",
    never_updated: "尚未更新",
    request_failed: "刷新失败",
    config_problem: "组件配置有误",
    stale: "数据可能已过期",
    invalid_time: "无效时间",
    retry_in: ("", " 秒后重试"),
    units: DurationUnits {
        day: "天",
        hour: "小时",
        minute: "分",
        second: "秒",
        millisecond: "毫秒",
    },
    sync: SyncText {
        button: "立即同步",
        confirm: "确认同步",
        confirm_hint: "再次点击以开始同步此数据集。",
        sending: "正在启动同步…",
        started: "已开始同步",
        failed: "无法启动同步",
        again_in: ("请在 ", " 秒后重试。"),
    },
};

impl SyncText {
    /// "Try again in 42 s.".
    pub fn again_in(&self, secs: u64) -> String {
        let (before, after) = self.again_in;
        format!("{before}{secs}{after}")
    }
}

/// Which request failed, for the words of a portal's refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// The status (GET).
    Status,
    /// Starting a sync (POST).
    Sync,
}

impl RequestError {
    /// The sentence the card shows for a status request.
    pub fn describe(&self, lang: Lang) -> String {
        self.describe_for(Asked::Status, lang)
    }

    /// The sentence the card shows for `asked`.
    pub fn describe_for(&self, asked: Asked, lang: Lang) -> String {
        let zh = lang == Lang::ZhCn;
        match self {
            Self::Http {
                status,
                error_code,
                error_msg,
                body_not_json,
                ..
            } => {
                let mut s = format!("HTTP {status}");
                if let Some(reason) = reason_phrase(*status) {
                    s.push(' ');
                    s.push_str(reason);
                }
                let refused = refused_by_portal(*status, error_code.as_deref(), asked, lang);
                if let Some(sentence) = refused {
                    // The proxy's own message is English: say it in the
                    // card's language, with the status and code for support.
                    let code = error_code.as_deref().unwrap_or_default();
                    return if zh {
                        format!("{sentence}（{s}，{code}）")
                    } else {
                        format!("{sentence} ({s}, {code})")
                    };
                }
                match (error_code, error_msg) {
                    (Some(code), Some(msg)) => s.push_str(&format!(": {code}: {msg}")),
                    (Some(only), None) | (None, Some(only)) => s.push_str(&format!(": {only}")),
                    (None, None) if *body_not_json => s.push_str(if zh {
                        "（响应不是 JSON，可能来自网关或代理）"
                    } else {
                        " (the response was not JSON; it may come from a gateway or proxy)"
                    }),
                    (None, None) => {}
                }
                s
            }
            Self::Network(detail) => {
                let base = if zh {
                    "网络错误：无法连接到代理"
                } else {
                    "Network error: the proxy could not be reached"
                };
                if detail.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base} ({detail})")
                }
            }
            Self::Timeout(after) => {
                let secs = format_seconds(*after);
                if zh {
                    format!("请求超时：{secs} 秒内没有响应")
                } else {
                    format!("Timed out: no answer within {secs} s")
                }
            }
            Self::Decode(err) if zh => format!("无法读取响应：{}", err.describe(lang)),
            Self::Decode(err) => format!("Unreadable answer: {}", err.describe(lang)),
        }
    }
}

/// What the reference proxy's `--auth-url` refusals mean to the viewer
/// (`PROXY.0401`, `PROXY.0403`, with their statuses: another server's codes
/// are shown as it sent them).
fn refused_by_portal(
    status: u16,
    code: Option<&str>,
    asked: Asked,
    lang: Lang,
) -> Option<&'static str> {
    use Asked::{Status, Sync};
    Some(match (status, code?, asked, lang) {
        (401, "PROXY.0401", Status, Lang::En) => {
            "Not signed in: sign in to the portal to see this task."
        }
        (401, "PROXY.0401", Status, Lang::ZhCn) => "未登录：请先登录门户再查看此任务。",
        (401, "PROXY.0401", Sync, Lang::En) => {
            "Not signed in: sign in to the portal to start a sync."
        }
        (401, "PROXY.0401", Sync, Lang::ZhCn) => "未登录：请先登录门户再启动同步。",
        (403, "PROXY.0403", Status, Lang::En) => {
            "Not allowed: the portal does not let you see this dataset."
        }
        (403, "PROXY.0403", Status, Lang::ZhCn) => "无权查看：门户不允许您查看此数据集。",
        (403, "PROXY.0403", Sync, Lang::En) => {
            "Not allowed: the portal does not let you start a sync of this dataset."
        }
        (403, "PROXY.0403", Sync, Lang::ZhCn) => "无权同步：门户不允许您启动此数据集的同步。",
        _ => return None,
    })
}

impl BodyError {
    /// Why the body is not an answer (after "Unreadable answer: ").
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, Self::NotJson { line, column }) => {
                format!("the body is not valid JSON (line {line}, column {column})")
            }
            (Lang::ZhCn, Self::NotJson { line, column }) => {
                format!("不是有效的 JSON（第 {line} 行，第 {column} 列）")
            }
            (Lang::En, Self::NotAnObject) => "the body is JSON but not an object".to_owned(),
            (Lang::ZhCn, Self::NotAnObject) => "JSON 不是对象".to_owned(),
            // serde's message, as it says it.
            (_, Self::Field { field, message }) if field.is_empty() => message.clone(),
            (Lang::En, Self::Field { field, message }) => format!("{field}: {message}"),
            (Lang::ZhCn, Self::Field { field, message }) => {
                format!("字段 {field} 不符合（{message}）")
            }
            (Lang::En, Self::NotInBatch) => {
                "the proxy's batch answer has no entry for this dataset".to_owned()
            }
            (Lang::ZhCn, Self::NotInBatch) => "代理的批量响应中没有此数据集".to_owned(),
        }
    }
}

impl ConfigError {
    /// The sentence the card lists.
    pub fn describe(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.in_english(),
            Lang::ZhCn => self.in_chinese(),
        }
    }

    fn in_english(&self) -> String {
        let lang = Lang::En;
        match self {
            Self::Missing(name) => format!("{name} is required."),
            Self::InvalidId {
                name,
                value,
                problem,
            } => format!(
                "{name} \"{value}\" is not usable: {}.",
                problem.describe(lang)
            ),
            Self::NotANumber { name, value } => {
                format!("{name} must be a number of seconds, not \"{value}\".")
            }
            Self::OutOfRange { name, value, rule } => {
                format!("{name} must be {} (got {value}).", rule.describe(lang))
            }
            Self::InvalidProxy { value, problem } => {
                format!(
                    "proxy \"{value}\" is not usable: {}.",
                    problem.describe(lang)
                )
            }
            Self::InvalidLang(value) => {
                format!("lang must be \"en\" or \"zh-CN\", not \"{value}\".")
            }
            Self::InvalidChoice {
                name,
                value,
                allowed,
            } => format!("{name} must be one of {allowed}, not \"{value}\"."),
            Self::WrongType {
                name,
                expected,
                got,
            } => format!(
                "{name} must be {}, not {}.",
                expected.describe(lang),
                got.describe(lang)
            ),
            Self::NotAnObject(detail) => format!("the options must be an object ({detail})."),
        }
    }

    fn in_chinese(&self) -> String {
        let lang = Lang::ZhCn;
        match self {
            Self::Missing(name) => format!("缺少 {name}。"),
            Self::InvalidId {
                name,
                value,
                problem,
            } => format!("{name}“{value}”不可用：{}。", problem.describe(lang)),
            Self::NotANumber { name, value } => format!("{name} 必须是秒数，而不是“{value}”。"),
            Self::OutOfRange { name, value, rule } => {
                format!("{name} 必须{}（实际为 {value}）。", rule.describe(lang))
            }
            Self::InvalidProxy { value, problem } => {
                format!("proxy“{value}”不可用：{}。", problem.describe(lang))
            }
            Self::InvalidLang(value) => {
                format!("lang 必须是 \"en\" 或 \"zh-CN\"，而不是“{value}”。")
            }
            Self::InvalidChoice {
                name,
                value,
                allowed,
            } => format!("{name} 必须是 {allowed} 之一，而不是“{value}”。"),
            Self::WrongType {
                name,
                expected,
                got,
            } => format!(
                "{name} 必须是{}，而不是{}。",
                expected.describe(lang),
                got.describe(lang)
            ),
            Self::NotAnObject(detail) => format!("选项必须是一个对象（{detail}）。"),
        }
    }
}

impl Problem {
    pub fn describe(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, Self::Empty) => "it is empty",
            (Lang::ZhCn, Self::Empty) => "值为空",
            (Lang::En, Self::TooLong) => "it is longer than 256 characters",
            (Lang::ZhCn, Self::TooLong) => "长度超过 256 个字符",
            (Lang::En, Self::OnlyDots) => "it cannot be made of dots only",
            (Lang::ZhCn, Self::OnlyDots) => "不能只由点组成",
            (Lang::En, Self::ControlCharacters) => "it contains control characters",
            (Lang::ZhCn, Self::ControlCharacters) => "包含控制字符",
            (Lang::En, Self::NotHttp) => "only http and https URLs are allowed",
            (Lang::ZhCn, Self::NotHttp) => "只允许 http 和 https 地址",
            (Lang::En, Self::NoHost) => "an absolute URL needs a host (http://host/...)",
            (Lang::ZhCn, Self::NoHost) => "绝对地址需要主机名（http://host/...）",
            (Lang::En, Self::QueryInBaseUrl) => {
                "a base URL cannot have a query or fragment (use a {project_id}/{dataset_id} template)"
            }
            (Lang::ZhCn, Self::QueryInBaseUrl) => {
                "基础地址不能带查询参数或片段（请使用含 {project_id}/{dataset_id} 的模板）"
            }
            (Lang::En, Self::TemplateWithBatch) => {
                "requests=\"batch\" needs a base URL, not a template"
            }
            (Lang::ZhCn, Self::TemplateWithBatch) => {
                "requests=\"batch\" 需要基础地址，不能使用模板"
            }
            (Lang::En, Self::TemplateWithSync) => {
                "actions=\"sync\" needs a base URL, not a template"
            }
            (Lang::ZhCn, Self::TemplateWithSync) => {
                "actions=\"sync\" 需要基础地址，不能使用模板"
            }
        }
    }
}

impl Rule {
    pub fn describe(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, Self::AtLeastOne) => "at least 1 second",
            (Lang::ZhCn, Self::AtLeastOne) => "至少 1 秒",
            (Lang::En, Self::ZeroOrAtLeastOne) => "0 (never) or at least 1 second",
            (Lang::ZhCn, Self::ZeroOrAtLeastOne) => "为 0（从不）或至少 1 秒",
            (Lang::En, Self::Positive) => "more than 0 seconds",
            (Lang::ZhCn, Self::Positive) => "大于 0 秒",
            (Lang::En, Self::AtMostADay) => "at most 86400 seconds (a day)",
            (Lang::ZhCn, Self::AtMostADay) => "不超过 86400 秒（一天）",
        }
    }
}

impl ValueKind {
    pub fn describe(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, Self::Text) => "text",
            (Lang::ZhCn, Self::Text) => "文本",
            (Lang::En, Self::Seconds) => "a number of seconds",
            (Lang::ZhCn, Self::Seconds) => "秒数",
            (Lang::En, Self::Number) => "a number",
            (Lang::ZhCn, Self::Number) => "数字",
            (Lang::En, Self::Boolean) => "a boolean",
            (Lang::ZhCn, Self::Boolean) => "布尔值",
            (Lang::En, Self::List) => "a list",
            (Lang::ZhCn, Self::List) => "数组",
            (Lang::En, Self::Object) => "an object",
            (Lang::ZhCn, Self::Object) => "对象",
        }
    }
}

/// `Display` of each error is its English sentence: one text per error.
macro_rules! display_in_english {
    ($($error:ty),+) => {$(
        impl fmt::Display for $error {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.describe(Lang::En))
            }
        }

        impl std::error::Error for $error {}
    )+};
}

display_in_english!(RequestError, BodyError, ConfigError);

/// The sentences of every problem, one after the other.
impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(Lang::from_tag("en-GB"), Some(Lang::En));
        assert_eq!(Lang::from_tag("zh-Hans-CN"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_tag("ZH_cn"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::from_tag(""), None);
        assert_eq!(Lang::negotiate(["fr-FR", "zh-TW", "en"]), Lang::ZhCn);
        assert_eq!(Lang::negotiate(["de"]), Lang::En);
    }

    #[test]
    fn zh_cn_says_every_problem_in_chinese() {
        use crate::core::config::RawOptions;
        let errors = RawOptions::from_pairs([
            ("interval", "0.5"),
            ("timeout", "soon"),
            ("idle_interval", "0.2"),
            ("duration_unit", "小时"),
            ("lang", "fr"),
            ("proxy", "javascript:alert(1)"),
            ("dataset_id", ".."),
            ("max_backoff", "99999"),
        ])
        .validate()
        .unwrap_err();
        assert_eq!(errors.errors.len(), 9);
        let latin = |s: &str| {
            // What stays Latin: option names, the values given, and the
            // words an option takes.
            let mut rest = s.to_owned();
            let mut keep = [
                "project_id",
                "dataset_id",
                "interval",
                "idle_interval",
                "timeout",
                "duration_unit",
                "max_backoff",
                "lang",
                "proxy",
                "javascript:alert(1)",
                "soon",
                "\"ms\"",
                "\"s\"",
                "\"en\"",
                "\"zh-CN\"",
                "fr",
                "https",
                "JSON",
                "http",
            ];
            // Longest first: `idle_interval` before `interval`.
            keep.sort_by_key(|k| std::cmp::Reverse(k.len()));
            for k in keep {
                rest = rest.replace(k, "");
            }
            rest.chars()
                .filter(char::is_ascii_alphabetic)
                .collect::<String>()
        };
        for e in &errors.errors {
            let zh = e.describe(Lang::ZhCn);
            assert_ne!(zh, e.describe(Lang::En));
            assert_eq!(latin(&zh), "", "{zh}");
        }
        for e in [
            RequestError::Network(String::new()),
            RequestError::Timeout(std::time::Duration::from_secs(3)),
            RequestError::Decode(BodyError::NotAnObject),
            RequestError::Decode(BodyError::NotInBatch),
        ] {
            assert_eq!(latin(&e.describe(Lang::ZhCn)), "", "{e:?}");
        }
    }

    #[test]
    fn the_portals_refusals_are_said_in_the_cards_language() {
        let refused = |status, code: &str| RequestError::Http {
            status,
            error_code: Some(code.into()),
            error_msg: Some("Not signed in: the portal did not recognise this viewer.".into()),
            body_not_json: false,
            retry_after: None,
        };
        assert_eq!(
            refused(401, "PROXY.0401").describe(Lang::En),
            "Not signed in: sign in to the portal to see this task. \
             (HTTP 401 Unauthorized, PROXY.0401)"
        );
        assert_eq!(
            refused(401, "PROXY.0401").describe(Lang::ZhCn),
            "未登录：请先登录门户再查看此任务。（HTTP 401 Unauthorized，PROXY.0401）"
        );
        assert!(refused(403, "PROXY.0403")
            .describe(Lang::En)
            .starts_with("Not allowed: the portal does not let you see this dataset."));
        assert!(refused(403, "PROXY.0403")
            .describe(Lang::ZhCn)
            .starts_with("无权查看"));
        // A sync refused: said as a sync, to a viewer who may see the task.
        assert_eq!(
            refused(403, "PROXY.0403").describe_for(Asked::Sync, Lang::En),
            "Not allowed: the portal does not let you start a sync of this dataset. \
             (HTTP 403 Forbidden, PROXY.0403)"
        );
        assert!(refused(401, "PROXY.0401")
            .describe_for(Asked::Sync, Lang::ZhCn)
            .starts_with("未登录：请先登录门户再启动同步"));
        // Another server's 401, or the code with another status: as sent.
        assert_eq!(
            refused(401, "APIG.0301").describe(Lang::En),
            "HTTP 401 Unauthorized: APIG.0301: \
             Not signed in: the portal did not recognise this viewer."
        );
        assert!(refused(500, "PROXY.0401")
            .describe(Lang::En)
            .starts_with("HTTP 500"));
    }

    #[test]
    fn every_status_has_distinct_words() {
        for lang in [Lang::En, Lang::ZhCn] {
            let t = lang.text();
            let words: std::collections::HashSet<_> = [
                TaskStatus::Queuing,
                TaskStatus::Starting,
                TaskStatus::Running,
                TaskStatus::Completed,
                TaskStatus::Failed,
                TaskStatus::NotExist,
                TaskStatus::Unknown("X".into()),
            ]
            .iter()
            .map(|s| t.status(s))
            .collect();
            assert_eq!(words.len(), 7);
        }
    }
}
