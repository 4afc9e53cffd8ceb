//! The window of the task list the screen holds: asked of the service by the page, with
//! the view and scope as its filter and the service's order (overdue first, then by due
//! date, undated last), so a long list never travels whole.

use super::{Tasks, View};
use crate::domain::{Id, Permission, Task};
use crate::search::{Sort, SortKey, Start, Window};
use crate::service::{Request, Response, TaskFilter};
use crate::tui::screens::Ctx;
use crate::tui::screens::paged::{Listing, Paged};
use crate::tui::widgets::table::Selection;

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

impl Listing for Tasks {
    type Row = Task;

    fn window(&self) -> (&Paged<Task>, &Selection) {
        (&self.list, &self.sel)
    }

    fn window_mut(&mut self) -> (&mut Paged<Task>, &mut Selection) {
        (&mut self.list, &mut self.sel)
    }

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
        let req = Request::TaskPage {
            filter: self.filter(),
            window,
        };
        let held = self.list.load(
            req,
            |r| match r {
                Response::TaskPage(page) => Some(page),
                _ => None,
            },
            ctx,
        );
        if held {
            self.load_customer_names(ctx);
        }
        held
    }
}
