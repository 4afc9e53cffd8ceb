//! The customer form (new and edit, with conflicts) and the interaction form.

use crate::domain::customer::{Address, CustomerKind, CustomerStatus};
use crate::domain::text::date;
use crate::domain::{
    Customer, CustomerInput, CustomerSensitive, FieldError, Id, InteractionKind, Permission,
};
use crate::service::{Error, Request, Response};
use crate::tui::action::Action;
use crate::tui::screens::versioned::VersionedForm;
use crate::tui::screens::{Ctx, Me, People, unexpected};
use crate::tui::widgets::conflict::Conflict;
use crate::tui::widgets::form::{Field, Form, Outcome};

const STATUSES: [&str; 4] = ["lead", "prospect", "active", "inactive"];

#[derive(Debug, Clone)]
pub struct Editor {
    pub form: Form,
    /// `None` for a new customer.
    pub id: Option<Id>,
    pub version: u64,
    /// The sensitive fields are in the form: for roles that may see them (on an existing
    /// record, loaded with an audited reveal); never sent otherwise.
    pub sensitive: bool,
    pub conflict: Option<Conflict>,
    can_owner: bool,
    /// The owner as loaded; kept when this person may not change owners.
    orig_owner: Option<Id>,
    /// Another customer has this email or phone: asked before saving (`duplicate.rs`).
    pub duplicate: Option<crate::tui::widgets::confirm::Confirm<u64>>,
    pub duplicate_ok: bool,
}

fn fields(c: &CustomerInput, owner: &str, can_owner: bool, sensitive: bool) -> Vec<Field> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let kind = if c.kind == CustomerKind::Company {
        "company"
    } else {
        "person"
    };
    let mut v = vec![
        Field::text("name", "Name", &c.name),
        Field::choice("kind", "Kind", vec!["person", "company"], kind),
        Field::text("company", "Company", &opt(&c.company)),
        Field::text("email", "Emails", &c.emails.join(", "))
            .with_hint("separate several with commas"),
        Field::text("phone", "Phones", &c.phones.join(", ")),
        Field::text("tag", "Tags", &c.tags.join(", ")),
        Field::choice("status", "Status", STATUSES.to_vec(), c.status.as_str()),
        if can_owner {
            Field::text("owner", "Owner", owner)
        } else {
            Field::fixed("owner", "Owner", owner)
        },
        Field::text("source", "Source", &opt(&c.source)),
        Field::text("street", "Street", &opt(&c.address.street)),
        Field::text("city", "City", &opt(&c.address.city)),
        Field::text("postal code", "Postal code", &opt(&c.address.postal_code)),
        Field::text("country", "Country", &opt(&c.address.country)),
        Field::check(
            "marketing consent",
            "Marketing consent",
            c.marketing_consent,
        ),
        Field::text(
            "consent date",
            "Consent date",
            &c.consent_date.map(|d| d.to_string()).unwrap_or_default(),
        )
        .with_hint("YYYY-MM-DD"),
    ];
    if sensitive {
        let s = c.sensitive.clone().unwrap_or_default();
        v.extend([
            Field::text("national id", "National id", &opt(&s.national_id)),
            Field::text(
                "date of birth",
                "Date of birth",
                &s.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
            ),
            Field::text(
                "payment last four",
                "Card last four",
                &opt(&s.payment_last4),
            )
            .with_hint("only the last four digits, never the full number"),
            Field::text("private notes", "Private notes", &opt(&s.private_notes)),
        ]);
    }
    v
}

fn parse_date(form: &Form, key: &str, errors: &mut Vec<FieldError>) -> Option<jiff::civil::Date> {
    let v = form.opt(key)?;
    date(key, &v).map_err(|e| errors.push(e)).ok()
}

impl Editor {
    /// A new customer is its creator's own, so whoever may see their own customers'
    /// sensitive fields fills them in here.
    pub fn create(me: &Me, can_owner: bool, _people: &People) -> Editor {
        let sensitive = me.can(Permission::CustomerSensitive);
        let form = Form::new(fields(
            &CustomerInput::default(),
            &me.username,
            can_owner,
            sensitive,
        ));
        Editor {
            form,
            id: None,
            version: 0,
            sensitive,
            conflict: None,
            can_owner,
            orig_owner: None,
            duplicate: None,
            duplicate_ok: false,
        }
    }

    pub fn edit(c: &Customer, sensitive: bool, can_owner: bool, people: &People) -> Editor {
        let sensitive = sensitive && c.data.sensitive.is_some();
        let form = Form::new(fields(
            &c.data,
            &people.name(c.data.owner),
            can_owner,
            sensitive,
        ));
        let orig_owner = c.data.owner;
        Editor {
            form,
            id: Some(c.id),
            version: c.stamp.version,
            sensitive,
            conflict: None,
            can_owner,
            orig_owner,
            duplicate: None,
            duplicate_ok: false,
        }
    }

    /// The form as the service wants it; problems found here are named by field too.
    fn input(&self, people: &People) -> Result<CustomerInput, Vec<FieldError>> {
        let f = &self.form;
        let mut errors = Vec::new();
        let owner = match f.opt("owner") {
            _ if !self.can_owner => self.orig_owner,
            None => None,
            Some(name) => match people.find(&name) {
                Some(id) => Some(id),
                None => {
                    errors.push(FieldError::new("owner", format!("no user named {name}")));
                    None
                }
            },
        };
        let consent_date = parse_date(f, "consent date", &mut errors);
        let date_of_birth = parse_date(f, "date of birth", &mut errors);
        let input = CustomerInput {
            kind: if f.value("kind") == "company" {
                CustomerKind::Company
            } else {
                CustomerKind::Person
            },
            name: f.value("name"),
            company: f.opt("company"),
            emails: f.list("email"),
            phones: f.list("phone"),
            address: Address {
                street: f.opt("street"),
                city: f.opt("city"),
                postal_code: f.opt("postal code"),
                country: f.opt("country"),
            },
            tags: f.list("tag"),
            status: CustomerStatus::parse(&f.value("status")).unwrap_or_default(),
            owner,
            source: f.opt("source"),
            marketing_consent: f.checked("marketing consent"),
            consent_date,
            sensitive: self.sensitive.then(|| CustomerSensitive {
                national_id: f.opt("national id"),
                date_of_birth,
                private_notes: f.opt("private notes"),
                payment_last4: f.opt("payment last four"),
            }),
        };
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }

    fn save(&mut self, version: u64, ctx: &mut Ctx) -> Outcome {
        let input = match self.input(ctx.people) {
            Ok(i) => i,
            Err(errors) => {
                self.form.set_errors(&errors);
                return Outcome::Stay;
            }
        };
        if !self.duplicate_ok {
            if let Some(q) = super::duplicate::question(ctx, &input, self.id) {
                self.ask_duplicate(q, version);
                return Outcome::Stay;
            }
        }
        let req = match self.id {
            None => Request::CustomerCreate { input },
            Some(id) => Request::CustomerUpdate { id, version, input },
        };
        match ctx.call(req) {
            Ok(Response::Created { id }) => {
                ctx.ok("Customer created");
                Outcome::Saved(id)
            }
            Ok(Response::Done) => {
                ctx.ok("Saved");
                Outcome::Saved(self.id.unwrap_or_default())
            }
            Ok(_) => {
                ctx.fail(&unexpected());
                Outcome::Stay
            }
            Err(e) => self.save_failed(e, ctx),
        }
    }

    /// Their version, in place of my edits.
    fn reload(&mut self, ctx: &mut Ctx) {
        let Some(id) = self.id else { return };
        match ctx.call(Request::CustomerGet {
            id,
            reveal: self.sensitive,
        }) {
            Ok(Response::Customer(c)) => {
                let people = ctx.people.clone();
                *self = Editor::edit(&c, self.sensitive, self.can_owner, &people);
                ctx.note = Some(crate::tui::screens::Note::info("Reloaded their version"));
            }
            Ok(_) => ctx.fail(&unexpected()),
            Err(e) => ctx.fail(&e),
        }
    }
}

impl VersionedForm for Editor {
    fn form(&mut self) -> &mut Form {
        &mut self.form
    }
    fn conflict(&mut self) -> &mut Option<Conflict> {
        &mut self.conflict
    }
    fn loaded_version(&self) -> u64 {
        self.version
    }
    fn save_at(&mut self, version: u64, ctx: &mut Ctx) -> Outcome {
        self.save(version, ctx)
    }
    fn reload_theirs(&mut self, ctx: &mut Ctx) {
        self.reload(ctx)
    }
}

/// Logging a call, email, meeting or note.
#[derive(Debug, Clone)]
pub struct Note {
    pub form: Form,
    pub id: Id,
}

impl Note {
    pub fn new(id: Id) -> Note {
        let kinds = InteractionKind::ALL.iter().map(|k| k.as_str()).collect();
        Note {
            form: Form::new(vec![
                Field::choice("kind", "Kind", kinds, "call"),
                Field::text("text", "What happened", ""),
            ]),
            id,
        }
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> Outcome {
        match action {
            // Past the last field stays: only Ctrl-S logs, as in every form.
            Action::NextField => self.form.next(),
            Action::Save => {
                let kind = InteractionKind::parse(&self.form.value("kind"))
                    .unwrap_or(InteractionKind::Note);
                let req = Request::CustomerAddInteraction {
                    id: self.id,
                    kind,
                    text: self.form.value("text"),
                };
                match ctx.call(req) {
                    Ok(_) => {
                        ctx.ok(format!("Logged the {}", kind.as_str()));
                        return Outcome::Saved(self.id);
                    }
                    Err(Error::Invalid(inv)) => self.form.set_invalid(&inv),
                    Err(e) => {
                        self.form.message = Some(e.to_string());
                        ctx.fail(&e);
                    }
                }
            }
            Action::PrevField => self.form.prev(),
            Action::Cancel => return Outcome::Cancel,
            Action::Toggle if self.form.toggle() => {}
            _ => return Outcome::Ignored,
        }
        Outcome::Stay
    }
}
