//! `customer consent ID --given|--withdrawn --how HOW`, and the consent history on `show`.

use std::collections::HashMap;

use super::output::json;
use super::{CliError, Ctx, date_arg, unexpected};
use crate::privacy::consent::Method;
use crate::privacy::subject::ConsentEvent;
use crate::service::clock::format_local;
use crate::service::{Request, Response};

pub fn record(
    ctx: &mut Ctx<'_>,
    id: u64,
    given: bool,
    how: &str,
    date: &Option<String>,
) -> Result<String, CliError> {
    let how = Method::parse(how).ok_or_else(|| {
        CliError::invalid(format!(
            "invalid input: how: {how:?} is not one of form, phone, email, paper, in-person, other"
        ))
    })?;
    let date = date_arg("consent date", date)?;
    ctx.call(Request::CustomerConsent {
        id,
        given,
        how,
        date,
    })?;
    let what = if given { "given" } else { "withdrawn" };
    Ok(if ctx.json {
        json(&serde_json::json!({ "id": id, "consent": what, "how": how.as_str() }))?
    } else {
        format!(
            "customer {id}: marketing consent {what} (by {})\n",
            how.as_str()
        )
    })
}

pub fn history(ctx: &mut Ctx<'_>, id: u64) -> Result<Vec<ConsentEvent>, CliError> {
    match ctx.call(Request::ConsentHistory { id })? {
        Response::Consent(events) => Ok(events),
        _ => Err(unexpected()),
    }
}

/// "consent history:" and a line per change, newest first; nothing when there is none.
pub fn render(events: &[ConsentEvent], names: &HashMap<u64, String>) -> String {
    if events.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nconsent history:\n");
    for e in events.iter().rev() {
        let who = names
            .get(&e.by)
            .cloned()
            .unwrap_or_else(|| format!("user {}", e.by));
        out.push_str(&format!(
            "  {}  {:<9} by {}  {}{}\n",
            format_local(e.at),
            if e.given { "given" } else { "withdrawn" },
            super::output::clean(&who),
            match &e.how {
                Some(h) => format!("recorded by {h}"),
                None if e.recorded == "created" => "recorded with the new record".into(),
                None => "recorded by an edit of the record".into(),
            },
            e.date.map(|d| format!(", dated {d}")).unwrap_or_default()
        ));
    }
    out
}
