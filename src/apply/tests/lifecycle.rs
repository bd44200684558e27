//! Lifecycle controls and targeted runs with fake handlers: an ignored property is sent at
//! create but neither diffed nor sent by an update, `--replace` replaces what nothing changed,
//! `--refresh-only` writes the live values into the state without a handler call, and
//! `Protect` refuses a plan that would replace.

use crate::plan::run::{PlanError, PlanRequest};
use crate::plan::{Action, REPLACE_REQUESTED};
use crate::testing::fake::Op;
use crate::testing::{Harness, summary};
use serde_json::json;

fn group(retention: u32, extra: &str) -> String {
    format!(
        "Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Metadata:
      fuelflow:
        IgnoreChanges: [RetentionInDays]
{extra}    Properties:
      RetentionInDays: {retention}
      KmsKeyId: key-1
"
    )
}

fn request() -> PlanRequest {
    PlanRequest {
        refresh: true,
        ..PlanRequest::default()
    }
}

#[tokio::test]
async fn an_ignored_property_is_sent_at_create_and_then_left_to_aws() {
    let h = Harness::new();
    h.template(&group(7, ""));
    assert!(h.apply().await.succeeded());
    let logs = h.physical_id("Logs").await;
    assert_eq!(h.world.live(&logs).unwrap()["RetentionInDays"], json!(7));

    // An autoscaler-like change in AWS: not drift.
    h.world.set_live(&logs, "RetentionInDays", json!(30));
    let planned = h.plan().await;
    assert!(
        planned.plan.stacks[0].changes.is_empty(),
        "{:#?}",
        planned.plan
    );

    // Another property changes: the update sends what AWS has for the ignored one.
    h.template(&group(14, "").replace("key-1", "key-2"));
    let planned = h.plan().await;
    let paths: Vec<&str> = planned.plan.stacks[0].changes[0]
        .properties
        .iter()
        .map(|p| p.path.as_str())
        .collect();
    assert_eq!(paths, ["KmsKeyId"]);
    h.world.forget_calls();
    let report = h.apply_planned(planned).await;
    assert!(report.succeeded(), "{}", summary(&report));
    let updates: Vec<_> = h
        .world
        .calls()
        .into_iter()
        .filter(|c| c.op == Op::Update)
        .collect();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].props["RetentionInDays"], json!(30));
    assert_eq!(updates[0].props["KmsKeyId"], json!("key-2"));
    assert_eq!(h.world.live(&logs).unwrap()["RetentionInDays"], json!(30));
    let state = h.state().await;
    assert_eq!(
        state.resources["Logs"].properties["RetentionInDays"],
        json!(30)
    );
}

#[tokio::test]
async fn replace_requested_replaces_an_unchanged_resource() {
    let h = Harness::new();
    h.template(&group(7, ""));
    assert!(h.apply().await.succeeded());
    let old = h.physical_id("Logs").await;
    let planned = h
        .plan_request(PlanRequest {
            replace: vec!["Logs".into()],
            ..request()
        })
        .await
        .unwrap();
    let change = &planned.plan.stacks[0].changes[0];
    assert_eq!(
        (change.action, change.reason.as_deref()),
        (Action::Replace, Some(REPLACE_REQUESTED))
    );
    let report = h.apply_planned(planned).await;
    assert!(report.succeeded(), "{}", summary(&report));
    let new = h.physical_id("Logs").await;
    assert_ne!(new, old);
    assert!(h.world.live(&old).is_none(), "the old copy is deleted");
    assert!(h.world.live(&new).is_some());
}

#[tokio::test]
async fn a_protected_resource_refuses_the_replacement_asked_for() {
    let h = Harness::new();
    h.template(&group(7, "        Protect: true\n"));
    assert!(h.apply().await.succeeded());
    let state = h.state().await;
    assert!(crate::plan::lifecycle::recorded_protected(
        &state.resources["Logs"]
    ));
    let refused = h
        .plan_request(PlanRequest {
            replace: vec!["Logs".into()],
            ..request()
        })
        .await;
    match refused {
        Err(PlanError::Refused(problems)) => assert_eq!(
            problems,
            [
                "stack app: Logs (AWS::Logs::LogGroup) is protected (Metadata.fuelflow.Protect) and --replace asks to replace it"
            ]
        ),
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("the plan was not refused"),
    }
}

#[tokio::test]
async fn refresh_only_records_the_live_values_and_calls_no_handler() {
    let h = Harness::new();
    h.template(&group(7, ""));
    assert!(h.apply().await.succeeded());
    let logs = h.physical_id("Logs").await;
    h.world.set_live(&logs, "KmsKeyId", json!("key-by-hand"));
    let planned = h
        .plan_request(PlanRequest {
            refresh_only: true,
            ..request()
        })
        .await
        .unwrap();
    assert!(planned.plan.refresh_only);
    let change = &planned.plan.stacks[0].changes[0];
    assert_eq!(change.properties[0].path, "KmsKeyId");
    assert_eq!(
        planned.plan.summary(),
        Default::default(),
        "nothing in AWS changes"
    );
    h.world.forget_calls();
    let report = crate::apply::refresh_only::record(&h.engine, &planned).await;
    assert!(report.succeeded(), "{}", summary(&report));
    assert!(h.world.calls().is_empty(), "{:?}", h.world.calls());
    let state = h.state().await;
    assert_eq!(
        state.resources["Logs"].properties["KmsKeyId"],
        json!("key-by-hand")
    );
}
