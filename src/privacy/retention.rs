//! Storage limitation (GDPR Art. 5(1)(e)): `[[retention.rule]]`s in kasefet.toml, what the
//! next run would do with them (`plan`), and what anonymising keeps of a record.
//!
//! "Activity" is the record's last change: created, edited, a timeline entry added,
//! reverted or restored (its `updated_at`, which every one of those moves). Viewing a record
//! or changing a task linked to it is not activity.

use jiff::{Span, Timestamp, tz::TimeZone};
use serde::{Deserialize, Serialize};

use crate::domain::{Customer, CustomerInput, CustomerStatus, Id, UnixTime};
use crate::search::Brief;

/// The tag an anonymised record carries: no rule matches it again.
pub const ANONYMISED_TAG: &str = "anonymised";
/// What an anonymised record's timeline entries read as.
pub const ANONYMISED_TEXT: &str = "(anonymised)";
/// Longest rule a config may set: a hundred years.
pub const MAX_MONTHS: u32 = 1200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The same erasure as `gdpr erase`: journaled, and every backup in the folder rewritten.
    Erase,
    /// Keep kind, status, owner, city, country and the dates; drop everything else.
    #[serde(alias = "anonymize")]
    Anonymise,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Erase => "erase",
            Action::Anonymise => "anonymise",
        }
    }

    /// The past tense, for reports and audit entries.
    pub fn done(self) -> &'static str {
        match self {
            Action::Erase => "erased",
            Action::Anonymise => "anonymised",
        }
    }
}

/// One `[[retention.rule]]`: customers of `status` (any status when absent) with no activity
/// for `inactive_months` get `action`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(default)]
    pub status: Option<CustomerStatus>,
    pub inactive_months: u32,
    pub action: Action,
}

impl Rule {
    /// "leads with no activity for 24 months: erase".
    pub fn describe(&self) -> String {
        let who = match self.status {
            Some(s) => format!("{} customers", s.as_str()),
            None => "customers".to_string(),
        };
        format!(
            "{who} with no activity for {} months: {}",
            self.inactive_months,
            self.action.as_str()
        )
    }

    pub fn check(&self) -> Result<(), String> {
        if !(1..=MAX_MONTHS).contains(&self.inactive_months) {
            return Err(format!(
                "inactive_months = {} is out of range: use a whole number from 1 to {MAX_MONTHS}",
                self.inactive_months
            ));
        }
        Ok(())
    }

    /// Activity before this moment makes a customer due (calendar months, UTC).
    pub fn cutoff(&self, now: UnixTime) -> UnixTime {
        let months = i64::from(self.inactive_months.min(MAX_MONTHS));
        Timestamp::from_second(now)
            .ok()
            .and_then(|t| {
                t.to_zoned_datetime(TimeZone::UTC)
                    .checked_sub(Span::new().months(months))
                    .ok()
            })
            .map_or(i64::MIN, |z| z.timestamp().as_second())
    }

    fn matches(&self, c: &impl Candidate, cutoff: UnixTime) -> bool {
        self.status.is_none_or(|s| s == c.status()) && c.updated_at() < cutoff && !c.anonymised()
    }
}

/// A customer a rule would act on. `name` is empty in a counts-only plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    pub id: Id,
    pub name: String,
    pub status: CustomerStatus,
    pub last_activity: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulePlan {
    /// 1-based, in the order of the config file.
    pub number: usize,
    pub rule: Rule,
    pub customers: Vec<Planned>,
}

/// What a run at `at` does: per rule, the customers it acts on, oldest activity first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Plan {
    pub at: UnixTime,
    pub rules: Vec<RulePlan>,
}

impl Plan {
    pub fn total(&self) -> usize {
        self.rules.iter().map(|r| r.customers.len()).sum()
    }

    /// Ids only, for a report that must not hold names.
    pub fn without_names(mut self) -> Plan {
        for r in &mut self.rules {
            for c in &mut r.customers {
                c.name.clear();
            }
        }
        self
    }
}

/// The plan for `rules` over `customers` at `now`. A customer matched by several rules is
/// acted on by the first of them only.
/// What a rule looks at: the index's briefs (summaries in the tests below).
pub trait Candidate {
    fn id(&self) -> Id;
    fn name(&self) -> &str;
    fn status(&self) -> CustomerStatus;
    fn updated_at(&self) -> UnixTime;
    fn anonymised(&self) -> bool;
}

impl Candidate for Brief<'_> {
    fn id(&self) -> Id {
        self.id
    }
    fn name(&self) -> &str {
        Brief::name(self)
    }
    fn status(&self) -> CustomerStatus {
        self.status
    }
    fn updated_at(&self) -> UnixTime {
        self.updated_at
    }
    fn anonymised(&self) -> bool {
        self.tags().any(|t| t == ANONYMISED_TAG)
    }
}

pub fn plan<C: Candidate>(
    rules: &[Rule],
    customers: impl Iterator<Item = C>,
    now: UnixTime,
) -> Plan {
    let cutoffs: Vec<UnixTime> = rules.iter().map(|r| r.cutoff(now)).collect();
    let mut out: Vec<RulePlan> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| RulePlan {
            number: i + 1,
            rule: r.clone(),
            customers: Vec::new(),
        })
        .collect();
    if rules.is_empty() {
        return Plan {
            at: now,
            rules: out,
        };
    }
    for c in customers {
        if let Some(i) = (0..rules.len()).find(|&i| rules[i].matches(&c, cutoffs[i])) {
            out[i].customers.push(Planned {
                id: c.id(),
                name: c.name().to_string(),
                status: c.status(),
                last_activity: c.updated_at(),
            });
        }
    }
    for r in &mut out {
        r.customers.sort_by_key(|c| (c.last_activity, c.id));
    }
    Plan {
        at: now,
        rules: out,
    }
}

/// What anonymising leaves of a customer: kind, status, owner, city, country, the record's
/// dates and its timeline's kinds, authors and dates. Name, company, e-mails, phones,
/// street, postal code, tags, source, consent, the sensitive part and every timeline text
/// go. The caller bumps the stamp and removes the kept versions.
pub fn anonymised(c: &Customer) -> Customer {
    let d = &c.data;
    let data = CustomerInput {
        kind: d.kind,
        name: format!("Anonymised customer {}", c.id),
        company: None,
        emails: Vec::new(),
        phones: Vec::new(),
        address: crate::domain::customer::Address {
            street: None,
            city: d.address.city.clone(),
            postal_code: None,
            country: d.address.country.clone(),
        },
        tags: vec![ANONYMISED_TAG.to_string()],
        status: d.status,
        owner: d.owner,
        source: None,
        marketing_consent: false,
        consent_date: None,
        sensitive: Some(Default::default()),
    };
    let interactions = c
        .interactions
        .iter()
        .map(|i| crate::domain::Interaction {
            text: ANONYMISED_TEXT.to_string(),
            ..i.clone()
        })
        .collect();
    Customer {
        id: c.id,
        stamp: c.stamp.clone(),
        data,
        interactions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::CustomerSummary;

    impl Candidate for &CustomerSummary {
        fn id(&self) -> Id {
            self.id
        }
        fn name(&self) -> &str {
            &self.name
        }
        fn status(&self) -> CustomerStatus {
            self.status
        }
        fn updated_at(&self) -> UnixTime {
            self.updated_at
        }
        fn anonymised(&self) -> bool {
            self.tags.iter().any(|t| t == ANONYMISED_TAG)
        }
    }

    fn summary(id: Id, status: CustomerStatus, updated_at: UnixTime) -> CustomerSummary {
        CustomerSummary {
            id,
            name: format!("c{id}"),
            company: None,
            email: None,
            phone: None,
            status,
            tags: Vec::new(),
            owner: None,
            created_at: 0,
            updated_at,
        }
    }

    #[test]
    fn the_first_matching_rule_wins_and_anonymised_records_are_left_alone() {
        let now = 1_790_000_000;
        let year = 365 * 86_400;
        let rules = [
            Rule {
                status: Some(CustomerStatus::Lead),
                inactive_months: 24,
                action: Action::Erase,
            },
            Rule {
                status: None,
                inactive_months: 12,
                action: Action::Anonymise,
            },
        ];
        let mut anon = summary(4, CustomerStatus::Inactive, now - 5 * year);
        anon.tags.push(ANONYMISED_TAG.into());
        let all = [
            summary(1, CustomerStatus::Lead, now - 3 * year),
            summary(2, CustomerStatus::Lead, now - year - 86_400 * 30),
            summary(3, CustomerStatus::Active, now - 86_400),
            anon,
        ];
        let p = plan(&rules, all.iter(), now);
        let ids = |i: usize| {
            p.rules[i]
                .customers
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(0), vec![1]);
        assert_eq!(ids(1), vec![2]);
        assert_eq!(p.total(), 2);
        assert!(
            p.clone().without_names().rules[0].customers[0]
                .name
                .is_empty()
        );
    }

    #[test]
    fn months_are_calendar_months_and_out_of_range_rules_are_refused() {
        let r = Rule {
            status: None,
            inactive_months: 1,
            action: Action::Erase,
        };
        // 2026-03-31 minus one month is 2026-02-28 (jiff clamps to the month's end).
        let now: UnixTime = 1_774_915_200;
        let cut = r.cutoff(now);
        assert_eq!(now - cut, 31 * 86_400);
        assert!(
            Rule {
                inactive_months: 0,
                ..r.clone()
            }
            .check()
            .is_err()
        );
        assert!(
            Rule {
                inactive_months: MAX_MONTHS + 1,
                ..r
            }
            .check()
            .is_err()
        );
    }
}
