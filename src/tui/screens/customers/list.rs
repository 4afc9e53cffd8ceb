//! The window of the customer list the screen holds: asked of the service by the page, with
//! the filters and the order chosen, so a million customers never travel whole. While
//! searching, the selection is in the search results instead.

use super::Customers;
use crate::search::{CustomerSummary, Start, Window};
use crate::service::{Request, Response};
use crate::tui::screens::Ctx;
use crate::tui::screens::paged::{Listing, Paged};
use crate::tui::widgets::table::Selection;

impl Listing for Customers {
    type Row = CustomerSummary;

    fn window(&self) -> (&Paged<CustomerSummary>, &Selection) {
        (&self.list, &self.sel)
    }

    fn window_mut(&mut self) -> (&mut Paged<CustomerSummary>, &mut Selection) {
        (&mut self.list, &mut self.sel)
    }

    fn fetch(&mut self, start: Start, ctx: &mut Ctx) -> bool {
        let window = Window {
            start,
            limit: Paged::<CustomerSummary>::limit(self.sel.height()),
            sort: self.sort.service(),
        };
        let req = Request::CustomerPage {
            filter: self.filter(),
            query: String::new(),
            window,
        };
        self.list.load(
            req,
            |r| match r {
                Response::CustomerPage(page) => Some(page),
                _ => None,
            },
            ctx,
        )
    }

    fn elsewhere(&self) -> bool {
        self.found.is_some()
    }

    /// The row under the selection: in the search results while searching.
    fn highlighted(&self) -> Option<&CustomerSummary> {
        self.row(self.sel.index)
    }
}
