//! What the memory state store holds as the apply goes: a pending create before each create
//! call, each resource once applied, and a create whose answer was lost adopted next time.

use super::CHAIN;
use crate::testing::fake::Op;
use crate::testing::{Harness, summary};

#[tokio::test]
async fn the_state_holds_each_resource_after_apply() {
    let h = Harness::new();
    h.template(CHAIN);
    let report = h.apply().await;
    assert!(report.succeeded(), "{}", summary(&report));

    let state = h.state().await;
    let recorded: Vec<&String> = state.resources.keys().collect();
    assert_eq!(recorded, ["Logs", "Other", "Policy", "Role"]);
    for (logical_id, r) in &state.resources {
        assert!(
            h.world.live(&r.physical_id).is_some(),
            "{logical_id}: {} is not in the fake cloud",
            r.physical_id
        );
        assert_eq!(r.attributes["Arn"], format!("arn:fake:{}", r.physical_id));
    }
    // Dependencies are recorded, so a later delete knows the order without the template.
    assert_eq!(state.resources["Logs"].dependencies, ["Role"]);
    assert_eq!(state.resources["Policy"].dependencies, ["Logs"]);
    assert!(state.pending.is_empty(), "{:?}", state.pending);
    assert!(state.serial > 0);
}

#[tokio::test]
async fn a_pending_create_is_recorded_before_the_handler_creates() {
    let h = Harness::new();
    h.template(CHAIN);
    h.world.watch(h.store.clone(), h.key());
    let report = h.apply().await;
    assert!(report.succeeded(), "{}", summary(&report));

    let seen = h.world.seen_at_create();
    assert_eq!(seen.len(), 4, "{seen:#?}");
    for s in &seen {
        assert!(
            s.pending.contains(&s.logical_id) && !s.recorded.contains(&s.logical_id),
            "the create of {} found {s:?} in the stored state",
            s.logical_id
        );
    }
}

#[tokio::test]
async fn each_resource_is_checkpointed_before_its_dependents_are_created() {
    let h = Harness::new();
    h.template(CHAIN);
    h.world.watch(h.store.clone(), h.key());
    assert!(h.apply().await.succeeded());

    let seen = h.world.seen_at_create();
    let policy = seen.iter().find(|s| s.logical_id == "Policy").unwrap();
    for dependency in ["Role", "Logs"] {
        assert!(
            policy.recorded.contains(&dependency.to_string()),
            "{dependency} was not in the stored state when Policy was created: {policy:?}"
        );
    }
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_adopted_not_duplicated() {
    let h = Harness::new();
    h.template(CHAIN);
    h.world.lose_create_answer("Role");
    let report = h.apply().await;
    assert_eq!(report.failures.len(), 1, "{}", summary(&report));
    let pending = h.state().await.pending;
    let name = pending[0]
        .physical_id
        .clone()
        .expect("the name was recorded");
    assert!(
        h.world.live(&name).is_some(),
        "the role exists in the cloud"
    );

    h.world.heal();
    h.world.forget_calls();
    let report = h.apply().await;
    assert!(report.succeeded(), "{}", summary(&report));
    let w = &h.world;
    assert!(!w.logical_ids(Op::Create).contains(&"Role".to_string()));
    assert!(w.position(Op::Find, "Role") < w.position(Op::Update, "Role"));
    assert_eq!(h.physical_id("Role").await, name);
    let roles = w
        .physical_ids()
        .into_iter()
        .filter(|id| id.starts_with("app-Role-"))
        .count();
    assert_eq!(roles, 1);
    assert!(h.state().await.pending.is_empty());
}
