//! One conformance suite for every `StateStore`: the memory store and the S3 store (on moto)
//! must refuse the same stale, foreign and backwards writes.

use crate::support;

use aws_sdk_s3::types::{BucketVersioningStatus, ServerSideEncryption, VersioningConfiguration};
use fuelflow::state::memory::MemoryStateStore;
use fuelflow::state::s3::{Encryption, S3StateStore};
use fuelflow::state::{StateDocument, StateKey, StateStore, StoreError};
use serde_json::json;

/// The shared contract. `write_raw` stores bytes behind the store's back, as a newer fuelflow would.
async fn conformance(
    store: &dyn StateStore,
    env: &str,
    write_raw: impl AsyncFn(&StateKey, Vec<u8>),
) {
    let key = StateKey::new(env, "iam");

    // Nothing yet.
    assert!(store.get(&key).await.unwrap().is_none());
    assert!(store.list_stacks(env).await.unwrap().is_empty());

    // First write: only if nothing is there.
    let mut doc = StateDocument::new("iam").next_serial();
    doc.outputs.insert(
        "RoleArn".into(),
        fuelflow::state::model::OutputState {
            value: json!("arn:aws:iam::1:role/r"),
            export_name: None,
            sensitive: false,
        },
    );
    let tag1 = store.put(&key, &doc, None).await.unwrap();
    let (read, read_tag) = store
        .get(&key)
        .await
        .unwrap()
        .expect("written state reads back");
    assert_eq!(read, doc);
    assert_eq!(read_tag, tag1);
    assert_eq!(store.list_stacks(env).await.unwrap(), ["iam"]);

    // A second "first write" is a conflict, not an overwrite.
    let other_first = StateDocument::new("iam").next_serial();
    let err = store.put(&key, &other_first, None).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                stored_serial: Some(1),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("changed since it was read (it is now at serial 1); another run wrote it"),
        "{err}"
    );

    // Conditional update with the tag read.
    let doc2 = doc.next_serial();
    let tag2 = store.put(&key, &doc2, Some(&tag1)).await.unwrap();
    assert_ne!(tag2, tag1);
    assert_eq!(store.get(&key).await.unwrap().unwrap().0.serial, 2);

    // A stale writer (still holding tag1) is refused and the stored state is untouched.
    let stale = doc.next_serial().next_serial();
    let err = store.put(&key, &stale, Some(&tag1)).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                stored_serial: Some(2),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        store.get(&key).await.unwrap().unwrap(),
        (doc2.clone(), tag2.clone())
    );

    // Another lineage is refused even with the current tag.
    let mut foreign = StateDocument::new("iam");
    foreign.serial = 10;
    let err = store.put(&key, &foreign, Some(&tag2)).await.unwrap_err();
    assert!(matches!(err, StoreError::LineageMismatch { .. }), "{err:?}");

    // The serial must advance.
    let err = store.put(&key, &doc2, Some(&tag2)).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::SerialNotAdvanced {
                stored: 2,
                writing: 2,
                ..
            }
        ),
        "{err:?}"
    );

    // Delete needs the current tag too.
    let err = store.delete(&key, &tag1).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    store.delete(&key, &tag2).await.unwrap();
    assert!(store.get(&key).await.unwrap().is_none());

    // A newer format is refused on read and is never overwritten.
    let newer = StateKey::new(env, "newer");
    write_raw(
        &newer,
        br#"{"format_version": 2, "lineage": "x", "serial": 5, "stack": "newer"}"#.to_vec(),
    )
    .await;
    let err = store.get(&newer).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NewerFormat {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("format version 2") && err.to_string().contains("up to 1"),
        "{err}"
    );
    let mut ours = StateDocument::new("newer");
    ours.serial = 6;
    assert!(store.put(&newer, &ours, None).await.is_err());

    // Garbage is reported as corrupt, naming the state.
    let broken = StateKey::new(env, "broken");
    write_raw(&broken, b"{ not json".to_vec()).await;
    let err = store.get(&broken).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains(&format!("{env}/broken")), "{err}");
}

#[tokio::test]
async fn memory_store_conforms() {
    let store = MemoryStateStore::new();
    conformance(&store, "dev", async |key: &StateKey, bytes: Vec<u8>| {
        store.put_raw(key, bytes);
    })
    .await;
}

async fn versioned_bucket(s3: &aws_sdk_s3::Client) -> String {
    let bucket = support::unique("ff-state").to_lowercase();
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    s3.put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    bucket
}

#[tokio::test]
async fn s3_store_conforms() {
    let config = support::MotoServer::shared().sdk_config().await;
    let s3 = fuelflow::aws::s3_client(&config);
    let bucket = versioned_bucket(&s3).await;
    let store = S3StateStore::new(s3.clone(), &bucket, "fuelflow", Encryption::Aes256);
    conformance(&store, "dev", async |key: &StateKey, bytes: Vec<u8>| {
        s3.put_object()
            .bucket(&bucket)
            .key(store.object_key(key))
            .body(bytes.into())
            .send()
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn s3_objects_are_encrypted_versioned_and_where_the_design_says() {
    let config = support::MotoServer::shared().sdk_config().await;
    let s3 = fuelflow::aws::s3_client(&config);
    let bucket = versioned_bucket(&s3).await;
    let store = S3StateStore::new(s3.clone(), &bucket, "fuelflow", Encryption::Aes256);
    let key = StateKey::new("prod", "network");

    let doc = StateDocument::new("network").next_serial();
    let tag = store.put(&key, &doc, None).await.unwrap();
    store
        .put(&key, &doc.next_serial(), Some(&tag))
        .await
        .unwrap();

    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("fuelflow/prod/network.json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.server_side_encryption(),
        Some(&ServerSideEncryption::Aes256)
    );
    assert_eq!(head.content_type(), Some("application/json"));

    // Every serial stays recoverable as an object version.
    let versions = s3
        .list_object_versions()
        .bucket(&bucket)
        .prefix("fuelflow/prod/network.json")
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 2);

    // The stored body is the document, readable by any JSON tool.
    let body = s3
        .get_object()
        .bucket(&bucket)
        .key("fuelflow/prod/network.json")
        .send()
        .await
        .unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&body.body.collect().await.unwrap().into_bytes()).unwrap();
    assert_eq!(json["serial"], 2);
    assert_eq!(json["lineage"], doc.lineage.as_str());
    assert_eq!(json["format_version"], 1);
}

#[tokio::test]
async fn s3_objects_use_the_configured_kms_key() {
    let config = support::MotoServer::shared().sdk_config().await;
    let s3 = fuelflow::aws::s3_client(&config);
    let bucket = versioned_bucket(&s3).await;
    let kms = Encryption::Kms {
        key_id: "alias/fuelflow-state".into(),
    };
    let store = S3StateStore::new(s3.clone(), &bucket, "", kms);
    let key = StateKey::new("dev", "iam");
    store
        .put(&key, &StateDocument::new("iam").next_serial(), None)
        .await
        .unwrap();

    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("dev/iam.json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.server_side_encryption(),
        Some(&ServerSideEncryption::AwsKms)
    );
    assert_eq!(head.ssekms_key_id(), Some("alias/fuelflow-state"));
}
