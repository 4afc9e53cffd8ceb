//! Drawing the signed-in view: tabs, the screen, popups, and the status line.

use super::*;

impl Main {
    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        // A note too long for one line gets a second, rather than being cut.
        let who = width(&self.who()) + 1;
        let tall = self
            .note
            .as_ref()
            .is_some_and(|n| who + width(&n.text) > usize::from(area.width));
        let [tabs, body, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1 + u16::from(tall)),
        ])
        .areas(area);
        self.draw_tabs(f, tabs, ui);
        let screen = self.screen(self.current);
        screen.draw(f, body, ui);
        self.draw_status(f, status, ui);
        match &self.popup {
            Some(Popup::Help { scroll }) => {
                let chain = screen.chain();
                let me = &self.me;
                let offered = |a: Action| match Tab::from_action(a) {
                    Some(t) => t.allowed(me.role),
                    None => screen.offers(me, a),
                };
                help::draw(
                    f,
                    body,
                    ui,
                    self.current.title(),
                    help::lines(ui, chain, &offered),
                    *scroll,
                );
            }
            Some(Popup::Lookup(l)) => l.draw(f, body, ui),
            Some(Popup::Quit(c)) => c.draw(f, body, ui),
            None => {}
        }
    }

    fn draw_tabs(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let cols = usize::from(area.width);
        let tab_spans = |gap: &'static str| {
            let mut tabs = vec![Span::styled(" │", t.border())];
            for tab in self.tabs() {
                let style = if tab == self.current {
                    t.tab_active()
                } else {
                    t.tab()
                };
                tabs.push(Span::raw(gap));
                tabs.push(Span::styled(
                    format!("{} {}", tab.number(), tab.title()),
                    style,
                ));
            }
            tabs
        };
        let spans_width = |s: &[Span]| s.iter().map(Span::width).sum::<usize>();
        // Narrow terminals (an admin's seven tabs at 80 columns): one space between tabs
        // rather than losing one.
        let mut tabs = tab_spans("  ");
        if 8 + spans_width(&tabs) > cols {
            tabs = tab_spans(" ");
        }
        let mut spans = vec![Span::styled(" Kasefet", t.title())];
        let used: usize = 8 + spans_width(&tabs);
        // The organisation's name only where it fits beside every tab.
        let room = cols.saturating_sub(used + 3);
        let org = clean(&self.org);
        if !org.is_empty() && room >= width(&org).min(12) {
            spans.push(Span::styled(
                format!(" · {}", fit(&org, room.min(24))),
                t.dim(),
            ));
        }
        spans.extend(tabs);
        f.render_widget(crate::tui::bidi::line(Line::from(spans)), area);
    }

    fn who(&self) -> String {
        format!(
            " {} · {} · {} ",
            clean(&self.me.username),
            self.me.role,
            self.mode
        )
    }

    fn draw_status(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let who = self.who();
        let screen = self.screen(self.current);
        let actions: Vec<Action> = match &self.popup {
            Some(Popup::Help { .. }) => vec![Action::Down, Action::Up, Action::Close],
            Some(Popup::Lookup(_)) => vec![Action::Open, Action::Down, Action::Up, Action::Back],
            Some(Popup::Quit(_)) => vec![Action::Yes, Action::No],
            None => screen
                .hints()
                .iter()
                .copied()
                .filter(|a| screen.offers(&self.me, *a))
                .collect(),
        };
        let hints = ui.hints(self.chain(), &actions);
        let hints_w = hints.width();
        let mut who_w = width(&who);
        let mut spans = vec![Span::styled(who, t.selected()), Span::raw(" ")];
        if let Some(b) = backup_age(ui) {
            who_w += b.width() + 2;
            spans.push(b);
            spans.push(Span::raw("  "));
        }
        let room = usize::from(area.width).saturating_sub(who_w + 1);
        match &self.note {
            Some(n) => {
                let style = match n.kind {
                    NoteKind::Error => t.error(),
                    NoteKind::Warn => t.warn(),
                    NoteKind::Ok => t.ok(),
                    NoteKind::Info => t.text(),
                };
                let mut lines = crate::tui::text::wrap(&clean(&n.text), room.max(10)).into_iter();
                spans.push(Span::styled(lines.next().unwrap_or_default(), style));
                let rest: String = lines.collect::<Vec<_>>().join(" ");
                if area.height > 1 && !rest.is_empty() {
                    let second = Rect {
                        y: area.y + 1,
                        height: 1,
                        ..area
                    };
                    let pad = " ".repeat(who_w + 1);
                    f.render_widget(
                        crate::tui::bidi::line(Line::from(Span::styled(
                            fit(&format!("{pad}{rest}"), usize::from(area.width)),
                            style,
                        ))),
                        second,
                    );
                }
            }
            None if hints_w <= room => spans.extend(hints.spans),
            None => {
                // Drop hints before the last (help) until they fit.
                let mut keep = actions.clone();
                while keep.len() > 1 && ui.hints(self.chain(), &keep).width() > room {
                    keep.remove(keep.len() - 2);
                }
                spans.extend(ui.hints(self.chain(), &keep).spans);
            }
        }
        f.render_widget(crate::tui::bidi::line(Line::from(spans)), area);
    }
}

/// The newest backup's age for the status line (admins): a warning once it is stale (over
/// 26 hours) or the last attempt failed, marked with "!" too for terminals without colour.
fn backup_age(ui: &Ui) -> Option<Span<'static>> {
    let t = ui.theme;
    if !ui
        .me
        .is_some_and(|m| m.can(crate::domain::Permission::Backup))
    {
        return None;
    }
    Some(match ui.backups {
        BackupSeen::Unknown => return None,
        BackupSeen::Unavailable(_) if ui.backups.off() => Span::styled("! backups off", t.warn()),
        BackupSeen::Unavailable(_) => Span::styled("! backup failing", t.error()),
        BackupSeen::Known(s) if s.failing() => Span::styled("! backup failed", t.error()),
        BackupSeen::Known(s) => match s.last_success_at {
            None => Span::styled("! no backup yet", t.warn()),
            Some(at) if s.stale(ui.now) => Span::styled(
                format!(
                    "! backup {} old",
                    crate::tui::screens::backups::ago(ui.now - at)
                ),
                t.warn(),
            ),
            Some(at) => Span::styled(
                format!(
                    "backup {} ago",
                    crate::tui::screens::backups::ago(ui.now - at)
                ),
                t.dim(),
            ),
        },
    })
}
