//! A key (or a paste) for whichever phase the app is in.

use super::*;

impl App {
    pub fn key(&mut self, key: KeyEvent) {
        // A key after the idle time locks first and is not acted on.
        if self.idle_lock() {
            return;
        }
        self.last_input = self.opts.clock.now();
        let km = &self.opts.keymap;
        let phase = std::mem::replace(&mut self.phase, Phase::Gone);
        self.phase = match phase {
            Phase::Wizard(mut w) => {
                let out = km.action(w.chain(), &key).and_then(|a| w.update(a));
                match out {
                    None => {
                        w.input(&key);
                        Phase::Wizard(w)
                    }
                    Some(wizard::Out::Stay) => Phase::Wizard(w),
                    Some(wizard::Out::Quit) => {
                        self.quit = true;
                        Phase::Wizard(w)
                    }
                    Some(wizard::Out::Done {
                        backend,
                        service,
                        login,
                        org,
                    }) => {
                        self.backend = Some(backend);
                        self.created = Some(service);
                        self.opts.org = org;
                        self.signed_in(*login);
                        return;
                    }
                }
            }
            Phase::SignIn(mut s) => match km.action(chain::FORM, &key).and_then(|a| s.update(a)) {
                None => {
                    s.input(&key);
                    Phase::SignIn(s)
                }
                Some(signin::Out::Stay) => Phase::SignIn(s),
                Some(signin::Out::Quit) => {
                    self.quit = true;
                    Phase::SignIn(s)
                }
                Some(signin::Out::Success(login)) => {
                    self.signed_in(*login);
                    return;
                }
            },
            Phase::Setup(mut s) => {
                let Some(backend) = self.backend.as_mut() else {
                    return;
                };
                match km
                    .action(chain::FORM, &key)
                    .and_then(|a| s.update(a, backend.as_mut()))
                {
                    None => {
                        s.input(&key);
                        Phase::Setup(s)
                    }
                    Some(setup::Out::Stay) => Phase::Setup(s),
                    Some(setup::Out::Quit) => {
                        self.quit = true;
                        Phase::Setup(s)
                    }
                    Some(setup::Out::Done(note)) => {
                        let me = s.me().clone();
                        self.enter_main(me, note);
                        return;
                    }
                    Some(setup::Out::SignIn(msg)) => {
                        let user = s.me().username.clone();
                        self.back_to_sign_in(&user, Some(Note::warn(msg)));
                        return;
                    }
                }
            }
            Phase::Main(mut m) => {
                let Some(backend) = self.backend.as_mut() else {
                    return;
                };
                m.note = None;
                match m.key(&key, km, backend.as_mut(), &self.opts.clock) {
                    shell::Out::Stay => Phase::Main(m),
                    shell::Out::Quit => {
                        self.quit = true;
                        Phase::Main(m)
                    }
                    shell::Out::Lock => {
                        self.phase = Phase::Main(m);
                        self.lock();
                        return;
                    }
                    shell::Out::Lost(l) => {
                        self.phase = Phase::Main(m);
                        self.lost(l);
                        return;
                    }
                }
            }
            Phase::Locked(m, mut l) => {
                let Some(backend) = self.backend.as_mut() else {
                    return;
                };
                match km
                    .action(chain::FORM, &key)
                    .and_then(|a| l.update(a, backend.as_mut()))
                {
                    None => {
                        l.input(&key);
                        Phase::Locked(m, l)
                    }
                    Some(lock::Out::Stay) => Phase::Locked(m, l),
                    Some(lock::Out::Unlocked) => {
                        // Others may have changed what was on screen while it was locked.
                        let mut m = m;
                        if let Some(lost) = m.refresh(backend.as_mut(), &self.opts.clock) {
                            self.phase = Phase::Main(m);
                            self.lost(lost);
                            return;
                        }
                        Phase::Main(m)
                    }
                    Some(lock::Out::SignIn(msg)) => {
                        let user = m.me.username.clone();
                        drop(m);
                        self.back_to_sign_in(&user, msg.map(Note::info));
                        return;
                    }
                }
            }
            Phase::Gone => Phase::SignIn(SignIn::new("", None)),
        };
    }

    pub fn paste(&mut self, text: &str) {
        self.last_input = self.opts.clock.now();
        match &mut self.phase {
            Phase::Wizard(w) => w.paste(text),
            Phase::SignIn(s) => s.paste(text),
            Phase::Main(m) => {
                let Some(backend) = self.backend.as_mut() else {
                    return;
                };
                if let Some(l) = m.paste(text, backend.as_mut(), &self.opts.clock) {
                    self.lost(l);
                }
            }
            // Nothing is pasted into a password field on the lock screen or in setup.
            _ => {}
        }
    }
}
