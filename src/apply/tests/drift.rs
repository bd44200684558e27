//! A plan with fake handlers: nothing to do after an apply, drift when the fake's `read`
//! returns a changed property, and the apply that repairs it.

use super::CHAIN;
use crate::plan::Action;
use crate::testing::fake::Op;
use crate::testing::{Harness, summary};
use serde_json::json;

#[tokio::test]
async fn a_plan_after_apply_is_empty() {
    let h = Harness::new();
    h.template(CHAIN);
    assert!(h.apply().await.succeeded());
    let planned = h.plan().await;
    let changes = &planned.plan.stacks[0].changes;
    assert!(changes.is_empty(), "{changes:#?}");
    // Refresh read every recorded resource through its handler.
    assert_eq!(h.world.logical_ids(Op::Read).len(), 4);
}

#[tokio::test]
async fn a_property_changed_in_aws_is_drift_and_apply_repairs_it() {
    let h = Harness::new();
    h.template(CHAIN);
    assert!(h.apply().await.succeeded());
    let logs = h.physical_id("Logs").await;
    h.world.set_live(&logs, "RetentionInDays", json!(30));

    let planned = h.plan().await;
    let changes = &planned.plan.stacks[0].changes;
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let change = &changes[0];
    assert_eq!(
        (change.logical_id.as_str(), change.action),
        ("Logs", Action::Update)
    );
    let property = &change.properties[0];
    assert_eq!(property.path, "RetentionInDays");
    assert!(property.drift, "{property:?}");
    assert_eq!((&property.before, &property.after), (&json!(30), &json!(7)));

    h.world.forget_calls();
    let report = h.apply_planned(planned).await;
    assert!(report.succeeded(), "{}", summary(&report));
    assert_eq!(h.world.logical_ids(Op::Update), ["Logs"]);
    assert_eq!(h.world.live(&logs).unwrap()["RetentionInDays"], json!(7));
}

#[tokio::test]
async fn a_resource_deleted_in_aws_is_planned_again() {
    let h = Harness::new();
    h.template(CHAIN);
    assert!(h.apply().await.succeeded());
    let other = h.physical_id("Other").await;
    h.world.forget_calls();
    // Deleted behind fuelflow's back.
    let ctx = h.engine.ctx("app", "Other");
    crate::resources::Handler::delete(
        h.engine.registry.get("AWS::Logs::LogGroup").unwrap(),
        &ctx,
        &other,
        &Default::default(),
    )
    .await
    .unwrap();

    let planned = h.plan().await;
    let changes = &planned.plan.stacks[0].changes;
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(
        (changes[0].logical_id.as_str(), changes[0].action),
        ("Other", Action::Create)
    );
}
