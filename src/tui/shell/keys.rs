//! Keys in the signed-in view: popups first, then the screen, then tabs and the rest.

use super::*;

impl Main {
    fn popup_key(
        &mut self,
        action: Option<Action>,
        key: &KeyEvent,
        backend: &mut dyn Backend,
        clock: &Clock,
    ) -> Out {
        let Some(popup) = self.popup.take() else {
            return Out::Stay;
        };
        match popup {
            Popup::Help { scroll } => match action {
                Some(Action::Close | Action::Help) => {}
                Some(Action::Down) => self.popup = Some(Popup::Help { scroll: scroll + 1 }),
                Some(Action::Up) => {
                    self.popup = Some(Popup::Help {
                        scroll: scroll.saturating_sub(1),
                    })
                }
                _ => self.popup = Some(Popup::Help { scroll }),
            },
            Popup::Quit(c) => match action.map(|a| c.answer(a)) {
                Some(Answer::Yes(())) => return Out::Quit,
                Some(Answer::No) => {}
                _ => self.popup = Some(Popup::Quit(c)),
            },
            Popup::Lookup(mut l) => {
                let mut ctx = self.ctx(backend, clock);
                let done = match action {
                    Some(a) => l.update(a, &mut ctx),
                    None => None,
                };
                if done.is_none() {
                    l.input(key, &mut ctx);
                }
                let (note, lost) = (ctx.note, ctx.lost);
                if note.is_some() {
                    self.note = note;
                }
                if let Some(lost) = lost {
                    return Out::Lost(lost);
                }
                match done {
                    Some(Done::Close) => {}
                    Some(Done::Open(nav)) => {
                        if let Some(lost) = self.navigate(nav, backend, clock) {
                            return Out::Lost(lost);
                        }
                    }
                    Some(Done::Stay) | None => self.popup = Some(Popup::Lookup(l)),
                }
            }
        }
        Out::Stay
    }

    /// Tab switching, help, lookup, refresh and quit: what no screen claimed.
    fn main_action(
        &mut self,
        action: Action,
        backend: &mut dyn Backend,
        clock: &Clock,
    ) -> Option<Out> {
        let tabs = self.tabs();
        let at = tabs.iter().position(|t| *t == self.current).unwrap_or(0);
        let lost = match action {
            Action::NextTab => self.switch(tabs[(at + 1) % tabs.len()], backend, clock),
            Action::PrevTab => {
                self.switch(tabs[(at + tabs.len() - 1) % tabs.len()], backend, clock)
            }
            Action::Help => {
                self.popup = Some(Popup::Help { scroll: 0 });
                None
            }
            Action::Lookup => {
                self.popup = Some(Popup::Lookup(Lookup::default()));
                None
            }
            Action::Refresh => {
                let r = self.with(self.current, backend, clock, |s, ctx| s.enter(ctx));
                self.apply(r, backend, clock)
            }
            Action::Quit => return Some(self.ask_quit()),
            other => match Tab::from_action(other) {
                Some(tab) => self.switch(tab, backend, clock),
                None => return None,
            },
        };
        Some(lost.map_or(Out::Stay, Out::Lost))
    }

    pub fn key(
        &mut self,
        key: &KeyEvent,
        keymap: &Keymap,
        backend: &mut dyn Backend,
        clock: &Clock,
    ) -> Out {
        let action = keymap.action(self.chain(), key);
        if action == Some(Action::Lock) {
            return Out::Lock;
        }
        if self.popup.is_some() {
            return self.popup_key(action, key, backend, clock);
        }
        let tab = self.current;
        if let Some(a) = action {
            let r = self.with(tab, backend, clock, |s, ctx| s.update(a, ctx));
            let used = r.0;
            if let Some(lost) = self.apply(r, backend, clock) {
                return Out::Lost(lost);
            }
            if used {
                return Out::Stay;
            }
            if let Some(out) = self.main_action(a, backend, clock) {
                return out;
            }
        }
        if self.screen(tab).typing() {
            let r = self.with(tab, backend, clock, |s, ctx| s.input(key, ctx));
            if let Some(lost) = self.apply(r, backend, clock) {
                return Out::Lost(lost);
            }
        }
        Out::Stay
    }
}
