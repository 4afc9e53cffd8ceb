//! The window of the directory the screen holds: asked of the service by the page, sorted
//! by name there, so a large staff never travels whole.

use super::Employees;
use crate::domain::{Employee, Id};
use crate::search::{Sort, SortKey, Start, Window};
use crate::service::{Request, Response};
use crate::tui::screens::paged::Paged;
use crate::tui::screens::{Ctx, unexpected};

impl Employees {
    /// Asks for one window of the directory; false when the service did not answer with one.
    fn fetch(&mut self, start: Start, ctx: &mut Ctx) -> bool {
        let window = Window {
            start,
            limit: Paged::<Employee>::limit(self.sel.height()),
            sort: Sort {
                key: SortKey::Name,
                desc: false,
            },
        };
        match ctx.call(Request::EmployeePage { window }) {
            Ok(Response::EmployeePage(page)) => {
                self.list.set(page);
                true
            }
            Ok(_) => {
                ctx.fail(&unexpected());
                false
            }
            Err(e) => {
                ctx.fail(&e);
                false
            }
        }
    }

    /// Loads the window around the selection when the selection has left the one held.
    pub(super) fn fill(&mut self, ctx: &mut Ctx) {
        if let Some(start) = self.list.missing(self.sel.index, self.sel.height()) {
            self.fetch(start, ctx);
            self.sel.clamp(self.list.total());
        }
    }

    /// Loads the window again with `id` in it and moves the selection to it while it is
    /// listed; otherwise the selection keeps its place.
    pub(super) fn reload_around(&mut self, id: Option<Id>, ctx: &mut Ctx) {
        let start = self.list.around(id, self.sel.index);
        if self.fetch(start, ctx) {
            match id.and_then(|id| self.list.position(|e| e.id == id)) {
                Some(i) => self.sel.index = i,
                None => self.sel.clamp(self.list.total()),
            }
        }
    }

    /// Loads the directory again around the highlighted employee.
    pub(super) fn reload(&mut self, ctx: &mut Ctx) {
        let keep = self.highlighted().map(|e| e.id);
        self.reload_around(keep, ctx);
    }

    /// The employee under the selection, when its window is held.
    pub(super) fn highlighted(&self) -> Option<&Employee> {
        self.list.get(self.sel.index)
    }
}
