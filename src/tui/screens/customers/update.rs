//! What keys do on the customers screen: browsing, searching, and the screen's hooks.

use super::*;
use crate::tui::screens::versioned::VersionedForm;

impl Customers {
    fn update_browse(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let me = ctx.me.clone();
        match action {
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::First
            | Action::Last => {
                if self.focus == Focus::Record {
                    self.scroll = match action {
                        Action::Up | Action::PageUp => self
                            .scroll
                            .saturating_sub(if action == Action::Up { 1 } else { 10 }),
                        Action::First => 0,
                        _ => self.scroll + if action == Action::Down { 1 } else { 10 },
                    };
                } else {
                    self.sel.apply(action, self.row_count());
                    self.fill(ctx);
                }
            }
            Action::Open => {
                if let Some(id) = self.selected().map(|c| c.id) {
                    self.open_id(id, ctx);
                }
            }
            Action::Back if self.focus == Focus::Record => self.hide(),
            Action::Back if !self.search.is_empty() => {
                self.search.clear();
                self.run_search(ctx);
            }
            Action::Search => {
                self.hide();
                self.mode = Mode::Search;
            }
            Action::New if me.can(Permission::CustomerWrite) => {
                let people = ctx.people.clone();
                let can_owner =
                    me.scope(Permission::CustomerWrite) == crate::domain::role::Scope::All;
                self.mode = Mode::Edit(Box::new(Editor::create(&me, can_owner, &people)));
            }
            Action::Edit if self.offers(&me, action) => self.start_edit(ctx),
            Action::Reveal if self.offers(&me, action) => self.reveal(ctx),
            Action::Interaction if self.offers(&me, action) => {
                if let Some(id) = self.target() {
                    self.mode = Mode::Log(Box::new(NoteForm::new(id)));
                }
            }
            Action::Delete if self.offers(&me, action) => {
                let name = self
                    .open
                    .as_ref()
                    .map(|c| c.data.name.clone())
                    .or_else(|| self.selected().map(|c| c.name.clone()));
                if let (Some(id), Some(name)) = (self.target(), name) {
                    let q = format!(
                        "Delete the customer {}? Their tasks stay, unlinked. This cannot be undone.",
                        crate::tui::text::clean(&name)
                    );
                    self.mode = Mode::Delete(Confirm::new("Delete customer", q, "delete", id));
                }
            }
            // Not this person's to do: say why rather than nothing at all.
            Action::Edit | Action::Reveal | Action::Interaction | Action::Delete
                if self.target().is_some() =>
            {
                let owner = ctx.people.name(self.target_owner());
                ctx.note = Some(crate::tui::screens::Note::warn(why_not(
                    &me, action, &owner,
                )));
            }
            Action::NewTask if me.can(Permission::TaskWrite) => {
                let name = self
                    .open
                    .as_ref()
                    .map(|c| c.data.name.clone())
                    .or_else(|| self.selected().map(|c| c.name.clone()));
                if let (Some(customer), Some(name)) = (self.target(), name) {
                    ctx.nav = Some(Nav::NewTaskFor { customer, name });
                }
            }
            Action::FilterStatus => {
                self.status = match self.status {
                    None => Some(CustomerStatus::Lead),
                    Some(s) => CustomerStatus::ALL
                        .iter()
                        .position(|x| *x == s)
                        .and_then(|i| CustomerStatus::ALL.get(i + 1).copied()),
                };
                self.reload(ctx);
            }
            Action::FilterTag => {
                let current = self.tag.clone().unwrap_or_default();
                self.mode = Mode::Tag(Form::new(vec![
                    Field::text("tag", "Tag", &current).with_hint("empty shows every tag"),
                ]));
            }
            Action::FilterMine => {
                self.mine = !self.mine;
                self.reload(ctx);
            }
            Action::Sort => {
                self.sort = self.sort.next();
                let q = self.search.value();
                let keep = self.selected().map(|c| c.id);
                self.reload_around(keep, ctx);
                self.found = self.found.take().map(|f| sorted(f, self.sort, &q));
            }
            _ => return false,
        }
        if matches!(
            action,
            Action::Up
                | Action::Down
                | Action::PageUp
                | Action::PageDown
                | Action::First
                | Action::Last
        ) && self.focus == Focus::List
            && self
                .open
                .as_ref()
                .is_some_and(|c| Some(c.id) != self.selected().map(|s| s.id))
        {
            self.hide();
        }
        true
    }

    fn update_search(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        match action {
            Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
                self.sel.apply(action, self.row_count());
                self.fill(ctx);
            }
            Action::Open => {
                self.mode = Mode::Browse;
                if let Some(id) = self.selected().map(|c| c.id) {
                    self.open_id(id, ctx);
                }
            }
            Action::Back => self.mode = Mode::Browse,
            _ => return false,
        }
        true
    }
}

impl Screen for Customers {
    fn chain(&self) -> &'static [Context] {
        match &self.mode {
            Mode::Browse => chain::CUSTOMERS,
            Mode::Search => chain::SEARCH,
            Mode::Edit(e) if e.conflict.is_some() => chain::CONFLICT,
            Mode::Edit(_) | Mode::Log(_) | Mode::Tag(_) => chain::FORM,
            Mode::Delete(_) => chain::CONFIRM,
        }
    }

    fn typing(&self) -> bool {
        match &self.mode {
            Mode::Search | Mode::Log(_) | Mode::Tag(_) => true,
            Mode::Edit(e) => e.conflict.is_none(),
            _ => false,
        }
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        match &mut self.mode {
            Mode::Browse => self.update_browse(action, ctx),
            Mode::Search => self.update_search(action, ctx),
            Mode::Edit(ed) => match ed.update(action, ctx) {
                Outcome::Stay => true,
                Outcome::Ignored => false,
                Outcome::Cancel => {
                    self.mode = Mode::Browse;
                    true
                }
                Outcome::Saved(id) => {
                    self.after_save(id, ctx);
                    true
                }
            },
            Mode::Log(n) => match n.update(action, ctx) {
                Outcome::Stay => true,
                Outcome::Ignored => false,
                Outcome::Cancel => {
                    self.mode = Mode::Browse;
                    true
                }
                Outcome::Saved(id) => {
                    self.after_save(id, ctx);
                    true
                }
            },
            Mode::Tag(form) => {
                match action {
                    Action::NextField | Action::Save => {
                        self.tag = form.opt("tag").map(|t| t.to_lowercase());
                        self.mode = Mode::Browse;
                        self.reload(ctx);
                    }
                    Action::Cancel => self.mode = Mode::Browse,
                    _ => return false,
                }
                true
            }
            Mode::Delete(c) => {
                match c.answer(action) {
                    Answer::Yes(id) => {
                        self.mode = Mode::Browse;
                        match ctx.call(Request::CustomerDelete { id }) {
                            Ok(_) => {
                                self.hide();
                                ctx.ok("Customer deleted");
                                self.reload(ctx);
                            }
                            Err(e) => ctx.fail(&e),
                        }
                    }
                    Answer::No => self.mode = Mode::Browse,
                    Answer::Pending => {}
                }
                true
            }
        }
    }

    fn input(&mut self, key: &KeyEvent, ctx: &mut Ctx) {
        match &mut self.mode {
            Mode::Search => {
                let before = self.search.value();
                self.search.handle(key);
                if self.search.value() != before {
                    self.sel.index = 0;
                    self.run_search(ctx);
                }
            }
            Mode::Edit(ed) => {
                ed.form.input(key);
            }
            Mode::Log(n) => {
                n.form.input(key);
            }
            Mode::Tag(form) => {
                form.input(key);
            }
            _ => {}
        }
    }

    fn paste(&mut self, text: &str, ctx: &mut Ctx) {
        match &mut self.mode {
            Mode::Search => {
                self.search.insert_str(text);
                self.run_search(ctx);
            }
            Mode::Edit(ed) => ed.form.paste(text),
            Mode::Log(n) => n.form.paste(text),
            Mode::Tag(form) => form.paste(text),
            _ => {}
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        // Coming back (or Ctrl-R) keeps the selection on its record.
        let keep = self.selected().map(|c| c.id);
        self.reload_around(keep, ctx);
        self.run_search(ctx);
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        self.refresh_quietly(ctx);
    }

    fn leave(&mut self) {
        self.hide();
        if matches!(self.mode, Mode::Search | Mode::Delete(_) | Mode::Tag(_)) {
            self.mode = Mode::Browse;
        }
    }

    fn unsaved(&self) -> bool {
        match &self.mode {
            Mode::Edit(e) => e.form.changed(),
            Mode::Log(n) => n.form.changed(),
            _ => false,
        }
    }

    fn hints(&self) -> &'static [Action] {
        use Action::*;
        match (&self.mode, self.focus) {
            (Mode::Browse, Focus::List) => &[
                Open,
                Search,
                New,
                FilterStatus,
                FilterMine,
                Sort,
                Lookup,
                Help,
            ],
            (Mode::Browse, Focus::Record) => {
                &[Back, Edit, Interaction, NewTask, Reveal, Delete, Help]
            }
            (Mode::Search, _) => &[Open, Back],
            (Mode::Edit(e), _) if e.conflict.is_some() => &[Reload, Overwrite, Cancel],
            (Mode::Edit(_) | Mode::Log(_) | Mode::Tag(_), _) => &[Save, NextField, Toggle, Cancel],
            (Mode::Delete(_), _) => &[Yes, No],
        }
    }

    fn offers(&self, me: &Me, action: Action) -> bool {
        let owner = self.target_owner();
        match action {
            Action::New => me.can(Permission::CustomerWrite),
            Action::Edit => self.target().is_some() && me.reaches(Permission::CustomerWrite, owner),
            Action::Interaction => self.target().is_some() && me.can(Permission::CustomerLog),
            Action::Reveal => {
                self.target().is_some() && me.reaches(Permission::CustomerSensitive, owner)
            }
            Action::Delete => self.target().is_some() && me.can(Permission::CustomerAdmin),
            Action::NewTask => self.target().is_some() && me.can(Permission::TaskWrite),
            _ => true,
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        draw::draw(self, f, area, ui);
    }
}

/// The status line's answer to a record action the role table does not give this person.
fn why_not(me: &Me, action: Action, owner: &str) -> String {
    let (permission, what) = match action {
        Action::Edit => (Permission::CustomerWrite, "edit"),
        Action::Interaction => (Permission::CustomerWrite, "log interactions with"),
        Action::Reveal => (Permission::CustomerSensitive, "see the sensitive fields of"),
        _ => (Permission::CustomerAdmin, "delete"),
    };
    if !me.can(permission) || permission == Permission::CustomerAdmin {
        return format!("The {} role cannot {what} customers.", me.role);
    }
    let owner = if owner.is_empty() {
        "its owner".to_string()
    } else {
        format!("its owner ({})", crate::tui::text::clean(owner))
    };
    format!("Only {owner}, a manager or an admin can {what} this customer.")
}
