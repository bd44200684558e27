//! The S3 handlers against moto: every claim about the live bucket is checked with the SDK
//! directly, not only through the handler's own `read`.

use crate::support;
use crate::support::handlers::{self, assert_no_drift, props};
use crate::support::s3::{live_tags, live_versioning};

use crate::support::MotoServer;
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use fuelflow::resources::compare::equivalent;
use fuelflow::resources::{Ctx, Handler, Props, handler};
use serde_json::json;

async fn ctx(logical_id: &str) -> Ctx {
    handlers::ctx_on(MotoServer::shared(), "test-stack", logical_id).await
}

fn bucket_handler() -> &'static dyn Handler {
    handler("AWS::S3::Bucket").expect("a bucket handler")
}

fn full_bucket(name: &str) -> Props {
    props(json!({
        "BucketName": name,
        "VersioningConfiguration": {"Status": "Enabled"},
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"BucketKeyEnabled": true, "ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        ]},
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": true, "BlockPublicPolicy": true,
            "IgnorePublicAcls": true, "RestrictPublicBuckets": true
        },
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "LifecycleConfiguration": {"Rules": [
            {"Id": "expire-tmp", "Status": "Enabled", "Prefix": "tmp/", "ExpirationInDays": 7},
            {"Id": "old-versions", "Status": "Enabled",
             "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}},
            {"Id": "archive", "Status": "Enabled", "Prefix": "archive/",
             "Transitions": [{"StorageClass": "GLACIER", "TransitionInDays": 90}]}
        ]},
        "CorsConfiguration": {"CorsRules": [
            {"AllowedMethods": ["GET"], "AllowedOrigins": ["https://example.com"], "MaxAge": 300}
        ]},
        "Tags": [{"Key": "team", "Value": "fuel"}, {"Key": "env", "Value": "test"}]
    }))
}

#[tokio::test]
async fn bucket_create_read_update_drift_delete() {
    let ctx = ctx("DataBucket").await;
    let h = bucket_handler();
    assert_eq!(h.name_property(), Some("BucketName"));
    assert_eq!(h.name_rules(), (63, true));
    let name = support::unique("ff-bucket").to_lowercase();
    let desired = full_bucket(&name);
    let s3 = ctx.clients.s3();

    let created = h.create(&ctx, &desired).await.expect("create");
    assert_eq!(created.physical_id, name);
    assert_eq!(
        created.attributes["Arn"],
        json!(format!("arn:aws:s3:::{name}"))
    );
    assert_eq!(
        created.attributes["DomainName"],
        json!(format!("{name}.s3.amazonaws.com"))
    );
    assert_eq!(
        created.attributes["RegionalDomainName"],
        json!(format!("{name}.s3.us-east-1.amazonaws.com"))
    );

    // The live bucket, seen through the SDK.
    assert_eq!(live_versioning(s3, &name).await, "Enabled");
    let enc = s3
        .get_bucket_encryption()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
    assert_eq!(rule.bucket_key_enabled(), Some(true));
    let pab = s3
        .get_public_access_block()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        pab.public_access_block_configuration()
            .unwrap()
            .restrict_public_buckets(),
        Some(true)
    );
    let lifecycle = s3
        .get_bucket_lifecycle_configuration()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(lifecycle.rules().len(), 3);
    let cors = s3.get_bucket_cors().bucket(&name).send().await.unwrap();
    assert_eq!(cors.cors_rules()[0].max_age_seconds(), Some(300));
    let ownership = s3
        .get_bucket_ownership_controls()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ownership.ownership_controls().unwrap().rules()[0]
            .object_ownership()
            .as_str(),
        "BucketOwnerEnforced"
    );
    let tags = live_tags(s3, &name).await;
    for tag in [
        "<Key>team</Key><Value>fuel</Value>",
        "<Key>fuelflow:stack</Key><Value>test-stack</Value>",
        "<Key>fuelflow:logical-id</Key><Value>DataBucket</Value>",
    ] {
        assert!(tags.contains(tag), "{tag} missing in {tags}");
    }

    // A re-plan right after create finds nothing to do.
    let live = h
        .read(&ctx, &name, &desired)
        .await
        .unwrap()
        .expect("exists");
    assert_no_drift(&desired, &live.properties);
    assert!(!live.properties["Tags"].to_string().contains("fuelflow:"));
    assert_eq!(live.attributes, created.attributes);

    // Update in place: lifecycle changed, CORS removed, tags changed.
    let mut updated = desired.clone();
    updated["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] = json!(14);
    updated.remove("CorsConfiguration");
    updated["Tags"] = json!([{"Key": "team", "Value": "flow"}]);
    h.update(&ctx, &name, &desired, &updated)
        .await
        .expect("update");
    let lifecycle = s3
        .get_bucket_lifecycle_configuration()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    let expire = lifecycle
        .rules()
        .iter()
        .find(|r| r.id() == Some("expire-tmp"))
        .unwrap();
    assert_eq!(expire.expiration().unwrap().days(), Some(14));
    assert!(
        s3.get_bucket_cors().bucket(&name).send().await.is_err(),
        "CORS removed"
    );
    let tags = live_tags(s3, &name).await;
    assert!(
        tags.contains("<Value>flow</Value>") && !tags.contains("<Key>env</Key>"),
        "{tags}"
    );
    assert!(
        tags.contains("fuelflow:stack"),
        "ownership tags kept: {tags}"
    );
    let live = h.read(&ctx, &name, &updated).await.unwrap().unwrap();
    assert_no_drift(&updated, &live.properties);

    // Drift: versioning suspended and a tag changed out of band; read shows it, and update
    // repairs it although `old` (the last-applied template, as the engine passes it) equals `new`.
    s3.put_bucket_versioning()
        .bucket(&name)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Suspended)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut tagging = ctx.tags_with_ownership(&updated);
    tagging[0].1 = "hijacked".into();
    let tag_set = tagging
        .iter()
        .map(|(k, v)| {
            aws_sdk_s3::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .unwrap()
        })
        .collect();
    s3.put_bucket_tagging()
        .bucket(&name)
        .tagging(
            aws_sdk_s3::types::Tagging::builder()
                .set_tag_set(Some(tag_set))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let live = h.read(&ctx, &name, &updated).await.unwrap().unwrap();
    assert_eq!(
        live.properties["VersioningConfiguration"],
        json!({"Status": "Suspended"})
    );
    assert_eq!(
        live.properties["Tags"],
        json!([{"Key": "team", "Value": "hijacked"}])
    );
    assert!(equivalent(
        &updated["LifecycleConfiguration"],
        &live.properties["LifecycleConfiguration"]
    ));
    h.update(&ctx, &name, &updated, &updated)
        .await
        .expect("repair");
    assert_eq!(live_versioning(s3, &name).await, "Enabled");
    let live = h.read(&ctx, &name, &updated).await.unwrap().unwrap();
    assert_no_drift(&updated, &live.properties);

    // Removing versioning from the template suspends it (S3 cannot unversion a bucket).
    let mut unversioned = updated.clone();
    unversioned.remove("VersioningConfiguration");
    h.update(&ctx, &name, &updated, &unversioned).await.unwrap();
    assert_eq!(live_versioning(s3, &name).await, "Suspended");

    // Adopt by name.
    assert_eq!(
        h.adopt(&ctx, &updated)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(name.clone())
    );
    let mut other = updated.clone();
    other["BucketName"] = json!(support::unique("ff-none").to_lowercase());
    assert_eq!(
        h.adopt(&ctx, &other).await.unwrap().map(|a| a.physical_id),
        None
    );

    // A bucket holding data is never emptied by delete.
    s3.put_object()
        .bucket(&name)
        .key("keep.txt")
        .body(b"data".to_vec().into())
        .send()
        .await
        .unwrap();
    let err = h
        .delete(&ctx, &name, &updated)
        .await
        .expect_err("not empty");
    assert_eq!(err.code, "BucketNotEmpty");
    assert!(err.message.contains(&name), "{err}");
    assert!(
        s3.head_object()
            .bucket(&name)
            .key("keep.txt")
            .send()
            .await
            .is_ok()
    );

    // Empty it (all versions) out of band, then delete; deleting again is fine.
    let listed = s3
        .list_object_versions()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    for v in listed.versions() {
        s3.delete_object()
            .bucket(&name)
            .key(v.key().unwrap())
            .set_version_id(v.version_id().map(str::to_owned))
            .send()
            .await
            .unwrap();
    }
    for m in listed.delete_markers() {
        s3.delete_object()
            .bucket(&name)
            .key(m.key().unwrap())
            .set_version_id(m.version_id().map(str::to_owned))
            .send()
            .await
            .unwrap();
    }
    h.delete(&ctx, &name, &updated).await.expect("delete");
    assert!(
        s3.head_bucket().bucket(&name).send().await.is_err(),
        "bucket gone"
    );
    h.delete(&ctx, &name, &updated).await.expect("delete again");
    assert!(h.read(&ctx, &name, &updated).await.unwrap().is_none());
}

#[tokio::test]
async fn bucket_deleted_out_of_band_reads_as_none() {
    let ctx = ctx("Gone").await;
    let h = bucket_handler();
    let name = support::unique("ff-gone").to_lowercase();
    let desired = props(json!({
        "BucketName": name,
        "Tags": [],
        "VersioningConfiguration": {"Status": "Enabled"}
    }));
    // A bare bucket has no configuration read to answer NoSuchBucket: HeadBucket asks instead.
    let bare = props(json!({"BucketName": name}));
    h.create(&ctx, &desired).await.unwrap();
    let live = h.read(&ctx, &name, &desired).await.unwrap().unwrap();
    assert_no_drift(&desired, &live.properties);
    assert!(h.read(&ctx, &name, &bare).await.unwrap().is_some());
    let s3 = ctx.clients.s3();
    // A versioned bucket is deleted only once it holds no versions; it holds none yet.
    s3.delete_bucket().bucket(&name).send().await.unwrap();
    assert!(s3.head_bucket().bucket(&name).send().await.is_err());
    assert!(h.read(&ctx, &name, &desired).await.unwrap().is_none());
    assert!(h.read(&ctx, &name, &bare).await.unwrap().is_none());
    assert_eq!(
        h.adopt(&ctx, &desired)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );
}

#[tokio::test]
async fn legacy_lifecycle_forms_and_logging_read_back_as_written() {
    let ctx = ctx("Logged").await;
    let h = bucket_handler();
    let s3 = ctx.clients.s3();
    let logs = support::unique("ff-logs").to_lowercase();
    s3.create_bucket().bucket(&logs).send().await.unwrap();
    // moto checks the log-delivery group may write to the target bucket (ACLs, as S3 once did).
    s3.put_bucket_acl()
        .bucket(&logs)
        .acl(aws_sdk_s3::types::BucketCannedAcl::from(
            "log-delivery-write",
        ))
        .send()
        .await
        .unwrap();
    let name = support::unique("ff-logged").to_lowercase();
    let desired = props(json!({
        "BucketName": name,
        "LoggingConfiguration": {"DestinationBucketName": logs, "LogFilePrefix": "access/"},
        "LifecycleConfiguration": {"Rules": [{
            "Status": "Enabled",
            "NoncurrentVersionExpirationInDays": 10,
            "Transition": {"StorageClass": "Glacier", "TransitionInDays": 60},
            "TagFilters": [{"Key": "class", "Value": "cold"}]
        }]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "BlockPublicPolicy": false}
    }));
    h.create(&ctx, &desired).await.expect("create");
    let logging = s3.get_bucket_logging().bucket(&name).send().await.unwrap();
    let enabled = logging.logging_enabled().expect("logging on");
    assert_eq!(
        (enabled.target_bucket(), enabled.target_prefix()),
        (logs.as_str(), "access/")
    );
    let live = h.read(&ctx, &name, &desired).await.unwrap().unwrap();
    assert_no_drift(&desired, &live.properties);

    // Logging removed from the template: turned off.
    let mut without = desired.clone();
    without.remove("LoggingConfiguration");
    h.update(&ctx, &name, &desired, &without).await.unwrap();
    let logging = s3.get_bucket_logging().bucket(&name).send().await.unwrap();
    assert!(logging.logging_enabled().is_none());
    h.delete(&ctx, &name, &without).await.unwrap();
}

#[tokio::test]
async fn unsupported_properties_are_refused_before_anything_is_made() {
    let ctx = ctx("Refused").await;
    let h = bucket_handler();
    let name = support::unique("ff-refused").to_lowercase();
    for bad in [
        json!({"BucketName": name, "InventoryConfigurations": []}),
        json!({"BucketName": name, "LifecycleConfiguration": {"Rules": [{"Status": "Enabled", "Bogus": 1}]}}),
        json!({"BucketName": name, "VersioningConfiguration": {"Status": "On"}}),
        json!({"BucketName": "Upper_Case"}),
    ] {
        let err = h
            .create(&ctx, &props(bad.clone()))
            .await
            .expect_err("refused");
        assert_eq!(err.code, "InvalidProperty", "{bad}: {err}");
    }
    let err = h
        .create(
            &ctx,
            &props(json!({"BucketName": name, "AnalyticsConfigurations": []})),
        )
        .await
        .unwrap_err();
    assert!(
        err.message.contains("not supported by fuelflow yet"),
        "{err}"
    );
    assert!(
        ctx.clients
            .s3()
            .head_bucket()
            .bucket(&name)
            .send()
            .await
            .is_err(),
        "no bucket made"
    );
}

#[tokio::test]
async fn bucket_policy_lifecycle() {
    let ctx = ctx("Policy").await;
    let h = handler("AWS::S3::BucketPolicy").expect("a bucket policy handler");
    let s3 = ctx.clients.s3();
    let bucket = support::unique("ff-policy").to_lowercase();
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    // Allow statements only: moto applies any Deny to every caller (EMULATOR.md).
    let statement = |action: &str| {
        json!({
            "Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": action, "Resource": format!("arn:aws:s3:::{bucket}/*")
        })
    };
    let desired = props(json!({
        "Bucket": bucket,
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement("s3:GetObject")]}
    }));
    let created = h.create(&ctx, &desired).await.expect("create");
    assert_eq!(created.physical_id, bucket);
    let raw = s3.get_bucket_policy().bucket(&bucket).send().await.unwrap();
    assert!(raw.policy().unwrap().contains("s3:GetObject"));
    let live = h.read(&ctx, &bucket, &desired).await.unwrap().unwrap();
    assert_no_drift(&desired, &live.properties);

    // A document written as a JSON string reads back equal too.
    let as_string =
        props(json!({"Bucket": bucket, "PolicyDocument": desired["PolicyDocument"].to_string()}));
    let live = h.read(&ctx, &bucket, &as_string).await.unwrap().unwrap();
    assert_no_drift(&as_string, &live.properties);

    // Update in place.
    let mut updated = desired.clone();
    updated["PolicyDocument"]["Statement"] = json!([statement("s3:PutObject")]);
    h.update(&ctx, &bucket, &desired, &updated).await.unwrap();
    let raw = s3.get_bucket_policy().bucket(&bucket).send().await.unwrap();
    assert!(raw.policy().unwrap().contains("s3:PutObject"));

    // Drift: changed out of band, then repaired.
    let other = json!({"Version": "2012-10-17", "Statement": [statement("s3:ListBucket")]});
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(other.to_string())
        .send()
        .await
        .unwrap();
    let live = h.read(&ctx, &bucket, &updated).await.unwrap().unwrap();
    assert!(!equivalent(
        &updated["PolicyDocument"],
        &live.properties["PolicyDocument"]
    ));
    h.update(&ctx, &bucket, &updated, &updated).await.unwrap();
    let live = h.read(&ctx, &bucket, &updated).await.unwrap().unwrap();
    assert_no_drift(&updated, &live.properties);

    assert_eq!(
        h.adopt(&ctx, &updated)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(bucket.clone())
    );
    h.delete(&ctx, &bucket, &updated).await.unwrap();
    assert!(
        s3.get_bucket_policy().bucket(&bucket).send().await.is_err(),
        "policy gone"
    );
    assert!(h.read(&ctx, &bucket, &updated).await.unwrap().is_none());
    h.delete(&ctx, &bucket, &updated)
        .await
        .expect("delete again");
    assert_eq!(
        h.adopt(&ctx, &updated)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );
    s3.delete_bucket().bucket(&bucket).send().await.unwrap();
    h.delete(&ctx, &bucket, &updated)
        .await
        .expect("delete with the bucket gone");
}

/// `WebsiteConfiguration` and `AccessControl`: set at create, seen live with the SDK, read back
/// without drift, changed in place, and reset when the template drops them.
#[tokio::test]
async fn website_and_canned_acl_are_set_read_changed_and_reset() {
    let ctx = ctx("Site").await;
    let h = bucket_handler();
    let s3 = ctx.clients.s3();
    let name = support::unique("ff-site").to_lowercase();
    let desired = props(json!({
        "BucketName": name,
        "AccessControl": "PublicRead",
        "WebsiteConfiguration": {
            "IndexDocument": "index.html", "ErrorDocument": "error.html",
            "RoutingRules": [{"RedirectRule": {"ReplaceKeyPrefixWith": "docs/", "HttpRedirectCode": "301"},
                              "RoutingRuleCondition": {"KeyPrefixEquals": "old/"}}]
        }
    }));
    h.create(&ctx, &desired).await.expect("create");

    let site = s3.get_bucket_website().bucket(&name).send().await.unwrap();
    assert_eq!(site.index_document().unwrap().suffix(), "index.html");
    assert_eq!(site.error_document().unwrap().key(), "error.html");
    assert_eq!(site.routing_rules().len(), 1);
    let public_read = |acl: &aws_sdk_s3::operation::get_bucket_acl::GetBucketAclOutput| {
        acl.grants().iter().any(|g| {
            g.grantee().and_then(|e| e.uri())
                == Some("http://acs.amazonaws.com/groups/global/AllUsers")
        })
    };
    let acl = s3.get_bucket_acl().bucket(&name).send().await.unwrap();
    assert!(public_read(&acl), "{acl:?}");
    let live = h.read(&ctx, &name, &desired).await.unwrap().unwrap();
    assert_no_drift(&desired, &live.properties);

    let mut changed = desired.clone();
    changed.insert("AccessControl".into(), json!("Private"));
    changed.insert(
        "WebsiteConfiguration".into(),
        json!({"RedirectAllRequestsTo": {"HostName": "example.com", "Protocol": "https"}}),
    );
    h.update(&ctx, &name, &desired, &changed)
        .await
        .expect("update");
    let site = s3.get_bucket_website().bucket(&name).send().await.unwrap();
    assert_eq!(
        site.redirect_all_requests_to().unwrap().host_name(),
        "example.com"
    );
    assert!(site.index_document().is_none());
    assert!(!public_read(
        &s3.get_bucket_acl().bucket(&name).send().await.unwrap()
    ));
    let live = h.read(&ctx, &name, &changed).await.unwrap().unwrap();
    assert_no_drift(&changed, &live.properties);

    let plain = props(json!({"BucketName": name}));
    h.update(&ctx, &name, &changed, &plain)
        .await
        .expect("reset");
    let gone = s3.get_bucket_website().bucket(&name).send().await;
    assert!(gone.is_err(), "website configuration left: {gone:?}");
    h.delete(&ctx, &name, &plain).await.unwrap();
}

/// `NotificationConfiguration` to an SQS queue (made with the SDK), seen live, read back in the
/// template's spelling (`suffix`), and emptied when the template drops it.
#[tokio::test]
async fn notifications_to_a_queue_are_set_read_and_reset() {
    let ctx = ctx("Events").await;
    let h = bucket_handler();
    let s3 = ctx.clients.s3();
    let sqs = aws_sdk_sqs::Client::new(&MotoServer::shared().sdk_config().await);
    let queue = support::unique("ff-events");
    let url = sqs.create_queue().queue_name(&queue).send().await.unwrap();
    let arn = format!("arn:aws:sqs:us-east-1:123456789012:{queue}");
    let name = support::unique("ff-notify").to_lowercase();
    let desired = props(json!({
        "BucketName": name,
        "NotificationConfiguration": {"QueueConfigurations": [{
            "Event": "s3:ObjectCreated:*", "Queue": arn,
            "Filter": {"S3Key": {"Rules": [{"Name": "suffix", "Value": ".csv"}]}}
        }]}
    }));
    h.create(&ctx, &desired).await.expect("create");
    let live = s3
        .get_bucket_notification_configuration()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(live.queue_configurations().len(), 1);
    assert_eq!(live.queue_configurations()[0].queue_arn(), arn);
    let read = h.read(&ctx, &name, &desired).await.unwrap().unwrap();
    assert_no_drift(&desired, &read.properties);

    let plain = props(json!({"BucketName": name}));
    h.update(&ctx, &name, &desired, &plain)
        .await
        .expect("reset");
    // moto answers an empty configuration with an empty `<GetBucketNotificationResponse/>`
    // root, which the SDK cannot parse (AWS answers `<NotificationConfiguration/>`): either
    // form says no notification is left.
    match s3
        .get_bucket_notification_configuration()
        .bucket(&name)
        .send()
        .await
    {
        Ok(live) => assert!(live.queue_configurations().is_empty(), "{live:?}"),
        Err(e) => {
            let body = e.raw_response().and_then(|r| r.body().bytes());
            let body = String::from_utf8_lossy(body.unwrap_or_default());
            assert!(
                body.contains("<GetBucketNotificationResponse") && body.trim_end().ends_with("/>"),
                "{body}"
            );
        }
    }
    h.delete(&ctx, &name, &plain).await.unwrap();
    let url = url.queue_url().unwrap().to_string();
    sqs.delete_queue().queue_url(url).send().await.unwrap();
}
