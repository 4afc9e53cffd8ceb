//! The window of the task list the screen holds: asked of the service by the page, with
//! the view and scope as its filter and the service's order (overdue first, then by due
//! date, undated last), so a long list never travels whole.

use super::{Tasks, View};
use crate::domain::{Id, Permission, Task};
use crate::search::{Sort, SortKey, Start, Window};
use crate::service::{Request, Response, TaskFilter};
use crate::tui::screens::paged::Paged;
use crate::tui::screens::{Ctx, unexpected};

impl Tasks {
    fn filter(&self) -> TaskFilter {
        let mut filter = TaskFilter {
            scope: self.scope,
            ..TaskFilter::default()
        };
        match self.view {
            View::Open => filter.open = true,
            View::Overdue => filter.overdue = true,
            View::Week => filter.due_within_days = Some(7),
            View::All => {}
        }
        filter
    }

    /// Asks for one window of the list; false when the service did not answer with one.
    fn fetch(&mut self, start: Start, ctx: &mut Ctx) -> bool {
        self.today = ctx.today();
        let window = Window {
            start,
            limit: Paged::<Task>::limit(self.sel.height()),
            sort: Sort {
                key: SortKey::Due,
                desc: false,
            },
        };
        match ctx.call(Request::TaskPage {
            filter: self.filter(),
            window,
        }) {
            Ok(Response::TaskPage(page)) => {
                self.list.set(page);
                self.load_customer_names(ctx);
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
    /// listed; otherwise the selection keeps its place (the next task takes it).
    pub(super) fn reload_around(&mut self, id: Option<Id>, ctx: &mut Ctx) {
        let start = self.list.around(id, self.sel.index);
        if self.fetch(start, ctx) {
            match id.and_then(|id| self.list.position(|t| t.id == id)) {
                Some(i) => self.sel.index = i,
                None => self.sel.clamp(self.list.total()),
            }
        }
    }

    /// Loads the list again around the highlighted task.
    pub(super) fn reload(&mut self, ctx: &mut Ctx) {
        let keep = self.highlighted().map(|t| t.id);
        self.reload_around(keep, ctx);
    }

    /// The task under the selection, when its window is held.
    pub(super) fn highlighted(&self) -> Option<&Task> {
        self.list.get(self.sel.index)
    }

    /// Names for linked customers not yet named, asked for by id (unaudited, like the
    /// list): a million customers are never loaded to name a few.
    fn load_customer_names(&mut self, ctx: &mut Ctx) {
        let mut missing: Vec<Id> = self
            .list
            .rows()
            .iter()
            .filter_map(|t| t.data.customer)
            .filter(|c| !self.customers.contains_key(c))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if !ctx.me.can(Permission::CustomerRead) || missing.is_empty() {
            return;
        }
        for ids in missing.chunks(crate::service::bounds::MAX_NAMES) {
            let req = Request::CustomerNames { ids: ids.to_vec() };
            if let Ok(Response::Names(names)) = ctx.call(req) {
                self.customers.extend(names);
            }
        }
    }
}
