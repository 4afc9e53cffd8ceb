//! Showing other people's changes: the window of the list is loaded again around the
//! selection (not audited), and the open
//! record is fetched again only when the list says it changed, since every fetch of a
//! record is an audited view.

use super::*;
use crate::service::Error;
use crate::tui::screens::Note;

impl Customers {
    pub(super) fn refresh_quietly(&mut self, ctx: &mut Ctx) {
        if !matches!(self.mode, Mode::Browse) {
            return;
        }
        // Only the window travels again, held around the open record or the selection.
        let keep = self
            .open
            .as_ref()
            .map(|c| c.id)
            .or_else(|| self.selected().map(|c| c.id));
        self.reload_around(keep, ctx);
        if self.found.is_some() {
            self.run_search(ctx);
            if let Some(i) = keep.and_then(|id| self.position(id)) {
                self.sel.index = i;
            }
        }
        let Some((id, seen)) = self.open.as_ref().map(|c| (c.id, c.stamp.updated_at)) else {
            return;
        };
        // Task lists and consent histories are not audited: they follow every refresh.
        self.linked = super::linked::load(id, ctx);
        self.consent_how = super::linked::consent_how(id, ctx);
        let listed = self
            .rows()
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.updated_at);
        let filtered =
            self.status.is_some() || self.tag.is_some() || self.mine || self.found.is_some();
        // Unchanged; or missing from a filtered list, which says nothing about the record
        // (fetching it to find out would be an audited view every few seconds).
        if listed == Some(seen) || (listed.is_none() && filtered) {
            return;
        }
        // Changed, or gone from the whole list: deleted.
        let name = self.open.as_ref().map(|c| c.data.name.clone());
        let was_revealed = self.revealed;
        match ctx.call(Request::CustomerGet { id, reveal: false }) {
            Ok(Response::Customer(c)) => {
                let scroll = self.scroll;
                self.open = Some(*c);
                self.scroll = scroll;
                self.revealed = false;
                if was_revealed {
                    // Showing their new sensitive values would be a reveal nobody asked for.
                    ctx.note = Some(Note::warn(format!(
                        "{} was changed by someone else; sensitive fields are hidden again",
                        crate::tui::text::clean(&name.unwrap_or_default())
                    )));
                }
            }
            Ok(_) => ctx.fail(&unexpected()),
            Err(Error::NotFound(_)) => {
                self.hide();
                ctx.note = Some(Note::warn(format!(
                    "{} was deleted by someone else",
                    crate::tui::text::clean(&name.unwrap_or_default())
                )));
            }
            Err(e) => ctx.fail(&e),
        }
    }
}
