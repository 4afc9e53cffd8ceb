//! Trash whose window ended while the database was sealed. The trash is covered by the
//! store digest, which only the key keeps current (store/integrity.rs), so a sealed nightly
//! run cannot purge it; the first sign-in after that does, in the commit that records it.

use super::Service;
use super::unsealed::Unsealed;
use crate::domain::{AuditEvent, Outcome};

impl Service {
    /// Purges expired trash right after an unseal, with an audit entry of counts. A failure
    /// leaves the trash as it was for the next nightly run; it never stops the sign-in.
    pub(crate) fn purge_at_unseal(&self, open: &mut Unsealed) {
        let now = self.clock.now();
        let Ok((mut ops, purged)) = crate::privacy::trash::purge_ops(&self.store, now) else {
            return;
        };
        if purged.total() == 0 {
            return;
        }
        let event = AuditEvent {
            seq: 0,
            at: now,
            user: None,
            username: None,
            peer_uid: Some(rustix::process::getuid().as_raw()),
            peer_pid: Some(std::process::id()),
            action: "trash.purge".into(),
            target: String::new(),
            outcome: Outcome::Ok,
            detail: format!("{}; at unseal, past the trash window", purged.summary()),
        };
        let Ok(audit) = crate::audit::append(&open.vault, &mut open.head, event) else {
            return;
        };
        ops.extend(audit);
        if self.store.commit(&ops).is_err() {
            if let Ok(head) = crate::audit::Head::load(&self.store) {
                open.head = head;
            }
        }
    }
}
