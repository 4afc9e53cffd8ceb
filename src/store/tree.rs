//! The trees of a database. Only `Meta`, `Keyring`, `AuthState` and `Pending` hold
//! unencrypted values, and none of them holds record content (see each variant).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tree {
    /// Schema version, database id, id counters, the username salt, the audit chain head.
    Meta,
    /// Salted username hash → wrapped DEK (already encrypted by its own key).
    Keyring,
    /// Salted username hash → failure counters, writable while sealed.
    AuthState,
    /// Failed sign-ins seen while sealed: hashed usernames only, folded into the audit log later.
    Pending,
    Users,
    UserAuth,
    /// HMAC(username) → user id (the id unencrypted: it is opaque).
    UserNames,
    Customers,
    Employees,
    Tasks,
    Audit,
    /// Deleted records kept for the trash window. Key: kind byte ‖ id ‖ purge time (both
    /// big-endian, in the clear so a sealed nightly run can purge); value sealed.
    Trash,
    /// Earlier versions of records. Key: kind byte ‖ id ‖ version; value sealed.
    History,
    /// The erasure journal: customer id → who erased it, when, and the sealed reason. Keys
    /// and the id/time/who are in the clear (no personal data) so a restore can apply it
    /// without a key.
    Erasures,
}

impl Tree {
    pub const ALL: [Tree; 14] = [
        Tree::Meta,
        Tree::Keyring,
        Tree::AuthState,
        Tree::Pending,
        Tree::Users,
        Tree::UserAuth,
        Tree::UserNames,
        Tree::Customers,
        Tree::Employees,
        Tree::Tasks,
        Tree::Audit,
        Tree::Trash,
        Tree::History,
        Tree::Erasures,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tree::Meta => "meta",
            Tree::Keyring => "keyring",
            Tree::AuthState => "auth_state",
            Tree::Pending => "pending",
            Tree::Users => "users",
            Tree::UserAuth => "user_auth",
            Tree::UserNames => "user_names",
            Tree::Customers => "customers",
            Tree::Employees => "employees",
            Tree::Tasks => "tasks",
            Tree::Audit => "audit",
            Tree::Trash => "trash",
            Tree::History => "history",
            Tree::Erasures => "erasures",
        }
    }

    /// Trees that grow to a million records keep them several to a sled value
    /// (`store::pack`); the rest keep one record per sled key.
    pub fn packed(self) -> bool {
        matches!(self, Tree::Customers)
    }

    /// The sled tree holding this tree's values. A packed tree's own name is where a
    /// restore or an older schema left loose records, which opening packs (`Store::open`).
    pub fn sled_name(self) -> &'static str {
        match self {
            Tree::Customers => "customers.packed",
            other => other.name(),
        }
    }

    pub fn from_name(name: &str) -> Option<Tree> {
        Tree::ALL.into_iter().find(|t| t.name() == name)
    }

    /// True for trees whose values are sealed with the DEK. `UserNames` maps a keyed hash
    /// to an opaque user id: neither side is readable without the DEK's index subkey, so
    /// its values are stored as they are.
    pub fn encrypted(self) -> bool {
        !matches!(
            self,
            Tree::Meta
                | Tree::Keyring
                | Tree::AuthState
                | Tree::Pending
                | Tree::UserNames
                | Tree::Erasures
        )
    }
}
