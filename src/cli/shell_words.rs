//! Splits a `batch` line into words the way a POSIX shell would for simple quoting:
//! single quotes, double quotes (with `\"` and `\\`), and backslash escapes.

pub fn split(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => cur.push(ch),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\')) => cur.push(ch),
                            Some(ch) => {
                                cur.push('\\');
                                cur.push(ch);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(ch) => cur.push(ch),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(ch) = chars.next() {
                    cur.push(ch);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::split;

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(
            split(r#"customer add --name "Noa Levi" --tag 'v i p' a\ b"#).unwrap(),
            vec![
                "customer", "add", "--name", "Noa Levi", "--tag", "v i p", "a b"
            ]
        );
        assert_eq!(split(r#"x "a \"q\" b""#).unwrap(), vec!["x", r#"a "q" b"#]);
        assert!(split("x 'open").is_err());
        assert_eq!(split("  ").unwrap(), Vec::<String>::new());
    }
}
