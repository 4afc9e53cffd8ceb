//! The duplicate question before a save: a customer whose normalised email or phone
//! belongs to another customer is saved only after the person has seen who and said yes.

use super::edit::Editor;
use crate::domain::CustomerInput;
use crate::service::{Request, Response};
use crate::tui::action::Action;
use crate::tui::screens::Ctx;
use crate::tui::screens::versioned::VersionedForm;
use crate::tui::text::clean;
use crate::tui::widgets::confirm::{Answer, Confirm};
use crate::tui::widgets::form::Outcome;

/// The question, when `input` shares an email or phone with customers other than `except`.
/// A failed check asks nothing: the save itself is what the service decides.
pub fn question(ctx: &mut Ctx, input: &CustomerInput, except: Option<u64>) -> Option<String> {
    let Ok(Response::Duplicates(found)) = ctx.call(Request::CustomerDuplicatesOf {
        input: Box::new(input.clone()),
        except,
    }) else {
        return None;
    };
    if found.is_empty() {
        return None;
    }
    let mut who: Vec<String> = found
        .iter()
        .take(3)
        .map(|d| format!("{} (#{}, {})", clean(&d.a_name), d.a, d.reason))
        .collect();
    if found.len() > 3 {
        who.push(format!("and {} more", found.len() - 3));
    }
    Some(format!(
        "This may be a customer you already have: {}. Save anyway? (To combine them, use `kasefet customer merge`.)",
        who.join("; ")
    ))
}

impl Editor {
    pub fn ask_duplicate(&mut self, q: String, version: u64) {
        self.duplicate = Some(Confirm::new(
            "Possible duplicate",
            q,
            "save anyway",
            version,
        ));
    }

    /// The answer to the duplicate question: yes saves as it was going to, no goes back to
    /// the form with nothing lost.
    pub fn answer_duplicate(&mut self, action: Action, ctx: &mut Ctx) -> Outcome {
        let Some(ask) = &self.duplicate else {
            return Outcome::Ignored;
        };
        match ask.answer(action) {
            Answer::Yes(version) => {
                self.duplicate = None;
                self.duplicate_ok = true;
                let out = self.save_at(version, ctx);
                self.duplicate_ok = false;
                out
            }
            Answer::No => {
                self.duplicate = None;
                Outcome::Stay
            }
            Answer::Pending => Outcome::Stay,
        }
    }
}
