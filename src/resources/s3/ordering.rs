//! Orderings S3 needs that a template may not spell out: a bucket policy that names its bucket
//! by text (`!Sub`) instead of `!Ref` waits for that bucket, and a bucket that sends its access
//! logs to another bucket waits for the policies of that bucket (S3 checks at
//! `PutBucketLogging` that the log bucket lets the logging service write).

use crate::template::Value as TemplateValue;
use crate::template::stack::{EvaluatedResource, Stack};

const BUCKET: &str = "AWS::S3::Bucket";
const POLICY: &str = "AWS::S3::BucketPolicy";

fn property<'r>(r: &'r EvaluatedResource, path: &[&str]) -> Option<&'r TemplateValue> {
    let mut value = &r.properties;
    for key in path {
        match value {
            TemplateValue::Map(map) => value = map.get(*key)?,
            _ => return None,
        }
    }
    Some(value)
}

fn text(r: &EvaluatedResource, path: &[&str]) -> Option<String> {
    property(r, path).and_then(TemplateValue::to_text)
}

fn references(r: &EvaluatedResource, target: &str) -> bool {
    r.references.iter().any(|x| x.target == target)
}

/// Whether `r`'s property at `path` names bucket `b`: by a reference to it, or by the same
/// known name as its `BucketName`.
fn names_bucket(r: &EvaluatedResource, path: &[&str], b: &EvaluatedResource) -> bool {
    if property(r, path).is_none() {
        return false;
    }
    let by_name = text(r, path).is_some_and(|t| text(b, &["BucketName"]).as_deref() == Some(&t));
    // A reference anywhere in a one-property value such as `Bucket` is a reference to it.
    by_name || (path == ["Bucket"] && references(r, &b.logical_id))
}

/// For a bucket policy: the buckets of the stack its `Bucket` names by text.
pub(super) fn buckets_of_policy(stack: &Stack, policy: &str) -> Vec<String> {
    let Some(p) = stack.resources.get(policy) else {
        return Vec::new();
    };
    if text(p, &["Bucket"]).is_none() {
        return Vec::new(); // a `!Ref` is an edge already
    }
    stack
        .resources
        .values()
        .filter(|b| b.resource_type == BUCKET && names_bucket(p, &["Bucket"], b))
        .map(|b| b.logical_id.clone())
        .collect()
}

/// For a bucket with `LoggingConfiguration`: the policies of its log bucket.
pub(super) fn log_bucket_policies(stack: &Stack, bucket: &str) -> Vec<String> {
    const DESTINATION: [&str; 2] = ["LoggingConfiguration", "DestinationBucketName"];
    let Some(source) = stack.resources.get(bucket) else {
        return Vec::new();
    };
    let Some(destination) = property(source, &DESTINATION) else {
        return Vec::new();
    };
    let destination_text = destination.to_text();
    let log_buckets: Vec<&EvaluatedResource> = stack
        .resources
        .values()
        .filter(|b| b.resource_type == BUCKET && b.logical_id != bucket)
        .filter(|b| {
            names_bucket(source, &DESTINATION, b)
                || (destination_text.is_none() && references(source, &b.logical_id))
        })
        .collect();
    stack
        .resources
        .values()
        .filter(|p| p.resource_type == POLICY && !references(p, bucket))
        .filter(|p| {
            let same_text =
                text(p, &["Bucket"]).is_some() && text(p, &["Bucket"]) == destination_text;
            same_text || log_buckets.iter().any(|b| names_bucket(p, &["Bucket"], b))
        })
        .map(|p| p.logical_id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{Facts, load_text};

    fn stack(template: &str) -> Stack {
        let ws = load_text("t.yaml", template.into(), &[], &Facts::default())
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
        ws.stacks[0].clone()
    }

    #[test]
    fn a_policy_naming_its_bucket_by_text_waits_for_it() {
        let s = stack(
            "Resources:
  Data: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub 'data-${AWS::Region}'}}
  Other: {Type: AWS::S3::Bucket, Properties: {BucketName: other}}
  ByText:
    Type: AWS::S3::BucketPolicy
    Properties: {Bucket: !Sub 'data-${AWS::Region}', PolicyDocument: {Statement: [{Effect: Allow, Principal: '*', Action: 's3:GetObject', Resource: '*'}]}}
  ByRef: {Type: AWS::S3::BucketPolicy, Properties: {Bucket: !Ref Other, PolicyDocument: {Statement: [{Effect: Allow, Principal: '*', Action: 's3:GetObject', Resource: '*'}]}}}
",
        );
        assert_eq!(buckets_of_policy(&s, "ByText"), ["Data"]);
        assert!(
            buckets_of_policy(&s, "ByRef").is_empty(),
            "a reference is an edge already"
        );
    }

    #[test]
    fn a_bucket_logging_to_another_waits_for_the_policies_of_that_bucket() {
        let s = stack(
            "Resources:
  Logs: {Type: AWS::S3::Bucket, Properties: {BucketName: logs-b}}
  LogsPolicy: {Type: AWS::S3::BucketPolicy, Properties: {Bucket: logs-b, PolicyDocument: {Statement: [{Effect: Allow, Principal: '*', Action: 's3:GetObject', Resource: '*'}]}}}
  LogsPolicyByRef: {Type: AWS::S3::BucketPolicy, Properties: {Bucket: !Ref Logs, PolicyDocument: {Statement: [{Effect: Allow, Principal: '*', Action: 's3:GetObject', Resource: '*'}]}}}
  ByRef:
    Type: AWS::S3::Bucket
    Properties: {LoggingConfiguration: {DestinationBucketName: !Ref Logs}}
  ByName:
    Type: AWS::S3::Bucket
    Properties: {LoggingConfiguration: {DestinationBucketName: logs-b}}
  Quiet: {Type: AWS::S3::Bucket, Properties: {BucketName: quiet}}
",
        );
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let both = ["LogsPolicy", "LogsPolicyByRef"];
        assert_eq!(sorted(log_bucket_policies(&s, "ByRef")), both);
        assert_eq!(sorted(log_bucket_policies(&s, "ByName")), both);
        assert!(log_bucket_policies(&s, "Quiet").is_empty());
        assert!(log_bucket_policies(&s, "Logs").is_empty());
    }
}
