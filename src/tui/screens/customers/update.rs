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
                        "Delete the customer {}? Their tasks stay, unlinked. It waits in the trash (T) until it is purged.",
                        crate::tui::text::clean(&name)
                    );
                    self.mode = Mode::Delete(Confirm::new("Delete customer", q, "delete", id));
                }
            }
            Action::ImportFile if me.can(Permission::CustomerAdmin) => {
                self.hide();
                self.mode = Mode::Import(Box::new(crate::tui::screens::import::Import::open(ctx)));
            }
            Action::ExportList if me.can(Permission::CustomerAdmin) => {
                self.mode = Mode::Export(Box::new(
                    crate::tui::screens::import::export::ExportForm::new(
                        self.filter(),
                        !self.search.is_empty(),
                        crate::tui::screens::import::export::offers_reveal(&me),
                    ),
                ));
            }
            Action::ImportFile | Action::ExportList => {
                let what = if action == Action::ImportFile {
                    "import"
                } else {
                    "export"
                };
                ctx.note = Some(crate::tui::screens::Note::warn(format!(
                    "The {} role cannot {what} customers.",
                    me.role
                )));
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
            Action::Trash | Action::History | Action::SubjectExport | Action::Erase => {
                self.open_lifecycle(action, ctx)
            }
            Action::FilterStatus => {
                self.status = match self.status {
                    None => Some(CustomerStatus::Lead),
                    Some(s) => CustomerStatus::ALL
                        .iter()
                        .position(|x| *x == s)
                        .and_then(|i| CustomerStatus::ALL.get(i + 1).copied()),
                };
                self.refilter(ctx);
            }
            Action::FilterTag => {
                let current = self.tag.clone().unwrap_or_default();
                self.mode = Mode::Tag(Form::new(vec![
                    Field::text("tag", "Tag", &current).with_hint("empty shows every tag"),
                ]));
            }
            Action::FilterMine => {
                self.mine = !self.mine;
                self.refilter(ctx);
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
            Mode::Edit(e) if e.duplicate.is_some() => chain::CONFIRM,
            Mode::Edit(_) | Mode::Log(_) | Mode::Tag(_) | Mode::Subject(_) | Mode::Erase(_) => {
                chain::FORM
            }
            Mode::Delete(_) => chain::CONFIRM,
            Mode::Trash(_) => chain::TRASH,
            Mode::History(v) => v.chain(),
            Mode::Import(i) => i.chain(),
            Mode::Export(x) => x.chain(),
        }
    }

    fn typing(&self) -> bool {
        match &self.mode {
            Mode::Search | Mode::Log(_) | Mode::Tag(_) | Mode::Subject(_) | Mode::Erase(_) => true,
            Mode::Edit(e) => e.conflict.is_none() && e.duplicate.is_none(),
            Mode::Import(i) => i.typing(),
            Mode::Export(x) => x.typing(),
            _ => false,
        }
    }

    fn busy(&self) -> bool {
        match &self.mode {
            Mode::Import(i) => i.busy(),
            Mode::Export(x) => x.busy(),
            _ => false,
        }
    }

    fn work(&mut self, ctx: &mut Ctx) {
        use crate::tui::screens::import::export::Outcome;
        let done = match &mut self.mode {
            Mode::Import(i) => {
                i.work(ctx);
                false
            }
            Mode::Export(x) => x.work(ctx) == Outcome::Close,
            _ => false,
        };
        if done {
            self.mode = Mode::Browse;
        }
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        match &mut self.mode {
            Mode::Browse => self.update_browse(action, ctx),
            Mode::Search => self.update_search(action, ctx),
            Mode::Edit(ed) => match if ed.duplicate.is_some() {
                ed.answer_duplicate(action, ctx)
            } else {
                ed.update(action, ctx)
            } {
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
                        self.refilter(ctx);
                    }
                    Action::Cancel => self.mode = Mode::Browse,
                    _ => return false,
                }
                true
            }
            Mode::Trash(_) | Mode::History(_) | Mode::Subject(_) | Mode::Erase(_) => {
                self.update_lifecycle(action, ctx)
            }
            Mode::Import(i) => {
                let (used, exit) = i.update(action, ctx);
                if exit == crate::tui::screens::import::Exit::Leave {
                    i.close(ctx);
                    self.mode = Mode::Browse;
                    self.reload_from_top(ctx);
                }
                used
            }
            Mode::Export(x) => match x.update(action) {
                crate::tui::screens::import::export::Outcome::Stay => true,
                crate::tui::screens::import::export::Outcome::Ignored => false,
                crate::tui::screens::import::export::Outcome::Close => {
                    self.mode = Mode::Browse;
                    true
                }
            },
            Mode::Delete(c) => {
                match c.answer(action) {
                    Answer::Yes(id) => {
                        self.mode = Mode::Browse;
                        match ctx.call(Request::CustomerDelete { id }) {
                            Ok(_) => {
                                self.hide();
                                ctx.ok("Customer deleted");
                                self.reload_from_top(ctx);
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
            Mode::Subject(x) => {
                x.form.input(key);
            }
            Mode::Erase(x) => {
                x.form.input(key);
            }
            Mode::Import(i) => i.input(key),
            Mode::Export(x) => {
                x.form.input(key);
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
            Mode::Subject(x) => x.form.paste(text),
            Mode::Erase(x) => x.form.paste(text),
            Mode::Import(i) => i.paste(text),
            Mode::Export(x) => x.form.paste(text),
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
        if matches!(
            self.mode,
            Mode::Search | Mode::Delete(_) | Mode::Tag(_) | Mode::Trash(_) | Mode::History(_)
        ) {
            self.mode = Mode::Browse;
        }
    }

    fn unsaved(&self) -> bool {
        match &self.mode {
            Mode::Edit(e) => e.form.changed(),
            Mode::Log(n) => n.form.changed(),
            Mode::Import(i) => i.unsaved(),
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
            (Mode::Edit(e), _) if e.duplicate.is_some() => &[Yes, No],
            (Mode::Edit(_) | Mode::Log(_) | Mode::Tag(_), _) => &[Save, NextField, Toggle, Cancel],
            (Mode::Subject(_) | Mode::Erase(_), _) => &[Save, NextField, Cancel],
            (Mode::Delete(_), _) => &[Yes, No],
            (Mode::Trash(_), _) => crate::tui::screens::trash::TrashView::HINTS,
            (Mode::History(v), _) => v.hints(),
            (Mode::Import(i), _) => i.hints(),
            (Mode::Export(x), _) => x.hints(),
        }
    }

    fn offers(&self, me: &Me, action: Action) -> bool {
        let owner = self.target_owner();
        if let Mode::Import(i) = &self.mode {
            return i.offers(action);
        }
        match action {
            Action::ImportFile | Action::ExportList => me.can(Permission::CustomerAdmin),
            Action::New => me.can(Permission::CustomerWrite),
            Action::Edit => self.target().is_some() && me.reaches(Permission::CustomerWrite, owner),
            Action::Interaction => self.target().is_some() && me.can(Permission::CustomerLog),
            Action::Reveal => {
                self.target().is_some() && me.reaches(Permission::CustomerSensitive, owner)
            }
            Action::Delete => self.target().is_some() && me.can(Permission::CustomerAdmin),
            Action::NewTask => self.target().is_some() && me.can(Permission::TaskWrite),
            Action::Trash | Action::Restore => me.can(Permission::CustomerAdmin),
            Action::History => self.target().is_some(),
            Action::SubjectExport => self.target().is_some() && me.can(Permission::CustomerAdmin),
            Action::Erase => self.target().is_some() && me.can(Permission::CustomerErase),
            Action::RevertVersion => matches!(&self.mode, Mode::History(v) if v.may_revert()),
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
