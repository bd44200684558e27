//! Template language against moto through the CLI: `Fn::Cidr` carves the subnets' blocks out of
//! the VPC's, and `Fn::ForEach` (the `AWS::LanguageExtensions` transform) makes one bucket per
//! item, tagged with `Fn::Length` and `Fn::ToJsonString`. The live resources are checked with the
//! SDK; the re-plan is empty and destroy removes everything.

use crate::support::project::{Project, code};
use crate::support::{MotoServer, stderr, stdout};

fn template(name: &str) -> String {
    format!(
        "Transform: AWS::LanguageExtensions
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {{CidrBlock: 10.42.0.0/16}}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Select [0, !Cidr [!GetAtt Vpc.CidrBlock, 2, 8]]
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Select [1, !Cidr [10.42.0.0/16, 2, 8]]
  Fn::ForEach::Buckets:
    - Kind
    - [logs, media-files]
    - 'Bucket&{{Kind}}':
        Type: AWS::S3::Bucket
        Properties:
          BucketName: !Sub '{name}-${{Kind}}'
          Tags:
            - {{Key: kinds, Value: {{Fn::Length: [logs, media-files]}}}}
            - {{Key: doc, Value: {{Fn::ToJsonString: {{kind: !Ref Kind}}}}}}
"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cidr_and_foreach_templates_apply_and_match_live() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("langext", moto, template);
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));

    let state = p.state(&config).await.unwrap();
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let mut blocks = Vec::new();
    for id in ["SubnetA", "SubnetB"] {
        let subnet = &state.resources[id].physical_id;
        let live = ec2
            .describe_subnets()
            .subnet_ids(subnet)
            .send()
            .await
            .unwrap();
        blocks.push(live.subnets()[0].cidr_block().unwrap().to_string());
    }
    assert_eq!(blocks, ["10.42.0.0/24", "10.42.1.0/24"]);

    let s3 = aws_sdk_s3::Client::new(&config);
    for (logical, kind) in [("Bucketlogs", "logs"), ("Bucketmediafiles", "media-files")] {
        let bucket = format!("{}-{kind}", p.name);
        assert_eq!(state.resources[logical].physical_id, bucket);
        let tags = s3
            .get_bucket_tagging()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
        let tag = |k: &str| {
            tags.tag_set()
                .iter()
                .find(|t| t.key() == k)
                .map(|t| t.value().to_string())
        };
        assert_eq!(tag("kinds").as_deref(), Some("2"));
        assert_eq!(tag("doc"), Some(format!("{{\"kind\":\"{kind}\"}}")));
    }

    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    let out = p.run(&["destroy", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(
        p.live_buckets(&config)
            .await
            .iter()
            .all(|b| !b.contains("-logs"))
    );
}

#[test]
fn a_loop_without_the_transform_is_refused_at_validate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.yaml");
    let text = template("x").replace("Transform: AWS::LanguageExtensions\n", "");
    std::fs::write(&path, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fuelflow"))
        .args(["validate", "--template"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("`Fn::ForEach` needs `Transform: AWS::LanguageExtensions`"),
        "{}",
        stderr(&out)
    );
}
