//! `AWS::S3::Bucket`. Physical id (`Ref`) = the bucket name. Each configuration property is set
//! and read through its own S3 API (one file each); `Part` maps properties to those files.
//! Deleting a bucket never deletes its objects: a non-empty bucket is an error.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use serde_json::{Value, json};

use super::value::{aws, tag_list};
use super::{accelerate, intelligent_tiering, metrics, object_lock, replication};
use super::{acl, notification, website};
use super::{cors, encryption, lifecycle, logging, ownership, public_access, tags, versioning};
use crate::resources::Owner;
use crate::resources::compare::equivalent;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use crate::template::stack::Stack;

pub struct Bucket;

/// A configuration property of the bucket with its own put / get / reset calls.
#[derive(Clone, Copy)]
enum Part {
    OwnershipControls,
    PublicAccessBlock,
    AccessControl,
    Encryption,
    Versioning,
    ObjectLockEnabled,
    ObjectLock,
    Lifecycle,
    Logging,
    Cors,
    Website,
    Accelerate,
    Replication,
    IntelligentTiering,
    Metrics,
    Notification,
}

/// In the order they are applied at create: ownership and public access first, so the bucket is
/// never open while the rest is set up; versioning before the object lock and the replication
/// that need it.
const PARTS: [Part; 16] = [
    Part::OwnershipControls,
    Part::PublicAccessBlock,
    Part::AccessControl,
    Part::Encryption,
    Part::Versioning,
    Part::ObjectLockEnabled,
    Part::ObjectLock,
    Part::Lifecycle,
    Part::Logging,
    Part::Cors,
    Part::Website,
    Part::Accelerate,
    Part::Replication,
    Part::IntelligentTiering,
    Part::Metrics,
    Part::Notification,
];

impl Part {
    fn property(self) -> &'static str {
        match self {
            Part::OwnershipControls => "OwnershipControls",
            Part::PublicAccessBlock => "PublicAccessBlockConfiguration",
            Part::Encryption => "BucketEncryption",
            Part::Versioning => "VersioningConfiguration",
            Part::Lifecycle => "LifecycleConfiguration",
            Part::Logging => "LoggingConfiguration",
            Part::Cors => "CorsConfiguration",
            Part::AccessControl => "AccessControl",
            Part::Website => "WebsiteConfiguration",
            Part::Notification => "NotificationConfiguration",
            Part::ObjectLockEnabled => "ObjectLockEnabled",
            Part::ObjectLock => "ObjectLockConfiguration",
            Part::Accelerate => "AccelerateConfiguration",
            Part::Replication => "ReplicationConfiguration",
            Part::IntelligentTiering => "IntelligentTieringConfigurations",
            Part::Metrics => "MetricsConfigurations",
        }
    }

    /// Checks a value without calling AWS (so a bad property fails before anything is made).
    fn check(self, bucket: &str, value: &Value) -> Result<()> {
        match self {
            Part::OwnershipControls => ownership::config(value).map(drop),
            Part::PublicAccessBlock => public_access::config(value).map(drop),
            Part::Encryption => encryption::config(value).map(drop),
            Part::Versioning => versioning::config(value).map(drop),
            Part::Lifecycle => lifecycle::config(value).map(drop),
            Part::Logging => logging::config(value, bucket).map(drop),
            Part::Cors => cors::config(value).map(drop),
            Part::AccessControl => acl::config(value).map(drop),
            Part::Website => website::config(value).map(drop),
            Part::Notification => notification::config(value).map(drop),
            Part::ObjectLockEnabled => object_lock::enabled(value).map(drop),
            Part::ObjectLock => object_lock::config(value).map(drop),
            Part::Accelerate => accelerate::config(value).map(drop),
            Part::Replication => replication::config(value).map(drop),
            Part::IntelligentTiering => intelligent_tiering::configs(value).map(drop),
            Part::Metrics => metrics::configs(value).map(drop),
        }
    }

    /// `live` is the current value (none at create), for the lists put item by item.
    async fn put(
        self,
        s3: &Client,
        bucket: &str,
        value: &Value,
        live: Option<&Value>,
    ) -> Result<()> {
        match self {
            Part::OwnershipControls => ownership::put(s3, bucket, value).await,
            Part::PublicAccessBlock => public_access::put(s3, bucket, value).await,
            Part::Encryption => encryption::put(s3, bucket, value).await,
            Part::Versioning => versioning::put(s3, bucket, value).await,
            Part::Lifecycle => lifecycle::put(s3, bucket, value).await,
            Part::Logging => logging::put(s3, bucket, value).await,
            Part::Cors => cors::put(s3, bucket, value).await,
            Part::AccessControl => acl::put(s3, bucket, value).await,
            Part::Website => website::put(s3, bucket, value).await,
            Part::Notification => notification::put(s3, bucket, value).await,
            Part::ObjectLockEnabled => object_lock::put_enabled(s3, bucket, value).await,
            Part::ObjectLock => object_lock::put(s3, bucket, value).await,
            Part::Accelerate => accelerate::put(s3, bucket, value).await,
            Part::Replication => replication::put(s3, bucket, value).await,
            Part::IntelligentTiering => intelligent_tiering::put(s3, bucket, value, live).await,
            Part::Metrics => metrics::put(s3, bucket, value, live).await,
        }
    }

    /// The live value in template shape, `None` when the bucket has no such configuration.
    async fn get(self, s3: &Client, bucket: &str, desired: &Value) -> Result<Option<Value>> {
        match self {
            Part::OwnershipControls => ownership::get(s3, bucket).await,
            Part::PublicAccessBlock => public_access::get(s3, bucket, desired).await,
            Part::Encryption => encryption::get(s3, bucket, desired).await,
            Part::Versioning => versioning::get(s3, bucket).await,
            Part::Lifecycle => lifecycle::get(s3, bucket, desired).await,
            Part::Logging => logging::get(s3, bucket, desired).await,
            Part::Cors => cors::get(s3, bucket).await,
            Part::AccessControl => acl::get(s3, bucket, desired).await,
            Part::Website => website::get(s3, bucket).await,
            Part::Notification => notification::get(s3, bucket, desired).await,
            Part::ObjectLockEnabled => object_lock::get_enabled(s3, bucket).await,
            Part::ObjectLock => object_lock::get(s3, bucket, desired).await,
            Part::Accelerate => accelerate::get(s3, bucket).await,
            Part::Replication => replication::get(s3, bucket, desired).await,
            Part::IntelligentTiering => intelligent_tiering::get(s3, bucket, desired).await,
            Part::Metrics => metrics::get(s3, bucket, desired).await,
        }
    }

    /// Back to S3's default, for a property removed from the template.
    async fn reset(self, s3: &Client, bucket: &str) -> Result<()> {
        match self {
            Part::OwnershipControls => ownership::reset(s3, bucket).await,
            Part::PublicAccessBlock => public_access::reset(s3, bucket).await,
            Part::Encryption => encryption::reset(s3, bucket).await,
            Part::Versioning => versioning::reset(s3, bucket).await,
            Part::Lifecycle => lifecycle::reset(s3, bucket).await,
            Part::Logging => logging::reset(s3, bucket).await,
            Part::Cors => cors::reset(s3, bucket).await,
            Part::AccessControl => acl::reset(s3, bucket).await,
            Part::Website => website::reset(s3, bucket).await,
            Part::Notification => notification::reset(s3, bucket).await,
            // S3 never turns object lock off; `false` on a locked bucket is refused by put.
            Part::ObjectLockEnabled => Ok(()),
            Part::ObjectLock => object_lock::reset(s3, bucket).await,
            Part::Accelerate => accelerate::reset(s3, bucket).await,
            Part::Replication => replication::reset(s3, bucket).await,
            Part::IntelligentTiering => intelligent_tiering::reset(s3, bucket).await,
            Part::Metrics => metrics::reset(s3, bucket).await,
        }
    }
}

/// Properties handled outside `PARTS`.
const OTHER_PROPERTIES: [&str; 2] = ["BucketName", "Tags"];

/// Refuses properties fuelflow would otherwise silently ignore.
fn check_supported(props: &Props) -> Result<()> {
    for key in props.keys().filter(|k| !crate::resources::is_engine_key(k)) {
        let known =
            OTHER_PROPERTIES.contains(&key.as_str()) || PARTS.iter().any(|p| p.property() == key);
        if !known {
            return Err(ResourceError::invalid(key, "not supported by fuelflow yet"));
        }
    }
    Ok(())
}

fn bucket_name(props: &Props) -> Result<String> {
    let name = props
        .get("BucketName")
        .and_then(Value::as_str)
        .ok_or_else(|| ResourceError::invalid("BucketName", "is required"))?;
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if !(3..=63).contains(&name.len()) || !valid_chars {
        return Err(ResourceError::invalid(
            "BucketName",
            format!("`{name}` must be 3-63 lower-case letters, digits, dots or hyphens"),
        ));
    }
    Ok(name.to_owned())
}

fn attributes(ctx: &Ctx, bucket: &str) -> Attributes {
    let region = ctx.region.as_str();
    let (partition, suffix) = if region.starts_with("cn-") {
        ("aws-cn", "amazonaws.com.cn")
    } else if region.starts_with("us-gov-") {
        ("aws-us-gov", "amazonaws.com")
    } else {
        ("aws", "amazonaws.com")
    };
    // The regions older than 2014 name website endpoints with a dash, the others with a dot.
    let dash_website = [
        "us-east-1",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "sa-east-1",
        "us-gov-west-1",
    ];
    let website = if dash_website.contains(&region) {
        "s3-website-"
    } else {
        "s3-website."
    };
    Attributes::from([
        (
            "Arn".to_owned(),
            json!(format!("arn:{partition}:s3:::{bucket}")),
        ),
        (
            "DomainName".to_owned(),
            json!(format!("{bucket}.s3.{suffix}")),
        ),
        (
            "RegionalDomainName".to_owned(),
            json!(format!("{bucket}.s3.{region}.{suffix}")),
        ),
        (
            "DualStackDomainName".to_owned(),
            json!(format!("{bucket}.s3.dualstack.{region}.{suffix}")),
        ),
        (
            "WebsiteURL".to_owned(),
            json!(format!("http://{bucket}.{website}{region}.{suffix}")),
        ),
    ])
}

async fn exists(s3: &Client, bucket: &str) -> Result<bool> {
    match s3.head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(false),
        Err(e) => Err(aws("s3:HeadBucket")(e)),
    }
}

/// Template tags plus fuelflow's ownership tags, the whole set S3 keeps.
async fn put_tags(ctx: &Ctx, bucket: &str, props: &Props) -> Result<()> {
    tags::put(ctx.clients.s3(), bucket, &ctx.tags_with_ownership(props)).await
}

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "AccelerateConfiguration",
    "AccessControl",
    "BucketEncryption",
    "BucketName",
    "CorsConfiguration",
    "IntelligentTieringConfigurations",
    "LifecycleConfiguration",
    "LoggingConfiguration",
    "MetricsConfigurations",
    "NotificationConfiguration",
    "ObjectLockConfiguration",
    "ObjectLockEnabled",
    "OwnershipControls",
    "PublicAccessBlockConfiguration",
    "ReplicationConfiguration",
    "Tags",
    "VersioningConfiguration",
    "WebsiteConfiguration",
];

impl Resource for Bucket {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    /// After the policies of its log bucket, which S3 checks at `PutBucketLogging`.
    fn implicit_dependencies(&self, stack: &Stack, logical_id: &str) -> Vec<String> {
        super::ordering::log_bucket_policies(stack, logical_id)
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("BucketName")
    }

    fn name_rules(&self) -> (usize, bool) {
        (63, true)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        check_supported(props)?;
        let bucket = bucket_name(props)?;
        for part in PARTS {
            if let Some(value) = props.get(part.property()) {
                part.check(&bucket, value)?;
            }
        }
        let s3 = ctx.clients.s3();
        let mut request = s3.create_bucket().bucket(&bucket);
        // us-east-1 is the default location and refuses to be named as a constraint.
        if ctx.region != "us-east-1" {
            request = request.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(ctx.region.as_str()))
                    .build(),
            );
        }
        let locked = match props.get("ObjectLockEnabled") {
            Some(v) => object_lock::enabled(v)?,
            None => false,
        };
        if locked {
            request = request.object_lock_enabled_for_bucket(true);
        }
        request.send().await.map_err(aws("s3:CreateBucket"))?;
        put_tags(ctx, &bucket, props).await?;
        for part in PARTS {
            if let Some(value) = props.get(part.property()) {
                // The lock flag went with CreateBucket.
                if !matches!(part, Part::ObjectLockEnabled) {
                    part.put(s3, &bucket, value, None).await?;
                }
            }
        }
        Ok(Created {
            attributes: attributes(ctx, &bucket),
            physical_id: bucket,
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let s3 = ctx.clients.s3();
        // The managed configurations are independent reads, sent together. Each answers
        // NoSuchBucket for a bucket that is gone, so HeadBucket is only asked when the template
        // manages none of them.
        type Read<'r> = futures_util::future::BoxFuture<'r, Result<Option<(&'static str, Value)>>>;
        let mut reads: Vec<Read> = Vec::new();
        for part in PARTS {
            if let Some(wanted) = desired.get(part.property()) {
                reads.push(Box::pin(async move {
                    let live = part.get(s3, physical_id, wanted).await?;
                    Ok(live.map(|live| (part.property(), live)))
                }));
            }
        }
        if desired.contains_key("Tags") {
            reads.push(Box::pin(async move {
                let mut live = tags::get(s3, physical_id).await?;
                live.retain(|(k, _)| !k.starts_with("fuelflow:") && !k.starts_with("aws:"));
                Ok(Some(("Tags", tag_list(&live))))
            }));
        }
        if reads.is_empty() && !exists(s3, physical_id).await? {
            return Ok(None);
        }
        let reads = futures_util::future::join_all(reads).await;
        if reads
            .iter()
            .any(|read| matches!(read, Err(e) if e.code == "NoSuchBucket"))
        {
            return Ok(None);
        }
        let mut properties = Props::new();
        if desired.contains_key("BucketName") {
            properties.insert("BucketName".into(), json!(physical_id));
        }
        for read in reads {
            if let Some((property, live)) = read? {
                properties.insert(property.into(), live);
            }
        }
        Ok(Some(Live {
            properties,
            attributes: attributes(ctx, physical_id),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        check_supported(new)?;
        for part in PARTS {
            if let Some(value) = new.get(part.property()) {
                part.check(physical_id, value)?;
            }
        }
        // What changed is judged against the live bucket (so drift is repaired even when
        // `old` is the last-applied template); `old` only says what the template dropped.
        let live = self
            .read(ctx, physical_id, new)
            .await?
            .ok_or_else(|| {
                ResourceError::new("NoSuchBucket", format!("bucket `{physical_id}` is gone"))
            })?
            .properties;
        let s3 = ctx.clients.s3();
        for part in PARTS {
            let key = part.property();
            match (new.get(key), live.get(key)) {
                (Some(after), Some(current)) if equivalent(after, current) => {}
                (Some(after), current) => part.put(s3, physical_id, after, current).await?,
                (None, _) if old.contains_key(key) => part.reset(s3, physical_id).await?,
                (None, _) => {}
            }
        }
        let tags_differ = match new.get("Tags") {
            Some(wanted) => !live.get("Tags").is_some_and(|l| equivalent(wanted, l)),
            None => old.contains_key("Tags"),
        };
        if tags_differ {
            put_tags(ctx, physical_id, new).await?;
        }
        Ok(attributes(ctx, physical_id))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        match ctx
            .clients
            .s3()
            .delete_bucket()
            .bucket(physical_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("NoSuchBucket") => Ok(()),
            Err(e) if e.code() == Some("BucketNotEmpty") => Err(ResourceError::new(
                "BucketNotEmpty",
                format!(
                    "bucket `{physical_id}` still holds objects (or object versions); \
                     fuelflow never deletes data: empty it first, or keep it with \
                     `DeletionPolicy: Retain`"
                ),
            )),
            Err(e) => Err(aws("s3:DeleteBucket")(e)),
        }
    }

    /// By name only: the engine always passes the bucket name (generated when the template has
    /// none), and finding a bucket by tags would mean reading the tags of every bucket.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(bucket) = props.get("BucketName").and_then(Value::as_str) else {
            return Ok(None);
        };
        match ctx.clients.s3().head_bucket().bucket(bucket).send().await {
            Ok(_) => Ok(Some(bucket.to_owned())),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            // 403: the name is taken by another account; it is not ours to adopt.
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 403) => Ok(None),
            Err(e) => Err(aws("s3:HeadBucket")(e)),
        }
    }

    async fn owner(&self, ctx: &Ctx, name: &str) -> Result<Option<Owner>> {
        Ok(Owner::from_tags(tags::get(ctx.clients.s3(), name).await?))
    }
}
