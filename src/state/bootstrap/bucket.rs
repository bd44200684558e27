//! The state bucket: versioned (every serial recoverable), encrypted by default, never public,
//! tagged as fuelflow's.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging,
    VersioningConfiguration,
};

use super::{BackendSpec, BootstrapError, ItemChange, Repairs, tag_drift, wanted_tags};
use crate::aws::AwsError;

type Result<T> = std::result::Result<T, BootstrapError>;

pub(super) async fn ensure(
    s3: &Client,
    spec: &BackendSpec,
    region: &str,
    dry_run: bool,
) -> Result<ItemChange> {
    let bucket = spec.bucket.as_str();
    if !exists(s3, bucket).await? {
        if !dry_run {
            create(s3, bucket, region).await?;
            put_versioning(s3, bucket).await?;
            put_encryption(s3, spec).await?;
            put_public_access_block(s3, bucket).await?;
            put_tags(s3, bucket, &wanted_tags(spec, "state-bucket")).await?;
        }
        return Ok(ItemChange::Created);
    }
    let mut repairs = Repairs::new();
    if repairs.found(versioning_drift(s3, bucket).await?) && !dry_run {
        put_versioning(s3, bucket).await?;
    }
    if repairs.found(encryption_drift(s3, spec).await?) && !dry_run {
        put_encryption(s3, spec).await?;
    }
    if repairs.found(public_access_drift(s3, bucket).await?) && !dry_run {
        put_public_access_block(s3, bucket).await?;
    }
    let actual = tags(s3, bucket).await?;
    let wanted = wanted_tags(spec, "state-bucket");
    if repairs.found(tag_drift(&wanted, &actual)) && !dry_run {
        // Keep tags others put on the bucket; override only ours.
        let mut merged: Vec<(String, String)> = actual
            .into_iter()
            .filter(|(k, _)| !wanted.iter().any(|(w, _)| w == k))
            .collect();
        merged.extend(wanted);
        put_tags(s3, bucket, &merged).await?;
    }
    Ok(repairs.change())
}

async fn exists(s3: &Client, bucket: &str) -> Result<bool> {
    match s3.head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(false),
        Err(e) => Err(AwsError::from_sdk("s3:HeadBucket", e).into()),
    }
}

async fn create(s3: &Client, bucket: &str, region: &str) -> Result<()> {
    let mut request = s3.create_bucket().bucket(bucket);
    // us-east-1 is the default location and refuses to be named as a constraint.
    if region != "us-east-1" {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build(),
        );
    }
    match request.send().await {
        Ok(_) => Ok(()),
        // Another bootstrap won the race; the settings below still apply.
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_bucket_already_owned_by_you()) =>
        {
            Ok(())
        }
        Err(e) => Err(AwsError::from_sdk("s3:CreateBucket", e).into()),
    }
}

async fn versioning_drift(s3: &Client, bucket: &str) -> Result<Option<String>> {
    let status = match s3.get_bucket_versioning().bucket(bucket).send().await {
        Ok(out) => out.status().map(|s| s.as_str().to_owned()),
        Err(e) => match crate::aws_lenient::undecoded_success(&e) {
            Some(body) => crate::aws_lenient::elements(&body, "Status").pop(),
            None => return Err(AwsError::from_sdk("s3:GetBucketVersioning", e).into()),
        },
    };
    Ok(match status.as_deref() {
        Some("Enabled") => None,
        Some(other) => Some(format!("versioning was {other}")),
        None => Some("versioning was never enabled".into()),
    })
}

async fn put_versioning(s3: &Client, bucket: &str) -> Result<()> {
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("s3:PutBucketVersioning", e))?;
    Ok(())
}

fn wanted_algorithm(spec: &BackendSpec) -> ServerSideEncryption {
    if spec.kms_key_id.is_some() {
        ServerSideEncryption::AwsKms
    } else {
        ServerSideEncryption::Aes256
    }
}

async fn encryption_drift(s3: &Client, spec: &BackendSpec) -> Result<Option<String>> {
    let result = s3.get_bucket_encryption().bucket(&spec.bucket).send().await;
    let out = match result {
        Ok(out) => out,
        // Real AWS now always answers with a default rule; moto (and old buckets) answer 404.
        Err(e) if e.code() == Some("ServerSideEncryptionConfigurationNotFoundError") => {
            return Ok(Some("default encryption was not configured".into()));
        }
        Err(e) => return Err(AwsError::from_sdk("s3:GetBucketEncryption", e).into()),
    };
    let default = out
        .server_side_encryption_configuration()
        .and_then(|c| c.rules().first())
        .and_then(|r| r.apply_server_side_encryption_by_default());
    let Some(default) = default else {
        return Ok(Some("default encryption was not configured".into()));
    };
    let wanted = wanted_algorithm(spec);
    if default.sse_algorithm() != &wanted {
        return Ok(Some(format!(
            "default encryption was {}, not {}",
            default.sse_algorithm().as_str(),
            wanted.as_str()
        )));
    }
    match &spec.kms_key_id {
        Some(key) if default.kms_master_key_id() != Some(key.as_str()) => Ok(Some(format!(
            "default encryption used KMS key {}, not {key}",
            default
                .kms_master_key_id()
                .unwrap_or("(the AWS managed key)")
        ))),
        _ => Ok(None),
    }
}

async fn put_encryption(s3: &Client, spec: &BackendSpec) -> Result<()> {
    let default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(wanted_algorithm(spec))
        .set_kms_master_key_id(spec.kms_key_id.clone())
        .build()
        .expect("sse_algorithm is set");
    let configuration = ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(default)
                .build(),
        )
        .build()
        .expect("rules are set");
    s3.put_bucket_encryption()
        .bucket(&spec.bucket)
        .server_side_encryption_configuration(configuration)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("s3:PutBucketEncryption", e))?;
    Ok(())
}

async fn public_access_drift(s3: &Client, bucket: &str) -> Result<Vec<String>> {
    let result = s3.get_public_access_block().bucket(bucket).send().await;
    let out = match result {
        Ok(out) => out,
        Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => {
            return Ok(vec!["public access block was missing".into()]);
        }
        Err(e) => return Err(AwsError::from_sdk("s3:GetPublicAccessBlock", e).into()),
    };
    let Some(c) = out.public_access_block_configuration() else {
        return Ok(vec!["public access block was missing".into()]);
    };
    let flags = [
        ("BlockPublicAcls", c.block_public_acls()),
        ("IgnorePublicAcls", c.ignore_public_acls()),
        ("BlockPublicPolicy", c.block_public_policy()),
        ("RestrictPublicBuckets", c.restrict_public_buckets()),
    ];
    Ok(flags
        .into_iter()
        .filter(|(_, on)| *on != Some(true))
        .map(|(name, _)| format!("public access block {name} was off"))
        .collect())
}

async fn put_public_access_block(s3: &Client, bucket: &str) -> Result<()> {
    let configuration = PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    s3.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(configuration)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("s3:PutPublicAccessBlock", e))?;
    Ok(())
}

async fn tags(s3: &Client, bucket: &str) -> Result<Vec<(String, String)>> {
    match s3.get_bucket_tagging().bucket(bucket).send().await {
        Ok(out) => Ok(out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect()),
        Err(e) if e.code() == Some("NoSuchTagSet") => Ok(Vec::new()),
        Err(e) => match crate::aws_lenient::undecoded_success(&e) {
            Some(body) => Ok(crate::aws_lenient::tags(&body)),
            None => Err(AwsError::from_sdk("s3:GetBucketTagging", e).into()),
        },
    }
}

async fn put_tags(s3: &Client, bucket: &str, tags: &[(String, String)]) -> Result<()> {
    let tag_set = tags
        .iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .expect("key and value are set")
        })
        .collect();
    s3.put_bucket_tagging()
        .bucket(bucket)
        .tagging(
            Tagging::builder()
                .set_tag_set(Some(tag_set))
                .build()
                .expect("tag set is set"),
        )
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("s3:PutBucketTagging", e))?;
    Ok(())
}
