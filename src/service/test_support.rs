//! A signed-in admin on a new database, for the crate's unit tests (integration tests have
//! `tests/common`).
#![allow(clippy::unwrap_used)]

use super::{Clock, Login, NewAdmin, Peer, Service, Settings};
use crate::auth::totp::TotpSecret;
use crate::crypto::{KdfParams, Password};

pub(crate) struct SignedIn {
    /// Holds the database; dropped last.
    pub _dir: tempfile::TempDir,
    pub service: Service,
    pub login: Login,
}

/// Cheap argon2, a manual clock, the admin `dana` signed in.
pub(crate) fn signed_in() -> SignedIn {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        kdf: KdfParams {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        },
        ..Settings::default()
    };
    let totp = TotpSecret::generate().unwrap();
    let password = Password::new("wistful magnets orbit the quiet harbour");
    let at = 1_800_000_000;
    let (service, _) = Service::init(
        &dir.path().join("db"),
        settings,
        Clock::manual(at),
        NewAdmin {
            username: "dana",
            display_name: "Dana",
            password: &password,
            totp: &totp,
            recovery_codes: None,
        },
    )
    .unwrap();
    let code = totp.code_at(at as u64);
    let login = service
        .login("dana", &password, &code, &Peer::default())
        .unwrap();
    SignedIn {
        _dir: dir,
        service,
        login,
    }
}
