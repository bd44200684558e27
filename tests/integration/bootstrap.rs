//! `bootstrap` against moto: creates a correct backend, changes nothing the second time, and
//! reports and repairs drift made out of band. Every claim is checked on the live resources.

use crate::support;
use crate::support::s3::{live_tags, live_versioning};

use aws_sdk_dynamodb::types::{
    BillingMode, KeyType, PointInTimeRecoveryStatus, ScalarAttributeType, SseStatus,
};
use aws_sdk_s3::types::{BucketVersioningStatus, ServerSideEncryption, VersioningConfiguration};
use fuelflow::state::bootstrap::{BackendItem, BackendSpec, ItemChange, bootstrap};

fn spec() -> BackendSpec {
    BackendSpec {
        bucket: support::unique("ff-state").to_lowercase(),
        lock_table: support::unique("ff-locks"),
        kms_key_id: None,
        tags: vec![("team".into(), "platform".into())],
    }
}

fn change(report: &fuelflow::state::bootstrap::BootstrapReport, item: BackendItem) -> ItemChange {
    report.item(item).expect("item reported").change.clone()
}

async fn assert_bucket_is_right(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    algorithm: ServerSideEncryption,
) {
    assert_eq!(live_versioning(s3, bucket).await, "Enabled");

    let encryption = s3
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let rule = &encryption
        .server_side_encryption_configuration()
        .unwrap()
        .rules()[0];
    assert_eq!(
        rule.apply_server_side_encryption_by_default()
            .unwrap()
            .sse_algorithm(),
        &algorithm
    );

    let block = s3
        .get_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let block = block.public_access_block_configuration().unwrap();
    assert_eq!(block.block_public_acls(), Some(true));
    assert_eq!(block.ignore_public_acls(), Some(true));
    assert_eq!(block.block_public_policy(), Some(true));
    assert_eq!(block.restrict_public_buckets(), Some(true));

    let tags = live_tags(s3, bucket).await;
    for (key, value) in [
        ("fuelflow:managed", "true"),
        ("fuelflow:role", "state-bucket"),
        ("team", "platform"),
    ] {
        assert!(
            tags.contains(&format!("<Key>{key}</Key><Value>{value}</Value>")),
            "{key}={value} not in {tags}"
        );
    }
}

async fn assert_table_is_right(db: &aws_sdk_dynamodb::Client, name: &str) {
    let table = db
        .describe_table()
        .table_name(name)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let keys: Vec<(&str, &KeyType)> = table
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type()))
        .collect();
    assert_eq!(keys, [("LockID", &KeyType::Hash)]);
    assert_eq!(
        table.attribute_definitions()[0].attribute_type(),
        &ScalarAttributeType::S
    );
    assert_eq!(
        table.billing_mode_summary().and_then(|b| b.billing_mode()),
        Some(&BillingMode::PayPerRequest)
    );
    assert_eq!(
        table.sse_description().and_then(|s| s.status()),
        Some(&SseStatus::Enabled)
    );

    let backups = db
        .describe_continuous_backups()
        .table_name(name)
        .send()
        .await
        .unwrap();
    let pitr = backups
        .continuous_backups_description()
        .and_then(|c| c.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status());
    assert_eq!(pitr, Some(&PointInTimeRecoveryStatus::Enabled));

    let tags = db
        .list_tags_of_resource()
        .resource_arn(table.table_arn().unwrap())
        .send()
        .await
        .unwrap();
    let tags: Vec<(&str, &str)> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert!(tags.contains(&("fuelflow:role", "lock-table")), "{tags:?}");
}

#[tokio::test]
async fn creates_then_changes_nothing_then_repairs_drift() {
    let config = support::MotoServer::shared().sdk_config().await;
    let s3 = fuelflow::aws::s3_client(&config);
    let db = aws_sdk_dynamodb::Client::new(&config);
    let spec = spec();

    // A dry run on nothing says what it would create, and creates nothing.
    let report = bootstrap(&config, &spec, true).await.unwrap();
    assert!(report.dry_run);
    assert_eq!(
        change(&report, BackendItem::StateBucket),
        ItemChange::Created
    );
    assert_eq!(change(&report, BackendItem::LockTable), ItemChange::Created);
    assert!(s3.head_bucket().bucket(&spec.bucket).send().await.is_err());
    assert!(
        db.describe_table()
            .table_name(&spec.lock_table)
            .send()
            .await
            .is_err()
    );

    let report = bootstrap(&config, &spec, false).await.unwrap();
    assert_eq!(
        change(&report, BackendItem::StateBucket),
        ItemChange::Created
    );
    assert_eq!(change(&report, BackendItem::LockTable), ItemChange::Created);
    assert_bucket_is_right(&s3, &spec.bucket, ServerSideEncryption::Aes256).await;
    assert_table_is_right(&db, &spec.lock_table).await;

    let report = bootstrap(&config, &spec, false).await.unwrap();
    assert!(report.is_unchanged(), "{report:?}");

    // Out-of-band drift.
    s3.put_bucket_versioning()
        .bucket(&spec.bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Suspended)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.delete_public_access_block()
        .bucket(&spec.bucket)
        .send()
        .await
        .unwrap();
    db.update_continuous_backups()
        .table_name(&spec.lock_table)
        .point_in_time_recovery_specification(
            aws_sdk_dynamodb::types::PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(false)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    // A dry run reports it and leaves it.
    let dry = bootstrap(&config, &spec, true).await.unwrap();
    let drift = ItemChange::Repaired {
        drift: vec![
            "versioning was Suspended".into(),
            "public access block was missing".into(),
        ],
    };
    assert_eq!(change(&dry, BackendItem::StateBucket), drift);
    assert_eq!(live_versioning(&s3, &spec.bucket).await, "Suspended");

    let report = bootstrap(&config, &spec, false).await.unwrap();
    assert_eq!(change(&report, BackendItem::StateBucket), drift);
    assert_eq!(
        change(&report, BackendItem::LockTable),
        ItemChange::Repaired {
            drift: vec!["point-in-time recovery was DISABLED".into()]
        }
    );
    assert_bucket_is_right(&s3, &spec.bucket, ServerSideEncryption::Aes256).await;
    assert_table_is_right(&db, &spec.lock_table).await;

    let report = bootstrap(&config, &spec, false).await.unwrap();
    assert!(report.is_unchanged(), "{report:?}");
}

#[tokio::test]
async fn uses_the_kms_key_when_given_and_repairs_encryption_and_tags() {
    let config = support::MotoServer::shared().sdk_config().await;
    let s3 = fuelflow::aws::s3_client(&config);
    let db = aws_sdk_dynamodb::Client::new(&config);
    let spec = BackendSpec {
        kms_key_id: Some("alias/fuelflow".into()),
        ..spec()
    };

    bootstrap(&config, &spec, false).await.unwrap();
    assert_bucket_is_right(&s3, &spec.bucket, ServerSideEncryption::AwsKms).await;
    let encryption = s3
        .get_bucket_encryption()
        .bucket(&spec.bucket)
        .send()
        .await
        .unwrap();
    let default = encryption
        .server_side_encryption_configuration()
        .unwrap()
        .rules()[0]
        .apply_server_side_encryption_by_default()
        .unwrap()
        .clone();
    assert_eq!(default.kms_master_key_id(), Some("alias/fuelflow"));
    assert_table_is_right(&db, &spec.lock_table).await;

    // Someone replaces the tags and the encryption.
    s3.delete_bucket_tagging()
        .bucket(&spec.bucket)
        .send()
        .await
        .unwrap();
    s3.delete_bucket_encryption()
        .bucket(&spec.bucket)
        .send()
        .await
        .unwrap();
    let report = bootstrap(&config, &spec, false).await.unwrap();
    match change(&report, BackendItem::StateBucket) {
        ItemChange::Repaired { drift } => {
            assert!(
                drift.contains(&"default encryption was not configured".to_owned()),
                "{drift:?}"
            );
            assert!(
                drift.contains(&"tag fuelflow:managed was missing".to_owned()),
                "{drift:?}"
            );
        }
        other => panic!("expected a repair, got {other:?}"),
    }
    assert_bucket_is_right(&s3, &spec.bucket, ServerSideEncryption::AwsKms).await;
    assert!(
        bootstrap(&config, &spec, false)
            .await
            .unwrap()
            .is_unchanged()
    );
}

#[tokio::test]
async fn refuses_a_table_with_another_key() {
    let config = support::MotoServer::shared().sdk_config().await;
    let db = aws_sdk_dynamodb::Client::new(&config);
    let spec = spec();
    db.create_table()
        .table_name(&spec.lock_table)
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let err = bootstrap(&config, &spec, false).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&spec.lock_table) && text.contains("LockID"),
        "{text}"
    );
}

#[tokio::test]
async fn repairs_a_lock_table_made_by_hand() {
    let config = support::MotoServer::shared().sdk_config().await;
    let db = aws_sdk_dynamodb::Client::new(&config);
    let spec = spec();
    // Right key, but provisioned, AWS-owned-key encryption, no PITR, no tags.
    db.create_table()
        .table_name(&spec.lock_table)
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("LockID")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("LockID")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::Provisioned)
        .provisioned_throughput(
            aws_sdk_dynamodb::types::ProvisionedThroughput::builder()
                .read_capacity_units(1)
                .write_capacity_units(1)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let report = bootstrap(&config, &spec, false).await.unwrap();
    match change(&report, BackendItem::LockTable) {
        ItemChange::Repaired { drift } => {
            for line in [
                "billing mode was PROVISIONED",
                "server-side encryption with KMS was not enabled (AWS owned key)",
                "tag fuelflow:role was missing",
            ] {
                assert!(
                    drift.contains(&line.to_owned()),
                    "{line:?} not in {drift:?}"
                );
            }
            assert!(
                drift
                    .iter()
                    .any(|d| d.starts_with("point-in-time recovery was")),
                "{drift:?}"
            );
        }
        other => panic!("expected a repair, got {other:?}"),
    }
    let table = db
        .describe_table()
        .table_name(&spec.lock_table)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    assert_eq!(
        table.billing_mode_summary().and_then(|b| b.billing_mode()),
        Some(&BillingMode::PayPerRequest)
    );
    let backups = db
        .describe_continuous_backups()
        .table_name(&spec.lock_table)
        .send()
        .await
        .unwrap();
    let pitr = backups
        .continuous_backups_description()
        .and_then(|c| c.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status());
    assert_eq!(pitr, Some(&PointInTimeRecoveryStatus::Enabled));
    let tags = db
        .list_tags_of_resource()
        .resource_arn(table.table_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert!(
        tags.tags()
            .iter()
            .any(|t| t.key() == "fuelflow:role" && t.value() == "lock-table")
    );

    // moto 5.2 accepts UpdateTable's SSESpecification but does not store it, so on moto (only)
    // the encryption stays reported as drift; everything else is now in order.
    let again = bootstrap(&config, &spec, false).await.unwrap();
    assert_eq!(
        change(&again, BackendItem::LockTable),
        ItemChange::Repaired {
            drift: vec!["server-side encryption with KMS was not enabled (AWS owned key)".into()]
        }
    );
}

#[tokio::test]
async fn creates_the_bucket_in_the_configured_region() {
    let config = support::MotoServer::shared()
        .sdk_config()
        .await
        .to_builder()
        .region(aws_config::Region::new("eu-west-1"))
        .build();
    let spec = spec();
    let report = bootstrap(&config, &spec, false).await.unwrap();
    assert_eq!(
        change(&report, BackendItem::StateBucket),
        ItemChange::Created
    );
    let s3 = fuelflow::aws::s3_client(&config);
    let location = s3
        .get_bucket_location()
        .bucket(&spec.bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(
        location.location_constraint().map(|l| l.as_str()),
        Some("eu-west-1")
    );
    assert!(
        bootstrap(&config, &spec, false)
            .await
            .unwrap()
            .is_unchanged()
    );
}
