//! man/kasefet.1 cannot drift from the clap tree: every command and long option appears.

use clap::CommandFactory;

fn walk(cmd: &clap::Command, path: &str, man: &str, missing: &mut Vec<String>) {
    for arg in cmd.get_arguments() {
        if let Some(long) = arg.get_long() {
            let escaped = format!("\\-\\-{}", long.replace('-', "\\-"));
            if !man.contains(&escaped) {
                missing.push(format!("{path} --{long}"));
            }
        }
    }
    for sub in cmd.get_subcommands() {
        let name = sub.get_name();
        if name == "help" {
            continue;
        }
        if !man.contains(&name.replace('-', "\\-")) {
            missing.push(format!("{path} {name}"));
        }
        walk(sub, &format!("{path} {name}"), man, missing);
    }
}

#[test]
fn the_man_page_names_every_command_and_option() {
    let man = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/man/kasefet.1"))
        .unwrap_or_default();
    let mut missing = Vec::new();
    walk(&kasefet::cli::Cli::command(), "kasefet", &man, &mut missing);
    assert!(
        missing.is_empty(),
        "man/kasefet.1 does not mention: {missing:#?}"
    );
}

#[test]
fn the_man_page_lists_every_exit_code() {
    let man = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/man/kasefet.1"))
        .unwrap_or_default();
    for line in kasefet::cli::args::EXIT_CODES.lines().skip(1) {
        let code = line.split_whitespace().next().unwrap_or_default();
        assert!(
            man.contains(&format!(".B {code}\n")),
            "exit code {code} missing from man/kasefet.1"
        );
    }
}

#[test]
fn the_config_man_page_documents_every_shipped_key() {
    let man = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/man/kasefet.toml.5"))
        .unwrap_or_default();
    let mut missing = Vec::new();
    for line in kasefet::config::EXAMPLE.lines() {
        let l = line.trim().trim_start_matches('#').trim();
        let Some((key, _)) = l.split_once(" = ") else {
            continue;
        };
        if key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            && !man.contains(&format!(".B {key}"))
        {
            missing.push(key.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "man/kasefet.toml.5 does not document: {missing:?}"
    );
}
