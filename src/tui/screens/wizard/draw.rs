//! Drawing the wizard: the steps down the side, the current one beside them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Step, Wizard};
use crate::tui::action::Action;
use crate::tui::keymap::chain;
use crate::tui::screens::{codes, enrol};
use crate::tui::text::clean;
use crate::tui::ui::Ui;
use crate::tui::widgets::pane;

fn intro(w: &Wizard) -> String {
    match w.step {
        Step::Organisation => "Welcome. There is no Kasefet database here yet; these steps create one, with you as its \
first admin. The name of your organisation is shown at sign-in."
            .into(),
        Step::Admin => "The first admin account. Its username is how you sign in; the display name is how others see you.".into(),
        Step::Password => format!(
            "Your password opens the encrypted database. At least {} characters; a few unrelated words work well. \
Only the recovery key (next steps) can reset it.",
            w.target.settings.policy.effective_min_chars()
        ),
        Step::Totp => "Scan the code with an authenticator app, then enter the code it shows.".into(),
        Step::RecoveryKey => "The database now exists. This recovery key restores admin access and backups if every \
admin password is lost. It is shown only now: write it down or print it and keep it offline."
            .into(),
        Step::Codes => String::new(),
        Step::Backup => "Kasefet writes a verified backup every night. Choose the folder; it should live on another \
disk or be copied off this machine."
            .into(),
    }
}

pub fn draw(w: &Wizard, f: &mut Frame, area: Rect, ui: &Ui) {
    let t = ui.theme;
    let n = Step::ALL.iter().position(|s| *s == w.step).unwrap_or(0) + 1;
    let [top, body, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    if w.step == Step::Totp {
        // The QR code needs every row: the step title goes beside it.
        let url = w.totp.otpauth_url(&crate::domain::user::normalize_username(
            &w.admin.value("username"),
        ));
        let [body, keys] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
        let title = format!("Step {n} of {} · Authenticator", Step::ALL.len());
        let (secret, intro) = (w.totp.to_base32(), intro(w));
        let e = enrol::Enrolment {
            title: &title,
            intro: &intro,
            secret: &secret,
            url: &url,
        };
        enrol::draw(f, body, ui, &e, &w.code);
        f.render_widget(
            ui.hints(
                chain::FORM,
                &[Action::NextField, Action::PrevField, Action::Cancel],
            ),
            keys,
        );
        if let Some(q) = &w.quit {
            q.draw(f, area, ui);
        }
        return;
    }
    f.render_widget(
        Line::from(vec![
            Span::styled("Kasefet setup", t.title()),
            Span::styled(
                format!(" · step {n} of {} · {}", Step::ALL.len(), w.step.title()),
                t.dim(),
            ),
        ]),
        top,
    );
    let hint_actions: &[Action] = match w.step {
        Step::RecoveryKey => &[Action::Toggle, Action::NextField, Action::Cancel],
        Step::Codes | Step::Backup => &[Action::NextField],
        _ => &[Action::NextField, Action::PrevField, Action::Cancel],
    };
    let mut hint = ui.hints(chain::FORM, hint_actions);
    if let Some(e) = &w.error {
        hint = Line::from(Span::styled(clean(e), t.error()));
    }
    f.render_widget(hint, keys);
    let [side, main] =
        Layout::horizontal([Constraint::Length(20), Constraint::Fill(1)]).areas(body);
    draw_steps(w, f, side, ui);
    let inner = pane(f, main, w.step.title(), t, true);
    draw_step(w, f, inner, ui);
    if let Some(q) = &w.quit {
        q.draw(f, area, ui);
    }
}

fn draw_steps(w: &Wizard, f: &mut Frame, area: Rect, ui: &Ui) {
    let t = ui.theme;
    let lines: Vec<Line> = Step::ALL
        .iter()
        .map(|s| {
            let (mark, style) = if *s == w.step {
                ("▸ ", t.focus())
            } else if *s < w.step {
                ("✓ ", t.ok())
            } else {
                ("  ", t.dim())
            };
            Line::from(Span::styled(format!("{mark}{}", s.title()), style))
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines),
        Rect {
            y: area.y + 1,
            ..area
        },
    );
}

fn draw_step(w: &Wizard, f: &mut Frame, area: Rect, ui: &Ui) {
    let t = ui.theme;
    if w.step == Step::Codes {
        let list: Vec<&str> = w.codes.iter().map(|c| c.as_str()).collect();
        let next = ui.key(chain::FORM, Action::NextField);
        codes::draw(
            f,
            area,
            ui,
            &list,
            Line::from(Span::styled(
                format!("{next} when you have stored them"),
                t.dim(),
            )),
        );
        return;
    }
    let text = intro(w);
    let text_h = crate::tui::text::wrap(&text, usize::from(area.width).max(1)).len() as u16;
    let mut extra = 0;
    if w.step == Step::RecoveryKey {
        extra = 3;
    }
    let [intro_area, key_area, form_area] = Layout::vertical([
        Constraint::Length(text_h + 1),
        Constraint::Length(extra),
        Constraint::Fill(1),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), intro_area);
    if let Some(k) = &w.recovery_key {
        // Two lines of groups, split between groups so nothing wraps mid-group.
        let groups: Vec<&str> = k.split('-').collect();
        let half = groups.len().div_ceil(2);
        let lines: Vec<Line> = groups
            .chunks(half)
            .map(|g| Line::from(Span::styled(format!("  {}", g.join("-")), t.secret())))
            .collect();
        f.render_widget(Paragraph::new(lines), key_area);
    }
    w.form().draw(f, form_area, t, w.quit.is_none());
}
