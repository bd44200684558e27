//! Plan-time evaluation against moto: `AWS::AccountId` comes from STS and `Fn::GetAZs` from
//! EC2, through the real SDK; `validate` (no AWS) leaves both unknown.

use crate::support::MotoServer;
use fuelflow::template::Value;
use fuelflow::template::eval::NothingExists;
use fuelflow::workspace::{self, Facts, Source};

const TEMPLATE: &str = "
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub 'state-${AWS::AccountId}-${AWS::Region}'
      Tags:
        - Key: zone
          Value: !Select [1, !GetAZs '']
";

fn template_source() -> (tempfile::TempDir, Source) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.yaml");
    std::fs::write(&path, TEMPLATE).unwrap();
    (
        dir,
        Source::Template {
            path,
            stack_name: None,
            parameters: Vec::new(),
        },
    )
}

fn property<'a>(ws: &'a workspace::Workspace, name: &str) -> &'a Value {
    match &ws.stacks[0].resources["Bucket"].properties {
        Value::Map(map) => &map[name],
        other => panic!("properties not a map: {other:?}"),
    }
}

#[tokio::test]
async fn account_id_and_zones_come_from_aws_at_plan_time() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let facts = Facts::from_aws(&config).await.expect("STS and EC2 answer");
    assert_eq!(facts.account_id.as_deref(), Some("123456789012"));
    let zones = facts.availability_zones.clone().unwrap();
    assert!(
        zones.len() >= 2 && zones.iter().all(|z| z.starts_with("us-east-1")),
        "{zones:?}"
    );

    let (_dir, source) = template_source();
    let ws = workspace::load(&source, None, &[], &facts, &NothingExists)
        .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
    assert_eq!(
        property(&ws, "BucketName"),
        &Value::String("state-123456789012-us-east-1".into())
    );
    let Value::List(tags) = property(&ws, "Tags") else {
        panic!("tags")
    };
    let Value::Map(tag) = &tags[0] else {
        panic!("tag")
    };
    assert_eq!(tag["Value"], Value::String(zones[1].clone()));
}

#[test]
fn validate_leaves_aws_values_unknown() {
    let (_dir, source) = template_source();
    let ws = workspace::load_offline(&source, None, &[], None)
        .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
    assert_eq!(
        property(&ws, "BucketName"),
        &Value::Unknown("AWS::AccountId".into())
    );
}
