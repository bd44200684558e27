//! Plan and apply end to end with fake handlers and the memory state store (no AWS, no moto):
//! the order of calls, what a failure stops, replacements, checkpoints, adoption and drift,
//! lifecycle controls and targeted runs.

mod checkpoints;
mod deposed;
mod drift;
mod failures;
mod lifecycle;
mod order;
mod replace;

/// A role, a log group named after it, a policy on the log group, and an unrelated log group.
const CHAIN: &str = r#"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: []
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/app/${Role}"
      RetentionInDays: 7
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Logs
      PolicyDocument:
        Version: "2012-10-17"
        Statement: []
  Other:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 1
"#;
