//! `customer show` lists the tasks linked to the customer (the ones the caller may read).
#![allow(clippy::unwrap_used)]

mod common;

fn batch(dir: &std::path::Path, secret: &kasefet::auth::totp::TotpSecret, script: &str) -> String {
    let out = common::batch_as_dana(dir, secret, script);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn customer_show_lists_the_linked_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let secret = common::init_with_binary(dir.path(), "");
    let text = batch(
        dir.path(),
        &secret,
        "customer add --name Linked\ncustomer add --name Alone\ntask add --title \"Send the offer\" --customer 1 --due 2030-01-02\ncustomer show 2\ncustomer show 1\n",
    );
    // Customer 2 has none, so the only list is customer 1's, shown last.
    assert_eq!(text.matches("linked tasks").count(), 1, "{text}");
    let one = &text[text.rfind("Linked").unwrap()..];
    assert!(one.contains("linked tasks (1):"), "{one}");
    let line = one.lines().find(|l| l.contains("Send the offer")).unwrap();
    assert!(
        line.contains("open") && line.contains("2030-01-02"),
        "{line}"
    );
}
