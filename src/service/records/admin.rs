//! Users, the audit log, and the cross-kind quick lookup.

use super::{Acted, Cx};
use crate::domain::user::normalize_username;
use crate::service::request::{Person, Response, SessionInfo};
use crate::service::{Error, Result};

impl Cx<'_> {
    pub fn people(&mut self) -> Result<Acted> {
        let people = self
            .open
            .users()
            .values()
            .map(|u| Person {
                id: u.id,
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                role: u.role,
            })
            .collect();
        Ok(Acted::read(Response::People(people), String::new()))
    }

    pub fn user_list(&mut self) -> Result<Acted> {
        Ok(Acted::read(
            Response::Users(self.open.users().values().cloned().collect()),
            String::new(),
        ))
    }

    pub fn user_get(&mut self, username: &str) -> Result<Acted> {
        let name = normalize_username(username);
        let u = self
            .open
            .users()
            .values()
            .find(|u| u.username == name)
            .cloned()
            .ok_or_else(|| Error::NotFound(format!("user {name}")))?;
        let target = format!("user:{}", u.id);
        Ok(Acted::read(Response::User(Box::new(u)), target))
    }

    pub fn audit_list(&mut self, offset: usize, limit: usize) -> Result<Acted> {
        let list = crate::audit::chain::list(
            self.store,
            &self.open.vault,
            offset,
            limit.clamp(1, 10_000),
        )?;
        Ok(Acted::read(Response::Audit(list), String::new()))
    }

    pub fn audit_verify(&mut self) -> Result<Acted> {
        let report = crate::audit::verify(self.store, &self.open.vault)?;
        let detail = match &report.problem {
            None => format!("{} entries intact", report.entries),
            Some(p) => format!("broken: {p}"),
        };
        let mut acted = Acted::read(Response::AuditReport(report), "audit log".into());
        acted.detail = detail;
        Ok(acted)
    }

    pub fn session_list(&mut self) -> Result<Acted> {
        let mine = self.session_id;
        let mut list: Vec<SessionInfo> = self
            .sessions
            .iter()
            .map(|(id, st)| SessionInfo {
                id: data_encoding::HEXLOWER.encode(&id[..4]),
                username: self.open.username(st.user),
                since: st.started,
                last_active: st.last_active,
                from: st.peer.from.clone(),
                uid: st.peer.uid,
                pid: st.peer.pid,
                locked: st.locked,
                current: Some(*id) == mine,
            })
            .collect();
        list.sort_by_key(|s| (s.username.clone(), s.since));
        Ok(Acted::read(Response::Sessions(list), String::new()))
    }

    pub fn session_end(&mut self, prefix: &str) -> Result<Acted> {
        let p = prefix.trim().to_ascii_lowercase();
        let found: Vec<_> = self
            .sessions
            .iter()
            .filter(|(id, _)| p.len() >= 8 && data_encoding::HEXLOWER.encode(id).starts_with(&p))
            .collect();
        let [(id, st)] = found.as_slice() else {
            return Err(Error::NotFound(format!(
                "session {p} (use the id `user sessions` shows)"
            )));
        };
        let target = format!("user:{}", st.user);
        Ok(Acted {
            response: Response::Done,
            target,
            ops: Vec::new(),
            detail: format!("ended session {p} of {}", self.open.username(st.user)),
            updates: vec![super::Update::EndSession(*id)],
        })
    }
}
