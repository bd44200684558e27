//! Replacement order: create-before-delete when the name is generated, delete first when the
//! template fixes the name (two resources cannot share it).

use crate::plan::Action;
use crate::testing::fake::Op;
use crate::testing::{Harness, summary};

fn role(path: &str, name: Option<&str>) -> String {
    let name = name
        .map(|n| format!("\n      RoleName: {n}"))
        .unwrap_or_default();
    format!(
        r#"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:{name}
      Path: {path}
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: []
"#
    )
}

async fn replaced(h: &Harness, template: &str) -> crate::apply::Report {
    h.template(template);
    h.world.forget_calls();
    let planned = h.plan().await;
    let changes = &planned.plan.stacks[0].changes;
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].action, Action::Replace);
    assert_eq!(changes[0].replace_because, ["Path"]);
    h.apply_planned(planned).await
}

#[tokio::test]
async fn an_unnamed_resource_is_created_again_before_the_old_one_is_deleted() {
    let h = Harness::new();
    h.template(&role("/a/", None));
    assert!(h.apply().await.succeeded());
    let old = h.physical_id("Role").await;

    let report = replaced(&h, &role("/b/", None)).await;
    assert!(report.succeeded(), "{}", summary(&report));
    let w = &h.world;
    assert!(w.position(Op::Create, "Role") < w.position(Op::Delete, "Role"));
    let new = h.physical_id("Role").await;
    assert_ne!(new, old);
    assert_eq!(w.calls()[w.position(Op::Delete, "Role")].physical_id, old);
    assert_eq!(w.physical_ids(), [new]);
}

#[tokio::test]
async fn a_resource_named_by_the_template_is_deleted_before_it_is_created_again() {
    let h = Harness::new();
    h.template(&role("/a/", Some("fixed-role")));
    assert!(h.apply().await.succeeded());

    let report = replaced(&h, &role("/b/", Some("fixed-role"))).await;
    assert!(report.succeeded(), "{}", summary(&report));
    let w = &h.world;
    assert!(w.position(Op::Delete, "Role") < w.position(Op::Create, "Role"));
    assert_eq!(h.physical_id("Role").await, "fixed-role");
    assert_eq!(w.live("fixed-role").unwrap()["Path"], "/b/");
}

#[tokio::test]
async fn a_failed_create_of_the_replacement_keeps_the_old_resource() {
    let h = Harness::new();
    h.template(&role("/a/", None));
    assert!(h.apply().await.succeeded());
    let old = h.physical_id("Role").await;
    h.world.fail(Op::Create, "Role");

    let report = replaced(&h, &role("/b/", None)).await;
    assert_eq!(report.failures.len(), 1, "{}", summary(&report));
    assert_eq!(report.failures[0].operation, "create");
    assert!(h.world.logical_ids(Op::Delete).is_empty());
    assert_eq!(h.physical_id("Role").await, old);
    assert!(h.world.live(&old).is_some());
}
