//! Shared by the TUI tests: a real `Service` on a temporary database with one account per
//! role (added through `Request::UserAdd`, as an admin would), a backup folder and some
//! data; apps signed in by typing, and screens rendered to text.
#![allow(dead_code, clippy::unwrap_used)]

pub mod recording;

use std::collections::HashMap;
use std::sync::Arc;

use kasefet::auth::records::RECOVERY_KEY;
use kasefet::auth::recovery_codes;
use kasefet::auth::totp::TotpSecret;
use kasefet::backup::BackupConfig;
use kasefet::client::{Backend, Local};
use kasefet::crypto::{Envelope, KdfParams, Password, SecretKey, SecretText};
use kasefet::domain::customer::{Address, CustomerStatus};
use kasefet::domain::task::TaskPriority;
use kasefet::domain::{
    Customer, CustomerInput, CustomerSensitive, EmployeeHr, EmployeeInput, Id, InteractionKind,
    Role, Stamp, TaskInput,
};
use kasefet::service::{Clock, NewAdmin, Request, Response, Service, Settings};
use kasefet::store::{self, Tree, Vault, codec};
use kasefet::tui::theme::Theme;
use kasefet::tui::{App, Options};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use zeroize::Zeroizing;

pub const PASSWORD: &str = "plum quartz ferry lantern 42";
/// 2026-03-02 09:00:00 UTC, a Monday.
pub const T0: i64 = 1_772_442_000;
pub const CHEAP: KdfParams = KdfParams {
    memory_kib: 256,
    iterations: 1,
    parallelism: 1,
};

pub const USERS: [(&str, &str, Role); 5] = [
    ("ada", "Ada Admin", Role::Admin),
    ("maya", "Maya Manager", Role::Manager),
    ("sam", "Sam Staff", Role::Staff),
    ("hila", "Hila HR", Role::Hr),
    ("avi", "Avi Auditor", Role::Auditor),
];

pub fn username(role: Role) -> &'static str {
    USERS.iter().find(|u| u.2 == role).map(|u| u.0).unwrap()
}

/// Cheap argon2 and no security policy to accept, so flows start at Home; the policy
/// screen has its own snapshot and the end-to-end test accepts it for real.
pub fn settings() -> Settings {
    Settings {
        kdf: CHEAP,
        policy_version: String::new(),
        ..Settings::default()
    }
}

pub struct World {
    pub dir: tempfile::TempDir,
    pub service: Arc<Service>,
    pub clock: Clock,
    pub totp: HashMap<String, TotpSecret>,
    pub recovery: SecretKey,
    /// The admin's recovery codes, plain.
    pub codes: Vec<Zeroizing<String>>,
    pub customers: HashMap<&'static str, Id>,
}

impl World {
    /// A database with one account per role and a few customers, tasks and employees.
    pub fn new() -> World {
        let mut w = World::empty();
        w.seed();
        w
    }

    /// Accounts only.
    pub fn empty() -> World {
        World::empty_with(|_| {})
    }

    /// Accounts only, with the settings changed by `tune` first (a security policy, no
    /// backup folder).
    pub fn empty_with(tune: impl FnOnce(&mut Settings)) -> World {
        let dir = tempfile::tempdir().unwrap();
        let clock = Clock::manual(T0);
        let admin_totp = TotpSecret::generate().unwrap();
        let (codes, set) = recovery_codes::generate().unwrap();
        let pw = Password::new(PASSWORD);
        let mut settings = Settings {
            backup: Some(BackupConfig::new(dir.path().join("backups"))),
            ..settings()
        };
        tune(&mut settings);
        let (service, recovery) = Service::init(
            &dir.path().join("data"),
            settings,
            clock.clone(),
            NewAdmin {
                username: "ada",
                display_name: "Ada Admin",
                password: &pw,
                totp: &admin_totp,
                recovery_codes: Some(set),
            },
        )
        .unwrap();
        let mut w = World {
            dir,
            service: Arc::new(service),
            clock,
            totp: HashMap::new(),
            recovery,
            codes,
            customers: HashMap::new(),
        };
        w.totp.insert("ada".into(), admin_totp);
        let mut admin = w.backend("ada");
        for (name, display, role) in USERS.iter().skip(1) {
            let totp = TotpSecret::generate().unwrap();
            add_user(&mut admin, name, display, *role, Some(&totp));
            w.totp.insert((*name).into(), totp);
        }
        admin.logout();
        w
    }

    /// A new account as an admin adds one at the keyboard: pending, with a one-time
    /// password (returned) to choose a password and enrol at the first sign-in.
    pub fn add_pending_user(&self, name: &str, display: &str, role: Role) -> String {
        let mut admin = self.backend("ada");
        let otp = add_user(&mut admin, name, display, role, None).unwrap();
        admin.logout();
        otp
    }

    /// A backup taken now by the admin, as the Backups screen or the nightly run would.
    pub fn backup_now(&self) -> String {
        let mut admin = self.backend("ada");
        let file = match admin.call(Request::BackupRun).unwrap() {
            Response::BackupDone { file, .. } => file,
            other => panic!("{other:?}"),
        };
        admin.logout();
        file
    }

    /// This database's backup folder: its own inside the one the world's settings name.
    pub fn backup_dir(&self) -> std::path::PathBuf {
        self.service
            .backup_config()
            .map(|c| c.dir)
            .unwrap_or_else(|| self.dir.path().join("backups"))
    }

    /// The vault, opened with the recovery key (for writing what no request can).
    fn vault(&self) -> Vault {
        let store = self.service.store();
        let raw = store.get_raw(Tree::Keyring, RECOVERY_KEY).unwrap().unwrap();
        let env: Envelope = codec::decode(&raw).unwrap();
        Vault::new(env.open_with_key(&self.recovery).unwrap())
    }

    /// A customer written straight to the store, unsanitised (to prove the screen cleans it).
    pub fn add_raw_customer(&self, name: &str) -> Id {
        assert!(!self.service.is_unsealed());
        let store = self.service.store();
        let vault = self.vault();
        // Written as the program would, with the key (digest and anchor kept current).
        let (_armed, _) = store.arm(vault.dek()).unwrap();
        let (id, id_op) = store.next_id(Tree::Customers).unwrap();
        let now = self.clock.now();
        let c = Customer {
            id,
            stamp: Stamp {
                version: 1,
                created_at: now,
                created_by: 1,
                updated_at: now,
                updated_by: 1,
            },
            data: CustomerInput {
                name: name.into(),
                company: Some(name.into()),
                owner: Some(1),
                ..Default::default()
            },
            interactions: Vec::new(),
        };
        store
            .commit(&[
                id_op,
                vault.put(Tree::Customers, &store::id_key(id), &c).unwrap(),
            ])
            .unwrap();
        id
    }

    /// The current TOTP code for `user` (advance the clock 30 s before a second sign-in).
    pub fn code(&self, user: &str) -> String {
        self.totp[user].code_at(self.clock.now() as u64)
    }

    /// A backend signed in as `user` (for seeding and for a second person in a test); the
    /// clock moves a step on first, since a code is accepted once.
    pub fn backend(&self, user: &str) -> Local {
        self.clock.advance(30);
        let mut b = Local::new(self.service.clone());
        b.login(user, &Password::new(PASSWORD), &self.code(user))
            .unwrap();
        b
    }

    pub fn seed(&mut self) {
        let mut b = self.backend("ada");
        let people: HashMap<String, Id> = match b.call(Request::People).unwrap() {
            Response::People(p) => p.into_iter().map(|p| (p.username, p.id)).collect(),
            _ => panic!(),
        };
        let created = |r: Response| match r {
            Response::Created { id } => id,
            other => panic!("{other:?}"),
        };
        let customers = [
            (
                "dana",
                "Dana Cohen",
                Some("Cohen & Co"),
                "dana@cohen.test",
                "+972 50 123 4567",
                CustomerStatus::Active,
                "vip",
                "sam",
            ),
            (
                "hebrew",
                "דנה לוי",
                Some("חברת לוי"),
                "levi@example.test",
                "03-555-1234",
                CustomerStatus::Lead,
                "north",
                "sam",
            ),
            (
                "wide",
                "山田 太郎",
                Some("日本商事"),
                "yamada@example.test",
                "+81 3 1234 5678",
                CustomerStatus::Prospect,
                "export",
                "maya",
            ),
            (
                "noam",
                "Noam Peretz",
                None,
                "noam@peretz.test",
                "052-765-4321",
                CustomerStatus::Inactive,
                "north",
                "maya",
            ),
        ];
        for (key, name, company, email, phone, status, tag, owner) in customers {
            let input = CustomerInput {
                name: name.into(),
                company: company.map(Into::into),
                emails: vec![email.into()],
                phones: vec![phone.into()],
                tags: vec![tag.into()],
                status,
                owner: Some(people[owner]),
                address: Address {
                    city: Some("Tel Aviv".into()),
                    country: Some("Israel".into()),
                    ..Default::default()
                },
                sensitive: Some(CustomerSensitive {
                    national_id: Some("012345678".into()),
                    payment_last4: Some("4242".into()),
                    ..Default::default()
                }),
                ..Default::default()
            };
            let id = created(b.call(Request::CustomerCreate { input }).unwrap());
            self.customers.insert(key, id);
        }
        b.call(Request::CustomerAddInteraction {
            id: self.customers["dana"],
            kind: InteractionKind::Call,
            text: "Asked about the renewal; call back Thursday.".into(),
        })
        .unwrap();
        let today = self.clock.today();
        let day = |d: i64| today.checked_add(jiff::Span::new().days(d)).unwrap();
        let tasks = [
            (
                "Send the renewal offer",
                Some(day(-2)),
                "sam",
                Some("dana"),
                TaskPriority::High,
            ),
            (
                "Call back about the quote",
                Some(day(0)),
                "sam",
                Some("hebrew"),
                TaskPriority::Normal,
            ),
            (
                "Prepare the quarterly report",
                Some(day(5)),
                "maya",
                None,
                TaskPriority::Normal,
            ),
            (
                "Check the payroll export",
                Some(day(3)),
                "hila",
                None,
                TaskPriority::Urgent,
            ),
            ("Review access rights", None, "ada", None, TaskPriority::Low),
        ];
        for (title, due, who, customer, priority) in tasks {
            let input = TaskInput {
                title: title.into(),
                due,
                assignee: Some(people[who]),
                customer: customer.map(|c| self.customers[c]),
                priority,
                ..Default::default()
            };
            created(b.call(Request::TaskCreate { input }).unwrap());
        }
        for (name, title, dept, phone) in [
            ("Ada Admin", "Office manager", "Operations", "050-111-2222"),
            ("Maya Manager", "Sales lead", "Sales", "050-333-4444"),
            ("Hila HR", "People partner", "HR", "050-555-6666"),
        ] {
            let input = EmployeeInput {
                name: name.into(),
                title: Some(title.into()),
                department: Some(dept.into()),
                phone: Some(phone.into()),
                hr: Some(EmployeeHr {
                    salary: Some("12,000".into()),
                    ..Default::default()
                }),
                ..Default::default()
            };
            created(b.call(Request::EmployeeCreate { input }).unwrap());
        }
        b.logout();
    }

    pub fn options(&self) -> Options {
        options(&self.clock)
    }

    /// An app at the sign-in screen over `backend`.
    pub fn app_with(&self, backend: Box<dyn Backend>) -> App {
        App::sign_in(backend, self.options())
    }

    /// An app signed in as `user` by typing, on the Home tab.
    pub fn app(&self, user: &str) -> App {
        let mut app = self.app_with(Box::new(Local::new(self.service.clone())));
        self.sign_in(&mut app, user);
        assert_eq!(app.screen(), "home", "{}", render(&app, 80, 24));
        app
    }

    /// Types the sign-in; moves the clock a step on, so every sign-in has a fresh code.
    pub fn sign_in(&self, app: &mut App, user: &str) {
        self.clock.advance(30);
        let code = self.code(user);
        typ(app, user);
        press(app, KeyCode::Enter);
        typ(app, PASSWORD);
        press(app, KeyCode::Enter);
        typ(app, &code);
        press(app, KeyCode::Enter);
    }
}

/// Adds an account through the service: with a TOTP secret it is provisioned (active at
/// once, password `PASSWORD`); without one the service makes a one-time password, returned.
pub fn add_user(
    admin: &mut Local,
    name: &str,
    display: &str,
    role: Role,
    totp: Option<&TotpSecret>,
) -> Option<String> {
    let req = Request::UserAdd {
        username: name.into(),
        display_name: display.into(),
        role,
        password: totp.map(|_| SecretText::new(PASSWORD.into())),
        totp_secret: totp.map(|t| SecretText::new(t.to_base32().to_string())),
    };
    match admin.call(req).unwrap() {
        Response::UserAdded {
            one_time_password, ..
        } => one_time_password.map(|p| p.expose().to_string()),
        other => panic!("{other:?}"),
    }
}

/// Test options: plain theme, default keys, the organisation's name.
pub fn options(clock: &Clock) -> Options {
    let mut o = Options::new(clock.clone());
    o.theme = Theme::plain();
    o.org = "Levi & Sons".into();
    o
}

pub fn key_event(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent {
        code,
        modifiers,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    }
}

/// Presses a key; a sign-in it submits is carried out at once, as the event loop's next
/// tick does.
pub fn press(app: &mut App, code: KeyCode) {
    let signing_in = app.screen() == "sign-in";
    app.key(key_event(code, KeyModifiers::NONE));
    if signing_in && app.busy() {
        app.tick();
    }
}

/// Lets work a key started run, as the event loop's next ticks do (nothing when none did).
pub fn settle(app: &mut App) {
    while app.busy() {
        app.tick();
    }
}

/// Presses a key whose work starts after the screen has said so (a backup, a verify),
/// and lets it run, as the event loop does at once.
pub fn press_and_wait(app: &mut App, code: KeyCode) {
    press(app, code);
    assert!(app.busy(), "{code:?} started nothing");
    while app.busy() {
        app.tick();
    }
}

pub fn ctrl(app: &mut App, c: char) {
    app.key(key_event(KeyCode::Char(c), KeyModifiers::CONTROL));
}

pub fn typ(app: &mut App, text: &str) {
    for c in text.chars() {
        let m = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        app.key(key_event(KeyCode::Char(c), m));
    }
}

/// The screen as text, one line per row, trailing spaces trimmed.
pub fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    buffer_text(t.backend().buffer())
}

pub fn buffer_text(buf: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            let sym = buf[(x, y)].symbol();
            if skip > 0 {
                skip -= 1;
                continue;
            }
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Every symbol drawn, for checking that nothing dangerous reached the terminal.
pub fn symbols(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    t.backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol().to_string())
        .collect()
}

/// Insta settings that hide what changes between runs: dates, times, ids, the terminal.
pub fn filtered() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD");
    s.add_filter(r"\b\d{2}:\d{2}\b", "hh:mm");
    s.add_filter(r"#\d+", "#N");
    // Where a sign-in came from (a tty, or "a script (no terminal)" under CI), however cut.
    s.add_filter(r"from (/|a )[^│]*│", "from [tty]│");
    // Temporary folders, and the random database id a backup names.
    s.add_filter(r"/[^\s│]*\.tmp[A-Za-z0-9]+", "[tmp]");
    s.add_filter(r"database [0-9a-f]{12}", "database [id]");
    // Each database's own backup folder is named for its id.
    s.add_filter(r"db-[0-9a-f]{16}", "db-[id]");
    // Backup sizes: the audit entries in them hold where each sign-in came from.
    s.add_filter(r"\d+\.\d KiB", "N KiB");
    s.add_filter(r"\d+ bytes", "N bytes");
    // Live sessions: the random session id, and the terminal and pid they came from.
    s.add_filter(
        r"│[0-9a-f]{8} ([^│\n]*? ago) +[^│\n]*?(this one|locked)? *│",
        "│[session] $1 [from] $2│",
    );
    s.set_prepend_module_to_snapshot(false);
    s
}
