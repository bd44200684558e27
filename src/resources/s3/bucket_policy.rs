//! `AWS::S3::BucketPolicy`. Physical id (`Ref`) = the bucket name; a bucket has one policy.

use aws_sdk_s3::error::ProvideErrorMetadata;
use serde_json::{Value, json};

use super::value::aws;
use crate::resources::iam::policy_document;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use crate::template::stack::Stack;

pub struct BucketPolicy;

fn bucket(props: &Props) -> Result<&str> {
    props
        .get("Bucket")
        .and_then(Value::as_str)
        .ok_or_else(|| ResourceError::invalid("Bucket", "is required"))
}

async fn put(ctx: &Ctx, bucket: &str, props: &Props) -> Result<()> {
    let policy = policy_document::to_text("PolicyDocument", props.get("PolicyDocument"))?;
    ctx.clients
        .s3()
        .put_bucket_policy()
        .bucket(bucket)
        .policy(policy)
        .send()
        .await
        .map_err(aws("s3:PutBucketPolicy"))?;
    Ok(())
}

/// The live policy, `None` when the bucket or its policy is gone.
async fn get(ctx: &Ctx, bucket: &str) -> Result<Option<Value>> {
    match ctx
        .clients
        .s3()
        .get_bucket_policy()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => out
            .policy()
            .map(|p| policy_document::parse("PolicyDocument", p))
            .transpose(),
        Err(e) if matches!(e.code(), Some("NoSuchBucketPolicy" | "NoSuchBucket")) => Ok(None),
        Err(e) => Err(aws("s3:GetBucketPolicy")(e)),
    }
}

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &["Bucket", "PolicyDocument"];

impl Resource for BucketPolicy {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    /// After a bucket of the stack that `Bucket` names by text rather than by `!Ref`.
    fn implicit_dependencies(&self, stack: &Stack, logical_id: &str) -> Vec<String> {
        super::ordering::buckets_of_policy(stack, logical_id)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let bucket = bucket(props)?;
        put(ctx, bucket, props).await?;
        Ok(Created {
            physical_id: bucket.to_owned(),
            attributes: Attributes::new(),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(live) = get(ctx, physical_id).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        properties.insert("Bucket".into(), json!(physical_id));
        properties.insert(
            "PolicyDocument".into(),
            policy_document::like_template(desired.get("PolicyDocument"), live),
        );
        Ok(Some(Live {
            properties,
            attributes: Attributes::new(),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        // Judged against the live policy, so drift is repaired whatever `old` holds.
        let _ = old;
        let live = get(ctx, physical_id).await?;
        if !policy_document::same(live.as_ref(), new.get("PolicyDocument")) {
            put(ctx, physical_id, new).await?;
        }
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        match ctx
            .clients
            .s3()
            .delete_bucket_policy()
            .bucket(physical_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if matches!(e.code(), Some("NoSuchBucketPolicy" | "NoSuchBucket")) => Ok(()),
            Err(e) => Err(aws("s3:DeleteBucketPolicy")(e)),
        }
    }

    /// A bucket has at most one policy: the one on the named bucket.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let bucket = bucket(props)?;
        Ok(get(ctx, bucket).await?.map(|_| bucket.to_owned()))
    }
}
