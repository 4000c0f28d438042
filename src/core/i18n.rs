//! Labels in the two supported languages. Numbers, dates and relative times
//! are not here: counts are grouped in `format`, dates and relative times go
//! through the browser's `Intl` for the same locale.

use crate::core::model::TaskStatus;

/// A supported label language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    ZhCn,
}

impl Lang {
    /// Reads a BCP 47 tag: `en`, `en-GB`, `zh`, `zh-CN`, `zh-Hans`...
    /// Returns `None` for any other language.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Self::En),
            "zh" => Some(Self::ZhCn),
            _ => None,
        }
    }

    /// The first supported language of the browser's preference list,
    /// English when none is supported.
    pub fn negotiate<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Self {
        preferred
            .into_iter()
            .find_map(Self::from_tag)
            .unwrap_or_default()
    }

    /// The BCP 47 tag handed to `Intl` and set as the card's `lang`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::ZhCn => "zh-CN",
        }
    }

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
}

/// Unit symbols for "1 h 2 min 3 s".
#[derive(Debug)]
pub struct DurationUnits {
    pub day: &'static str,
    pub hour: &'static str,
    pub minute: &'static str,
    pub second: &'static str,
    pub millisecond: &'static str,
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
};

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
