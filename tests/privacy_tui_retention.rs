//! Home tells admins when the next retention run is due to remove records, and nobody else.
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::domain::CustomerStatus;
use kasefet::privacy::retention::{Action, Rule};
use tui_common::*;

fn world_with_rules() -> World {
    let mut w = World::empty_with(|s| {
        s.retention_rules = vec![Rule {
            status: Some(CustomerStatus::Lead),
            inactive_months: 1,
            action: Action::Anonymise,
        }];
    });
    w.seed();
    w
}

#[test]
fn home_tells_an_admin_how_many_customers_the_next_run_removes() {
    let world = world_with_rules();
    let app = world.app("ada");
    let now = render(&app, 120, 40);
    assert!(now.contains("Retention nothing due"), "{now}");
    world.clock.advance(40 * 86_400);
    let app = world.app("ada");
    let later = render(&app, 120, 40);
    let line = later
        .lines()
        .find(|l| l.contains("Retention"))
        .unwrap_or_default()
        .to_string();
    assert!(line.contains("Retention 1 due at the next run"), "{later}");
    for role in ["maya", "sam"] {
        let app = world.app(role);
        let home = render(&app, 120, 40);
        assert!(!home.contains("Retention"), "{role}: {home}");
    }
}

#[test]
fn with_no_rules_home_says_nothing_about_retention() {
    let world = World::new();
    world.clock.advance(4000 * 86_400);
    let app = world.app("ada");
    let home = render(&app, 120, 40);
    assert!(!home.contains("Retention"), "{home}");
}
