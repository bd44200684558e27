//! Creates come after what they reference; deletes come before it.

use super::CHAIN;
use crate::testing::fake::Op;
use crate::testing::{Harness, summary};

#[tokio::test]
async fn a_resource_is_created_after_what_it_references() {
    let h = Harness::new();
    h.template(CHAIN);
    let report = h.apply().await;
    assert!(report.succeeded(), "{}", summary(&report));
    assert_eq!(report.applied, 4);

    let w = &h.world;
    assert!(w.position(Op::Create, "Role") < w.position(Op::Create, "Logs"));
    assert!(w.position(Op::Create, "Logs") < w.position(Op::Create, "Policy"));
    // What a resource references is filled in from what its dependency's create returned.
    let role = h.physical_id("Role").await;
    let logs = h.physical_id("Logs").await;
    assert_eq!(logs, format!("/app/{role}"));
    let policy = &w.calls()[w.position(Op::Create, "Policy")];
    assert_eq!(policy.props["Bucket"], serde_json::json!(logs));
}

#[tokio::test]
async fn unnamed_resources_get_a_generated_name_before_create() {
    let h = Harness::new();
    h.template(CHAIN);
    let report = h.apply().await;
    assert!(report.succeeded(), "{}", summary(&report));
    let role = h.physical_id("Role").await;
    assert!(role.starts_with("app-Role-"), "{role}");
    let create = &h.world.calls()[h.world.position(Op::Create, "Role")];
    assert_eq!(create.props["RoleName"], serde_json::json!(role));
}

#[tokio::test]
async fn destroy_deletes_dependents_first() {
    let h = Harness::new();
    h.template(CHAIN);
    assert!(h.apply().await.succeeded());
    h.world.forget_calls();

    let report = h.destroy().await;
    assert!(report.succeeded(), "{}", summary(&report));
    assert_eq!(report.applied, 4);
    let w = &h.world;
    assert!(w.position(Op::Delete, "Policy") < w.position(Op::Delete, "Logs"));
    assert!(w.position(Op::Delete, "Logs") < w.position(Op::Delete, "Role"));
    assert!(w.physical_ids().is_empty(), "{:?}", w.physical_ids());
    let state = h.state().await;
    assert!(state.resources.is_empty(), "{:?}", state.resources.keys());
}

#[tokio::test]
async fn resources_removed_from_the_template_are_deleted_dependents_first() {
    let h = Harness::new();
    h.template(CHAIN);
    assert!(h.apply().await.succeeded());
    h.world.forget_calls();

    // Only `Other` stays.
    h.template(
        r#"
Resources:
  Other:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 1
"#,
    );
    let report = h.apply().await;
    assert!(report.succeeded(), "{}", summary(&report));
    let w = &h.world;
    assert_eq!(w.logical_ids(Op::Delete).len(), 3, "{:#?}", w.calls());
    assert!(w.position(Op::Delete, "Policy") < w.position(Op::Delete, "Logs"));
    assert!(w.position(Op::Delete, "Logs") < w.position(Op::Delete, "Role"));
    assert!(w.logical_ids(Op::Create).is_empty());
    let recorded: Vec<String> = h.state().await.resources.into_keys().collect();
    assert_eq!(recorded, ["Other"]);
}

#[tokio::test]
async fn an_inferred_ordering_is_recorded_so_a_removed_pair_is_deleted_in_it() {
    let h = Harness::new();
    // The policy names its bucket by text, not `!Ref`: the ordering is the type's inference.
    h.template(
        r#"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: app-inferred-logs
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: app-inferred-logs
      PolicyDocument:
        Version: "2012-10-17"
        Statement: []
"#,
    );
    let report = h.apply().await;
    assert!(report.succeeded(), "{}", summary(&report));
    let w = &h.world;
    assert!(w.position(Op::Create, "Bucket") < w.position(Op::Create, "Policy"));
    assert_eq!(h.state().await.resources["Policy"].dependencies, ["Bucket"]);
    w.forget_calls();

    // Both leave the template: only the state knows the order now.
    h.template("Resources: {}\n");
    let report = h.apply().await;
    assert!(report.succeeded(), "{}", summary(&report));
    assert!(w.position(Op::Delete, "Policy") < w.position(Op::Delete, "Bucket"));
    assert!(h.state().await.resources.is_empty());
}
