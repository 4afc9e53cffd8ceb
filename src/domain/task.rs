//! Tasks: follow-ups with a due date, an assignee and an optional customer.

use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};

use super::text;
use super::{Checker, Id, Invalid, NAME_MAX, NOTE_MAX_BYTES, Stamp, UnixTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, Hash)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    #[default]
    Open,
    InProgress,
    Done,
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] = [Self::Open, Self::InProgress, Self::Done, Self::Cancelled];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().replace([' ', '-'], "_");
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(&s))
    }
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Done | Self::Cancelled)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum TaskPriority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl TaskPriority {
    pub const ALL: [TaskPriority; 4] = [Self::Low, Self::Normal, Self::High, Self::Urgent];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub author: Id,
    pub at: UnixTime,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TaskInput {
    pub title: String,
    pub description: Option<String>,
    pub status: TaskStatus,
    pub priority: TaskPriority,
    pub due: Option<Date>,
    pub due_time: Option<Time>,
    /// `None` on create means "the person creating it".
    pub assignee: Option<Id>,
    pub customer: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: Id,
    pub stamp: Stamp,
    pub data: TaskInput,
    pub comments: Vec<Comment>,
}

impl Task {
    pub fn creator(&self) -> Id {
        self.stamp.created_by
    }

    pub fn is_overdue(&self, today: Date) -> bool {
        !self.data.status.is_closed() && self.data.due.is_some_and(|d| d < today)
    }
}

impl TaskInput {
    pub fn validate(&self) -> Result<TaskInput, Invalid> {
        let mut c = Checker::default();
        let title = c.take(text::required_line("title", &self.title, NAME_MAX));
        let description = self
            .description
            .as_ref()
            .and_then(|d| c.take(text::multiline("description", d, NOTE_MAX_BYTES)))
            .filter(|d| !d.is_empty());
        if self.due_time.is_some() && self.due.is_none() {
            c.push("due time", "needs a due date");
        }
        c.finish(|| TaskInput {
            title: title.unwrap_or_default(),
            description,
            ..self.clone()
        })
    }
}

pub fn validate_comment(t: &str) -> Result<String, Invalid> {
    super::customer::validate_interaction(t)
}
