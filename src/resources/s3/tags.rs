//! Bucket tags: the whole set is written at once (S3 has no per-key tagging calls).

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{Tag, Tagging};

use super::value::aws;
use crate::resources::{ResourceError, Result};

pub(super) async fn put(s3: &Client, bucket: &str, tags: &[(String, String)]) -> Result<()> {
    let tag_set = tags
        .iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ResourceError::invalid("Tags", e))
        })
        .collect::<Result<Vec<_>>>()?;
    let tagging = Tagging::builder()
        .set_tag_set(Some(tag_set))
        .build()
        .map_err(|e| ResourceError::invalid("Tags", e))?;
    s3.put_bucket_tagging()
        .bucket(bucket)
        .tagging(tagging)
        .send()
        .await
        .map_err(aws("s3:PutBucketTagging"))?;
    Ok(())
}

/// Every tag on the bucket (ownership tags included).
pub(super) async fn get(s3: &Client, bucket: &str) -> Result<Vec<(String, String)>> {
    match s3.get_bucket_tagging().bucket(bucket).send().await {
        Ok(out) => Ok(out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect()),
        Err(e)
            if e.as_service_error()
                .and_then(|s| aws_sdk_s3::error::ProvideErrorMetadata::code(s))
                == Some("NoSuchTagSet") =>
        {
            Ok(Vec::new())
        }
        Err(e) => match crate::aws_lenient::undecoded_success(&e) {
            Some(body) => Ok(crate::aws_lenient::tags(&body)),
            None => Err(aws("s3:GetBucketTagging")(e)),
        },
    }
}
