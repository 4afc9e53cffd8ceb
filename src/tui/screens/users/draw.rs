//! Drawing the users screen and its popups (the one-time password among them).

use super::*;

impl Users {
    pub(super) fn draw_screen(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        if let Some(s) = &self.sessions {
            s.draw(f, area, ui);
            return;
        }
        let t = ui.theme;
        let inner = pane(f, area, "Users", t, matches!(self.mode, Mode::Browse));
        let cols = [
            col("Username", Width::Share(2)),
            col("Name", Width::Share(3)),
            col("Role", Width::Cells(8)),
            col("State", Width::Cells(9)),
            col("Last sign-in", Width::Share(3)),
        ];
        let rows: Vec<Row> = self
            .rows
            .iter()
            .map(|u| {
                let last = u.last_login_at.map(when).unwrap_or_else(|| "never".into());
                let row = Row::new(vec![
                    u.username.clone(),
                    u.display_name.clone(),
                    u.role.as_str().into(),
                    u.state.as_str().into(),
                    last,
                ]);
                if matches!(u.state, crate::domain::UserState::Active) {
                    row
                } else {
                    row.styled(t.warn())
                }
            })
            .collect();
        table::draw(f, inner, &cols, &rows, &self.sel, t, true);
        match &self.mode {
            Mode::Add(form) => {
                let inner = popup(f, centered(area, 64, 9), "Add a user", t);
                form.draw(f, inner, t, true);
            }
            Mode::Role(form, user) => {
                let inner = popup(
                    f,
                    centered(area, 50, 4),
                    &format!("Role of {}", clean(user)),
                    t,
                );
                form.draw(f, inner, t, true);
            }
            Mode::Ask(c) => c.draw(f, area, ui),
            Mode::Secret { title, secret } => {
                let inner = popup(f, centered(area, 64, 9), &clean(title), t);
                let lines = vec![
                    Line::from("Give this to them in person. It is shown only now;"),
                    Line::from("they choose their own password at their first sign-in."),
                    Line::default(),
                    Line::from(Span::styled(
                        format!("  {}", clean(secret.expose())),
                        t.secret(),
                    )),
                    Line::default(),
                    Line::from(Span::styled(
                        format!("{} close", ui.key(chain::POPUP, Action::Close)),
                        t.dim(),
                    )),
                ];
                f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
            }
            Mode::Browse => {}
        }
    }
}
