//! The window of the directory the screen holds: asked of the service by the page, sorted
//! by name there, so a large staff never travels whole.

use super::Employees;
use crate::domain::Employee;
use crate::search::{Sort, SortKey, Start, Window};
use crate::service::{Request, Response};
use crate::tui::screens::Ctx;
use crate::tui::screens::paged::{Listing, Paged};
use crate::tui::widgets::table::Selection;

impl Listing for Employees {
    type Row = Employee;

    fn window(&self) -> (&Paged<Employee>, &Selection) {
        (&self.list, &self.sel)
    }

    fn window_mut(&mut self) -> (&mut Paged<Employee>, &mut Selection) {
        (&mut self.list, &mut self.sel)
    }

    fn fetch(&mut self, start: Start, ctx: &mut Ctx) -> bool {
        let window = Window {
            start,
            limit: Paged::<Employee>::limit(self.sel.height()),
            sort: Sort {
                key: SortKey::Name,
                desc: false,
            },
        };
        self.list.load(
            Request::EmployeePage { window },
            |r| match r {
                Response::EmployeePage(page) => Some(page),
                _ => None,
            },
            ctx,
        )
    }
}
