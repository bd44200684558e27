//! Deposed objects: the old copy of a create-before-delete replacement is in the state as a
//! pending delete before the new copy is created, and whichever run gets to its delete phase
//! deletes it, exactly once. Lost create answers are found again, never created twice.

use crate::plan::Action;
use crate::testing::fake::Op;
use crate::testing::{Harness, summary};

fn group(description: &str) -> String {
    format!(
        r#"
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: {description}
"#
    )
}

/// Applies `group(first)`, then plans the replacement to `group(second)`: (old id, plan).
async fn applied_then_replaced(h: &Harness) -> String {
    h.template(&group("first"));
    let report = h.apply().await;
    assert!(report.succeeded(), "{}", summary(&report));
    h.template(&group("second"));
    h.world.forget_calls();
    h.physical_id("Group").await
}

#[tokio::test]
async fn the_old_copy_is_recorded_as_deposed_before_the_new_one_is_created() {
    let h = Harness::new();
    let old = applied_then_replaced(&h).await;
    h.world.watch(h.store.clone(), h.key());
    let report = h.apply().await;
    assert!(report.succeeded(), "{}", summary(&report));

    let seen = h.world.seen_at_create();
    assert_eq!(seen.len(), 1, "{seen:#?}");
    assert_eq!(seen[0].deposed, std::slice::from_ref(&old));
    let w = &h.world;
    assert!(w.position(Op::Create, "Group") < w.position(Op::Delete, "Group"));
    assert_eq!(w.calls()[w.position(Op::Delete, "Group")].physical_id, old);
    let state = h.state().await;
    assert!(state.deposed.is_empty(), "{:?}", state.deposed);
    assert_eq!(w.owned_by("Group"), [h.physical_id("Group").await]);
}

#[tokio::test]
async fn a_run_stopped_before_the_old_copy_was_deleted_leaves_it_deposed_and_the_next_deletes_it_once()
 {
    let h = Harness::new();
    let old = applied_then_replaced(&h).await;
    // The run stops between the new create and the old delete (here: the delete fails).
    h.world.fail(Op::Delete, "Group");
    let report = h.apply().await;
    assert_eq!(report.failures.len(), 1, "{}", summary(&report));
    assert_eq!(report.failures[0].operation, "delete (deposed)");
    let state = h.state().await;
    let new = h.physical_id("Group").await;
    assert_ne!(new, old);
    let deposed: Vec<&str> = state
        .deposed
        .iter()
        .map(|d| d.physical_id.as_str())
        .collect();
    assert_eq!(deposed, [old.as_str()]);

    // The next plan shows the pending delete; the apply carries it out, once.
    h.world.heal();
    h.world.forget_calls();
    let planned = h.plan().await;
    let changes = &planned.plan.stacks[0].changes;
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].action, Action::Delete);
    assert_eq!(changes[0].physical_id.as_deref(), Some(old.as_str()));
    assert!(crate::plan::is_deposed(&changes[0]));
    let report = h.apply_planned(planned).await;
    assert!(report.succeeded(), "{}", summary(&report));
    let deletes: Vec<String> = h
        .world
        .calls()
        .into_iter()
        .filter(|c| c.op == Op::Delete)
        .map(|c| c.physical_id)
        .collect();
    assert_eq!(deletes, [old]);
    assert!(h.world.logical_ids(Op::Create).is_empty());
    assert!(h.state().await.deposed.is_empty());
    assert_eq!(h.world.owned_by("Group"), [new]);

    // Nothing is left to do.
    h.world.forget_calls();
    assert!(!h.plan().await.plan.has_changes());
}

#[tokio::test]
async fn destroy_deletes_deposed_copies_too() {
    let h = Harness::new();
    let old = applied_then_replaced(&h).await;
    h.world.fail(Op::Delete, "Group");
    assert!(!h.apply().await.succeeded());
    h.world.heal();
    let report = h.destroy().await;
    assert!(report.succeeded(), "{}", summary(&report));
    assert!(
        h.world.owned_by("Group").is_empty(),
        "{old} or the new copy is left"
    );
    assert!(h.state().await.deposed.is_empty());
}

#[tokio::test]
async fn a_failed_create_of_the_new_copy_leaves_the_old_one_current_and_not_deposed() {
    let h = Harness::new();
    let old = applied_then_replaced(&h).await;
    h.world.fail(Op::Create, "Group");
    let report = h.apply().await;
    assert_eq!(report.failures.len(), 1, "{}", summary(&report));
    let state = h.state().await;
    assert_eq!(state.resources["Group"].physical_id, old);
    assert_eq!(state.deposed_to_delete().count(), 0);
    assert!(h.world.live(&old).is_some());
    assert!(h.world.logical_ids(Op::Delete).is_empty());
}

#[tokio::test]
async fn a_replacement_created_but_never_recorded_is_adopted_not_the_old_copy() {
    let h = Harness::new();
    let old = applied_then_replaced(&h).await;
    // The new copy is created, but the run dies before recording it.
    h.world.lose_create_answer("Group");
    assert!(!h.apply().await.succeeded());
    assert_eq!(h.world.owned_by("Group").len(), 2);

    // The next run finds the new copy (by the ownership tags, skipping the old one).
    h.world.heal();
    h.world.forget_calls();
    let report = h.apply().await;
    assert!(report.succeeded(), "{}", summary(&report));
    assert!(
        h.world.logical_ids(Op::Create).is_empty(),
        "{:#?}",
        h.world.calls()
    );
    let new = h.physical_id("Group").await;
    assert_ne!(new, old);
    assert_eq!(h.world.owned_by("Group"), [new]);
    let state = h.state().await;
    assert!(
        state.pending.is_empty() && state.deposed.is_empty(),
        "{state:#?}"
    );
}

#[tokio::test]
async fn a_dropped_create_answer_is_found_in_the_same_run_not_created_twice() {
    let h = Harness::new();
    h.template(&group("first"));
    h.world.drop_create_answers("Group", 1);
    let report = h.apply().await;
    assert!(report.succeeded(), "{}", summary(&report));
    let w = &h.world;
    assert_eq!(w.logical_ids(Op::Create), ["Group"]);
    assert!(w.position(Op::Create, "Group") < w.position(Op::Find, "Group"));
    assert_eq!(w.owned_by("Group"), [h.physical_id("Group").await]);
    assert!(h.state().await.pending.is_empty());
}

#[tokio::test]
async fn a_dropped_answer_of_a_named_create_is_found_by_its_name() {
    let h = Harness::new();
    h.template(
        r#"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: []
"#,
    );
    h.world.drop_create_answers("Role", 2);
    let report = h.apply().await;
    assert!(report.succeeded(), "{}", summary(&report));
    // The first create got through: it is found, never sent again.
    assert_eq!(h.world.logical_ids(Op::Create), ["Role"]);
    assert_eq!(h.world.owned_by("Role"), [h.physical_id("Role").await]);
}

#[tokio::test]
async fn a_deposed_entry_a_killed_run_left_is_deleted_by_the_next_apply_exactly_once() {
    use crate::state::StateStore;
    use crate::state::model::DeposedObject;
    let h = Harness::new();
    h.template(&group("first"));
    assert!(h.apply().await.succeeded());
    // What a run killed between the new create and the old delete leaves behind: the old copy
    // still live, recorded as deposed.
    h.world
        .put_live("group-old", crate::resources::Props::new());
    let (doc, etag) = h.store.get(&h.key()).await.unwrap().unwrap();
    let mut doc = doc.next_serial();
    doc.deposed.push(DeposedObject {
        id: "d1".into(),
        logical_id: "Group".into(),
        resource_type: "AWS::EC2::SecurityGroup".into(),
        physical_id: "group-old".into(),
        properties: serde_json::json!({"GroupDescription": "zero"}),
        final_snapshot: false,
        dependencies: Vec::new(),
        deposed_at: crate::state::timestamp::Timestamp::now(),
    });
    h.store.put(&h.key(), &doc, Some(&etag)).await.unwrap();

    h.world.forget_calls();
    let report = h.apply().await;
    assert!(report.succeeded(), "{}", summary(&report));
    let deletes: Vec<String> = h
        .world
        .calls()
        .into_iter()
        .filter(|c| c.op == Op::Delete)
        .map(|c| c.physical_id)
        .collect();
    assert_eq!(deletes, ["group-old"]);
    assert!(h.world.live("group-old").is_none());
    assert!(h.state().await.deposed.is_empty());

    h.world.forget_calls();
    assert!(!h.plan().await.plan.has_changes());
    assert!(h.world.logical_ids(Op::Delete).is_empty());
}
