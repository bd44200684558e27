//! Live S3 bucket settings read with the SDK, around a moto quirk: moto names the XML root of
//! `GetBucketVersioning` and `GetBucketTagging` answers after the operation
//! (`<GetBucketVersioningResponse>`), which the SDK refuses; the raw body, which does hold the
//! live value, is read instead.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

fn moto_body<E: std::fmt::Debug>(
    err: SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> String {
    match err {
        SdkError::ServiceError(e) if e.raw().status().is_success() => {
            String::from_utf8(e.raw().body().bytes().expect("a read body").to_vec()).unwrap()
        }
        other => panic!("{other:?}"),
    }
}

/// `Enabled`, `Suspended`, or empty for a bucket that was never versioned.
pub async fn live_versioning(s3: &Client, bucket: &str) -> String {
    match s3.get_bucket_versioning().bucket(bucket).send().await {
        Ok(out) => out
            .status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        Err(e) => {
            let body = moto_body(e);
            ["Enabled", "Suspended"]
                .into_iter()
                .find(|s| body.contains(&format!("<Status>{s}</Status>")))
                .unwrap_or("")
                .to_owned()
        }
    }
}

/// The bucket's tags as `<Tag><Key>k</Key><Value>v</Value></Tag>...`, for `contains` checks
/// (empty for a bucket without tags).
pub async fn live_tags(s3: &Client, bucket: &str) -> String {
    match s3.get_bucket_tagging().bucket(bucket).send().await {
        Err(SdkError::ServiceError(e)) if e.err().code() == Some("NoSuchTagSet") => String::new(),
        Ok(out) => out
            .tag_set()
            .iter()
            .map(|t| {
                format!(
                    "<Tag><Key>{}</Key><Value>{}</Value></Tag>",
                    t.key(),
                    t.value()
                )
            })
            .collect(),
        Err(e) => moto_body(e),
    }
}
