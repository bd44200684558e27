//! A failure stops what depends on the failed resource, and only that.

use super::CHAIN;
use crate::plan::Action;
use crate::testing::fake::Op;
use crate::testing::{Harness, summary};

#[tokio::test]
async fn a_failed_create_stops_its_dependents_only() {
    let h = Harness::new();
    h.template(CHAIN);
    h.world.fail(Op::Create, "Role");
    let report = h.apply().await;

    assert!(!report.succeeded());
    assert_eq!(report.failures.len(), 1, "{}", summary(&report));
    let failure = &report.failures[0];
    assert_eq!(
        (failure.logical_id.as_str(), failure.operation.as_str()),
        ("Role", "create")
    );
    assert_eq!(
        failure.to_string(),
        "stack app, resource Role (AWS::IAM::Role): create failed: FakeFailure: Create of Role failed on purpose"
    );
    let mut skipped = report.skipped.clone();
    skipped.sort();
    assert_eq!(
        skipped,
        [
            ("app.Logs".to_string(), "app.Role".to_string()),
            ("app.Policy".to_string(), "app.Role".to_string()),
        ]
    );
    // The independent log group was applied and recorded; the dependents were never tried.
    assert_eq!(report.applied, 1);
    let mut created = h.world.logical_ids(Op::Create);
    created.sort();
    assert_eq!(created, ["Other", "Role"]);
    let state = h.state().await;
    let recorded: Vec<&String> = state.resources.keys().collect();
    assert_eq!(recorded, ["Other"]);
}

#[tokio::test]
async fn the_next_apply_creates_what_failed_under_the_name_it_recorded() {
    let h = Harness::new();
    h.template(CHAIN);
    h.world.fail(Op::Create, "Role");
    assert!(!h.apply().await.succeeded());
    // The failed create stays pending, with the name it was given.
    let pending = h.state().await.pending;
    assert_eq!(pending.len(), 1, "{pending:?}");
    let name = pending[0].physical_id.clone().expect("a generated name");

    h.world.heal();
    let planned = h.plan().await;
    let actions: Vec<(String, Action)> = planned.plan.stacks[0]
        .changes
        .iter()
        .map(|c| (c.logical_id.clone(), c.action))
        .collect();
    assert!(
        actions.contains(&("Role".into(), Action::Create)),
        "{actions:?}"
    );
    assert!(!actions.iter().any(|(id, _)| id == "Other"), "{actions:?}");
    let report = h.apply_planned(planned).await;
    assert!(report.succeeded(), "{}", summary(&report));
    assert_eq!(h.physical_id("Role").await, name);
    assert!(h.state().await.pending.is_empty());
}

#[tokio::test]
async fn a_failed_delete_keeps_what_it_depends_on() {
    let h = Harness::new();
    h.template(CHAIN);
    assert!(h.apply().await.succeeded());
    h.world.forget_calls();
    h.world.fail(Op::Delete, "Logs");

    let report = h.destroy().await;
    assert_eq!(report.failures.len(), 1, "{}", summary(&report));
    assert_eq!(report.failures[0].operation, "delete");
    assert_eq!(
        report.skipped,
        [("app.Role".to_string(), "app.Logs".to_string())]
    );
    // The policy (a dependent) and the unrelated log group are gone; the role stays recorded.
    assert_eq!(report.applied, 2);
    let state = h.state().await;
    let recorded: Vec<&String> = state.resources.keys().collect();
    assert_eq!(recorded, ["Logs", "Role"]);
    assert!(
        !h.world
            .logical_ids(Op::Delete)
            .contains(&"Role".to_string())
    );
}
