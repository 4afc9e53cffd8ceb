//! vCard 2.1, 3.0 and 4.0 (RFC 2426, RFC 6350), read leniently, as phones and mail programs
//! write them: folded lines, quoted-printable with soft breaks and charsets, every spelling of
//! `TYPE=`, `itemN.` groups, RFC 6868 parameter escapes, `ALTID` alternatives.

use super::fields::{Field, RowBuilder};
use super::{ImportRow, Parsed, Reject};
use crate::domain::text;

/// One content line: `group.NAME;param=value:value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    pub params: Vec<(String, Vec<String>)>,
    pub value: String,
}

impl Property {
    fn param(&self, key: &str) -> Option<&[String]> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_slice())
    }

    /// 2.1 writes `TEL;WORK;VOICE`, 3.0 `TYPE=WORK,VOICE` or `type=work;type=pref`.
    fn has_type(&self, t: &str) -> bool {
        self.params.iter().any(|(k, vs)| {
            (k.eq_ignore_ascii_case("type") && vs.iter().any(|v| v.eq_ignore_ascii_case(t)))
                || (vs.is_empty() && k.eq_ignore_ascii_case(t))
        })
    }

    fn encoding(&self) -> Option<String> {
        if self.has_type("quoted-printable") {
            return Some("quoted-printable".into());
        }
        self.param("encoding")
            .and_then(|v| v.first())
            .map(|e| e.to_ascii_lowercase())
    }

    fn is_binary(&self) -> bool {
        matches!(self.encoding().as_deref(), Some("b" | "base64"))
            || self.value.trim_start().starts_with("data:")
    }

    /// The value as text: quoted-printable and its charset decoded.
    fn text(&self) -> String {
        if self.encoding().as_deref() != Some("quoted-printable") {
            return self.value.clone();
        }
        let bytes = quoted_printable(&self.value);
        let charset = self
            .param("charset")
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_else(|| "utf-8".into());
        let enc =
            encoding_rs::Encoding::for_label(charset.as_bytes()).unwrap_or(encoding_rs::UTF_8);
        enc.decode_without_bom_handling(&bytes).0.into_owned()
    }
}

fn quoted_printable(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// RFC 6868: `^n` newline, `^'` double quote, `^^` caret.
fn param_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '^' {
            match it.peek() {
                Some('n') => out.push('\n'),
                Some('\'') => out.push('"'),
                Some('^') => out.push('^'),
                _ => {
                    out.push('^');
                    continue;
                }
            }
            it.next();
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits on `sep` outside double quotes.
fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&s[start..]);
    parts
}

fn parse_line(line: &str) -> Option<Property> {
    let colon = {
        let mut quoted = false;
        line.char_indices().find_map(|(i, c)| {
            if c == '"' {
                quoted = !quoted;
            }
            (c == ':' && !quoted).then_some(i)
        })?
    };
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = split_outside_quotes(head, ';').into_iter();
    let name = parts.next()?.trim();
    // `item1.EMAIL`: the group only ties labels to values; the property is what counts.
    let name = name
        .rsplit_once('.')
        .map_or(name, |(_, n)| n)
        .to_ascii_uppercase();
    let params = parts
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (
                k.trim().to_owned(),
                split_outside_quotes(v, ',')
                    .into_iter()
                    .map(|x| param_unescape(x.trim().trim_matches('"')))
                    .collect(),
            ),
            None => (p.trim().to_owned(), Vec::new()),
        })
        .collect();
    Some(Property {
        name,
        params,
        value: value.to_owned(),
    })
}

/// Physical lines → content lines: folding (a leading space or tab continues the line) and
/// quoted-printable soft breaks (a QP line ending in `=` continues on the next).
fn unfold(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut soft = false;
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if soft {
            if let Some(last) = out.last_mut() {
                last.pop();
                last.push_str(line.trim_start());
                soft = is_soft(last);
                continue;
            }
        }
        if (line.starts_with(' ') || line.starts_with('\t')) && !out.is_empty() {
            if let Some(last) = out.last_mut() {
                last.push_str(&line[1..]);
                soft = is_soft(last);
            }
            continue;
        }
        out.push(line.to_owned());
        soft = is_soft(line);
    }
    out
}

fn is_soft(line: &str) -> bool {
    line.ends_with('=')
        && line
            .split(':')
            .next()
            .is_some_and(|h| h.to_ascii_uppercase().contains("QUOTED-PRINTABLE"))
}

/// vCard text escapes: `\n` newline, `\,` `\;` `\:` `\\` the character itself.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits a structured value (`N`, `ADR`, `ORG`) on unescaped `;`, then unescapes each part.
fn components(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => {
                cur.push('\\');
                if let Some(n) = it.next() {
                    cur.push(n);
                }
            }
            ';' => parts.push(unescape(&std::mem::take(&mut cur))),
            c => cur.push(c),
        }
    }
    parts.push(unescape(&cur));
    parts
}

/// The cards of a file, each as its properties.
pub fn cards(text: &str) -> Vec<Vec<Property>> {
    let mut cards = Vec::new();
    let mut current: Option<Vec<Property>> = None;
    let mut depth = 0;
    for line in unfold(text) {
        let Some(p) = parse_line(&line) else { continue };
        let v = p.value.trim();
        if p.name == "BEGIN" && v.eq_ignore_ascii_case("vcard") {
            depth += 1;
            if depth == 1 {
                current = Some(Vec::new());
            }
        } else if p.name == "END" && v.eq_ignore_ascii_case("vcard") {
            depth -= 1;
            if depth == 0 {
                cards.extend(current.take());
            }
        } else if depth == 1 {
            if let Some(c) = current.as_mut() {
                c.push(p);
            }
        }
    }
    cards
}

fn card_to_row(n: u64, props: &[Property], out: &mut Parsed) -> Result<ImportRow, String> {
    let mut b = RowBuilder::default();
    let mut seen_altid: Vec<(String, String)> = Vec::new();
    let mut have_adr = false;
    let mut have_fn = false;
    let mut n_parts: Option<Vec<String>> = None;
    for p in props {
        if p.is_binary() {
            out.skipped_binary += 1;
            continue;
        }
        // Alternatives of one property (ALTID, usually by LANGUAGE): the first one counts.
        if let Some(id) = p.param("altid").and_then(|v| v.first()) {
            let key = (p.name.clone(), id.clone());
            if seen_altid.contains(&key) {
                continue;
            }
            seen_altid.push(key);
        }
        let value = p.text();
        let drops = &mut out.dropped;
        let mut add = |f: Field, v: &str, drops: &mut Vec<String>| {
            if let Err(e) = b.add(f, v) {
                drops.push(format!("card {n}: {e}"));
            }
        };
        match p.name.as_str() {
            "FN" if !have_fn => {
                have_fn = true;
                add(Field::Name, &unescape(&value), drops);
            }
            "N" if n_parts.is_none() => n_parts = Some(components(&value)),
            "ORG" => {
                if let Some(org) = components(&value).first() {
                    add(Field::Company, org, drops)
                }
            }
            "EMAIL" => {
                let e = unescape(&value);
                match text::email("email", &e) {
                    Ok(_) => add(Field::Email, &e, drops),
                    Err(err) => drops.push(format!("card {n}: {err}")),
                }
            }
            "TEL" => {
                let t = super::fields::clean_phone(&unescape(&value));
                match text::phone("phone", &t) {
                    Ok(_) => add(Field::Phone, &t, drops),
                    Err(err) => drops.push(format!("card {n}: {err}")),
                }
            }
            "ADR" if !have_adr => {
                have_adr = true;
                let c = components(&value);
                let part = |i: usize| c.get(i).map(|s| s.replace('\n', ", ")).unwrap_or_default();
                add(Field::Street, &part(1), drops);
                add(Field::Street, &part(2), drops);
                add(Field::City, &part(3), drops);
                add(Field::Region, &part(4), drops);
                add(Field::PostalCode, &part(5), drops);
                add(Field::Country, &part(6), drops);
            }
            "CATEGORIES" => {
                for t in value.split(',') {
                    add(Field::Tags, &unescape(t), drops)
                }
            }
            "NOTE" => add(Field::Notes, &unescape(&value), drops),
            "BDAY" => add(Field::Birthday, &value, drops),
            "UID" => add(Field::ExternalId, value.trim(), drops),
            "KIND" if value.trim().eq_ignore_ascii_case("org") => {
                add(Field::Kind, "company", drops)
            }
            "X-KASEFET-STATUS" => add(Field::Status, &value, drops),
            "X-KASEFET-SOURCE" => add(Field::Source, &unescape(&value), drops),
            "X-KASEFET-CONSENT" if value.trim().eq_ignore_ascii_case("yes") => {
                add(Field::Consent, "yes", drops)
            }
            "X-KASEFET-CONSENT" => add(Field::ConsentDate, &value, drops),
            "X-KASEFET-NATIONAL-ID" => add(Field::NationalId, &unescape(&value), drops),
            "X-KASEFET-PRIVATE-NOTES" => add(Field::PrivateNotes, &unescape(&value), drops),
            "X-KASEFET-PAYMENT-LAST4" => add(Field::PaymentLast4, &unescape(&value), drops),
            _ => {}
        }
    }
    if !have_fn {
        if let Some(c) = n_parts {
            let at = |i: usize| c.get(i).map(String::as_str).unwrap_or("");
            b.add(Field::FirstName, at(1))?;
            b.add(Field::MiddleName, at(2))?;
            b.add(Field::LastName, at(0))?;
        }
    }
    let external_id = b.external_id.clone();
    let (input, note) = b.finish(None)?;
    Ok(ImportRow {
        line: n,
        input,
        external_id,
        note,
    })
}

/// Every card of a file. Cards are numbered from 1 in `line`.
pub fn read(text: &str) -> Parsed {
    let mut out = Parsed {
        source: "vcard".into(),
        ..Parsed::default()
    };
    for (i, props) in cards(text).iter().enumerate() {
        let n = i as u64 + 1;
        match card_to_row(n, props, &mut out) {
            Ok(row) => out.rows.push(row),
            Err(reason) => out.rejects.push(Reject {
                line: n,
                reason,
                cells: Vec::new(),
            }),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn folding_qp_and_params() {
        let t = "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=91=\r\n=20X;Y;;;\r\nTEL;WORK;VOICE:(905) 555-1234\r\nEMAIL;type=INTERNET;type=pref:a@b.org\r\nADR;TYPE=work;LABEL=\"a^nb^'c\":;;1 Main\r\n  St;Town;;123;Land\r\nEND:VCARD\r\n";
        let p = read(t);
        assert_eq!(p.rejects, []);
        let r = &p.rows[0];
        assert_eq!(r.input.name, "Y Ñ X");
        assert_eq!(r.input.phones, ["(905) 555-1234"]);
        assert_eq!(r.input.emails, ["a@b.org"]);
        assert_eq!(r.input.address.street.as_deref(), Some("1 Main St"));
        let c = cards(t);
        let adr = c[0].iter().find(|p| p.name == "ADR").unwrap();
        assert_eq!(adr.param("label").unwrap()[0], "a\nb\"c");
    }

    #[test]
    fn altid_keeps_the_first_and_photos_are_counted() {
        let t = "BEGIN:VCARD\nVERSION:4.0\nFN;ALTID=1;LANGUAGE=en:Yamada Taro\nFN;ALTID=1;LANGUAGE=ja:山田太郎\nPHOTO;ENCODING=b;TYPE=JPEG:AAAA\n BBBB\nitem1.TEL:+1 555 123 4567\nEND:VCARD\n";
        let p = read(t);
        assert_eq!(p.rows[0].input.name, "Yamada Taro");
        assert_eq!(p.rows[0].input.phones, ["+1 555 123 4567"]);
        assert_eq!(p.skipped_binary, 1);
    }
}
