//! `AWS::S3::BucketPolicy`. Physical id (`Ref`) = the bucket name; a bucket has one policy.

use aws_sdk_s3::error::ProvideErrorMetadata;
use serde_json::{Value, json};

use super::value::aws;
use crate::resources::iam::policy_document;
use crate::resources::{Attributes, Created, Ctx, Handler, Live, Props, ResourceError, Result};
use crate::state::BoxFuture;

pub(super) struct BucketPolicy;
pub(super) static BUCKET_POLICY: BucketPolicy = BucketPolicy;

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

impl Handler for BucketPolicy {
    fn create<'a>(&'a self, ctx: &'a Ctx, props: &'a Props) -> BoxFuture<'a, Result<Created>> {
        Box::pin(async move {
            let bucket = bucket(props)?;
            put(ctx, bucket, props).await?;
            Ok(Created {
                physical_id: bucket.to_owned(),
                attributes: Attributes::new(),
            })
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        desired: &'a Props,
    ) -> BoxFuture<'a, Result<Option<Live>>> {
        Box::pin(async move {
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
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        old: &'a Props,
        new: &'a Props,
    ) -> BoxFuture<'a, Result<Attributes>> {
        Box::pin(async move {
            if !policy_document::same(old.get("PolicyDocument"), new.get("PolicyDocument")) {
                put(ctx, physical_id, new).await?;
            }
            Ok(Attributes::new())
        })
    }

    fn delete<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        _props: &'a Props,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
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
        })
    }

    /// A bucket has at most one policy: the one on the named bucket.
    fn adopt<'a>(
        &'a self,
        ctx: &'a Ctx,
        props: &'a Props,
    ) -> BoxFuture<'a, Result<Option<String>>> {
        Box::pin(async move {
            let bucket = bucket(props)?;
            Ok(get(ctx, bucket).await?.map(|_| bucket.to_owned()))
        })
    }
}
