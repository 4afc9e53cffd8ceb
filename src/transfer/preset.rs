//! Which tool wrote a CSV file, told by its header, and what each of its columns means.

use super::fields::Field;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// contacts.google.com's current "Google CSV".
    Google,
    /// The older Google CSV (`Given Name`, `Group Membership`, `E-mail 1 - Type`).
    GoogleLegacy,
    /// Outlook desktop's export, and Google's "Outlook CSV" option (the same columns).
    Outlook,
    /// outlook.com's export (`Given Yomi`, `Surname Yomi`).
    OutlookCom,
    Hubspot,
    Zoho,
    /// Salesforce's weekly data export, `Contact.csv` (API field names).
    Salesforce,
    /// LinkedIn's `Connections.csv`.
    Linkedin,
    Thunderbird,
    /// Anything else: matched by column names.
    Generic,
}

impl Preset {
    pub const ALL: [Preset; 10] = [
        Preset::Google,
        Preset::GoogleLegacy,
        Preset::Outlook,
        Preset::OutlookCom,
        Preset::Hubspot,
        Preset::Zoho,
        Preset::Salesforce,
        Preset::Linkedin,
        Preset::Thunderbird,
        Preset::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Google => "google",
            Preset::GoogleLegacy => "google-legacy",
            Preset::Outlook => "outlook",
            Preset::OutlookCom => "outlook-com",
            Preset::Hubspot => "hubspot",
            Preset::Zoho => "zoho",
            Preset::Salesforce => "salesforce",
            Preset::Linkedin => "linkedin",
            Preset::Thunderbird => "thunderbird",
            Preset::Generic => "generic",
        }
    }

    pub fn parse(s: &str) -> Option<Preset> {
        let s = s.trim().to_ascii_lowercase().replace(['_', '.'], "-");
        Preset::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn names() -> String {
        Preset::ALL.map(Preset::as_str).join(", ")
    }

    /// Recognises a header; `Generic` when no tool's signature columns are all there.
    pub fn detect(header: &[String]) -> Preset {
        let has = |name: &str| header.iter().any(|h| h.trim().eq_ignore_ascii_case(name));
        if has("IsDeleted") && has("MasterRecordId") {
            Preset::Salesforce
        } else if has("Connected On") && has("URL") {
            Preset::Linkedin
        } else if has("Primary Email") && has("Display Name") {
            Preset::Thunderbird
        } else if has("Record ID")
            && (has("Account Name")
                || has("Mailing Zip")
                || has("Contact Owner") && has("Mailing Street"))
        {
            Preset::Zoho
        } else if has("Record ID") {
            Preset::Hubspot
        } else if has("Given Yomi") || has("Surname Yomi") {
            Preset::OutlookCom
        } else if has("Given Name") && has("Family Name") {
            Preset::GoogleLegacy
        } else if has("First Name")
            && (has("Labels") || has("Organization Name"))
            && has("E-mail 1 - Value")
        {
            Preset::Google
        } else if has("E-mail Address") && has("Business Phone") {
            Preset::Outlook
        } else {
            Preset::Generic
        }
    }

    /// What a column of this tool holds; `None` when nothing is known about it.
    pub fn field(self, header: &str) -> Option<Field> {
        let h = header.trim().to_ascii_lowercase();
        let specific = match self {
            Preset::Google | Preset::GoogleLegacy => google(&h),
            Preset::Outlook | Preset::OutlookCom => outlook(&h),
            Preset::Salesforce => salesforce(&h),
            Preset::Hubspot => hubspot(&h),
            Preset::Zoho => zoho(&h),
            Preset::Linkedin => linkedin(&h),
            Preset::Thunderbird => thunderbird(&h),
            Preset::Generic => None,
        };
        specific.or_else(|| generic(&h))
    }
}

/// `e-mail 2 - value` → (`e-mail`, 2, `value`).
fn numbered(h: &str) -> Option<(&str, u32, &str)> {
    let (head, tail) = h.split_once(" - ")?;
    let (kind, n) = head.rsplit_once(' ')?;
    Some((kind, n.parse().ok()?, tail))
}

fn google(h: &str) -> Option<Field> {
    if let Some((kind, n, part)) = numbered(h) {
        return Some(match (kind, part) {
            ("e-mail", "value") => Field::Email,
            ("phone", "value") => Field::Phone,
            ("organization", "name") if n == 1 => Field::Company,
            ("address", "street") if n == 1 => Field::Street,
            ("address", "extended address") if n == 1 => Field::Street,
            ("address", "city") if n == 1 => Field::City,
            ("address", "region") if n == 1 => Field::Region,
            ("address", "postal code") if n == 1 => Field::PostalCode,
            ("address", "country") if n == 1 => Field::Country,
            _ => Field::Ignore,
        });
    }
    Some(match h {
        "name" => Field::Name,
        "given name" | "first name" => Field::FirstName,
        "additional name" | "middle name" => Field::MiddleName,
        "family name" | "last name" => Field::LastName,
        "organization name" => Field::Company,
        "labels" | "group membership" => Field::Tags,
        "notes" => Field::Notes,
        "birthday" => Field::Birthday,
        _ => return None,
    })
}

fn outlook(h: &str) -> Option<Field> {
    Some(match h {
        "e-mail address" | "e-mail 2 address" | "e-mail 3 address" => Field::Email,
        "business street" | "business street 2" | "business street 3" => Field::Street,
        "business city" => Field::City,
        "business state" => Field::Region,
        "business postal code" => Field::PostalCode,
        "business country/region" | "business country" => Field::Country,
        "primary phone" | "business phone" | "business phone 2" | "mobile phone" | "home phone"
        | "home phone 2" | "other phone" | "company main phone" => Field::Phone,
        "categories" => Field::Tags,
        h if h.starts_with("home ") || h.starts_with("other ") => Field::Ignore,
        h if h.ends_with(" phone") || h.ends_with(" fax") || h.starts_with("e-mail") => {
            Field::Ignore
        }
        _ => return None,
    })
}

fn salesforce(h: &str) -> Option<Field> {
    Some(match h {
        "id" => Field::ExternalId,
        "firstname" => Field::FirstName,
        "middlename" => Field::MiddleName,
        "lastname" => Field::LastName,
        "name" => Field::Ignore,
        "email" => Field::Email,
        "phone" | "mobilephone" | "homephone" | "otherphone" => Field::Phone,
        "mailingstreet" => Field::Street,
        "mailingcity" => Field::City,
        "mailingstate" => Field::Region,
        "mailingpostalcode" => Field::PostalCode,
        "mailingcountry" => Field::Country,
        "leadsource" => Field::Source,
        "birthdate" => Field::Birthday,
        "description" => Field::Notes,
        // Handled by the reader: deleted and merged-away records are skipped.
        "isdeleted" | "masterrecordid" => Field::Ignore,
        h if h.starts_with("other") || h.ends_with("id") || h.ends_with("date") => Field::Ignore,
        _ => return None,
    })
}

fn hubspot(h: &str) -> Option<Field> {
    Some(match h {
        "record id" => Field::ExternalId,
        "phone number" | "mobile phone number" => Field::Phone,
        "company name" | "associated company" => Field::Company,
        "street address" => Field::Street,
        "state/region" => Field::Region,
        "country/region" => Field::Country,
        "original source" | "original traffic source" => Field::Source,
        "marketing contact status" => Field::Ignore,
        _ => return None,
    })
}

fn zoho(h: &str) -> Option<Field> {
    Some(match h {
        "record id" => Field::ExternalId,
        "account name" => Field::Company,
        "email" | "secondary email" => Field::Email,
        "phone" | "mobile" | "home phone" | "other phone" => Field::Phone,
        "mailing street" => Field::Street,
        "mailing city" => Field::City,
        "mailing state" => Field::Region,
        "mailing zip" => Field::PostalCode,
        "mailing country" => Field::Country,
        "lead source" => Field::Source,
        "date of birth" => Field::Birthday,
        "description" => Field::Notes,
        "full name" => Field::Name,
        h if h.starts_with("other ") => Field::Ignore,
        _ => return None,
    })
}

fn linkedin(h: &str) -> Option<Field> {
    Some(match h {
        "url" | "position" | "connected on" => Field::Ignore,
        _ => return None,
    })
}

fn thunderbird(h: &str) -> Option<Field> {
    Some(match h {
        "display name" => Field::Name,
        "primary email" | "secondary email" => Field::Email,
        "work phone" | "home phone" | "mobile number" => Field::Phone,
        "work address" | "work address 2" => Field::Street,
        "work city" => Field::City,
        "work state" => Field::Region,
        "work zipcode" => Field::PostalCode,
        "work country" => Field::Country,
        "organization" => Field::Company,
        h if h.starts_with("home ") || h.starts_with("custom ") || h.starts_with("birth ") => {
            Field::Ignore
        }
        _ => return None,
    })
}

/// English column names and their common variants, whatever wrote the file.
fn generic(h: &str) -> Option<Field> {
    let h = h.trim_matches(|c: char| c == '*' || c.is_whitespace());
    Some(match h {
        "name" | "full name" | "contact name" | "customer" | "customer name" | "contact"
        | "display name" => Field::Name,
        "first name" | "firstname" | "given name" | "first" | "forename" => Field::FirstName,
        "middle name" | "middlename" | "middle" => Field::MiddleName,
        "last name" | "lastname" | "surname" | "family name" | "last" => Field::LastName,
        "company" | "company name" | "organization" | "organisation" | "org" | "account"
        | "account name" | "business" => Field::Company,
        "email" | "e-mail" | "email address" | "e-mail address" | "mail" | "emails" | "email 1"
        | "email 2" | "secondary email" | "work email" | "personal email" => Field::Email,
        "phone" | "telephone" | "tel" | "phone number" | "mobile" | "mobile phone" | "cell"
        | "cell phone" | "phones" | "phone 1" | "phone 2" | "work phone" | "home phone" => {
            Field::Phone
        }
        "street" | "address" | "street address" | "address 1" | "address line 1"
        | "address line 2" | "address 2" => Field::Street,
        "city" | "town" => Field::City,
        "state" | "region" | "province" | "county" => Field::Region,
        "postal code" | "postcode" | "zip" | "zip code" | "zipcode" | "postal_code" => {
            Field::PostalCode
        }
        "country" | "country/region" | "nation" => Field::Country,
        "tags" | "tag" | "labels" | "groups" | "categories" | "category" => Field::Tags,
        "status" | "lifecycle stage" | "stage" => Field::Status,
        "source" | "lead source" => Field::Source,
        "notes" | "note" | "comments" | "description" => Field::Notes,
        "id" | "external id" | "external_id" => Field::ExternalId,
        "birthday" | "date of birth" | "dob" | "birth date" | "birthdate" => Field::Birthday,
        "marketing consent" | "consent" | "email opt in" => Field::Consent,
        "consent date" => Field::ConsentDate,
        "kind" | "type" => Field::Kind,
        "kasefet id" => Field::ExternalId,
        "national id" => Field::NationalId,
        "private notes" => Field::PrivateNotes,
        "payment last4" | "payment last 4" => Field::PaymentLast4,
        "job title" | "title" | "position" | "department" | "created" | "created at"
        | "updated at" | "owner" | "website" | "url" => Field::Ignore,
        _ => return None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn h(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headers_name_their_tool() {
        assert_eq!(
            Preset::detect(&h(&["Id", "IsDeleted", "MasterRecordId", "LastName"])),
            Preset::Salesforce
        );
        assert_eq!(
            Preset::detect(&h(&[
                "First Name",
                "Last Name",
                "URL",
                "Email Address",
                "Connected On"
            ])),
            Preset::Linkedin
        );
        assert_eq!(Preset::detect(&h(&["Record ID", "Email"])), Preset::Hubspot);
        assert_eq!(
            Preset::detect(&h(&["Record Id", "Contact Owner", "Account Name"])),
            Preset::Zoho
        );
        assert_eq!(Preset::detect(&h(&["Name", "Email"])), Preset::Generic);
    }

    #[test]
    fn numbered_groups() {
        assert_eq!(Preset::Google.field("E-mail 2 - Value"), Some(Field::Email));
        assert_eq!(Preset::Google.field("Phone 3 - Value"), Some(Field::Phone));
        assert_eq!(
            Preset::Google.field("Address 2 - City"),
            Some(Field::Ignore)
        );
        assert_eq!(Preset::Google.field("Address 1 - City"), Some(Field::City));
    }
}
