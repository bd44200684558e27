//! The S3 [`StateStore`]: one JSON object per state at `<key_prefix>/<env>/<stack>.json`,
//! written with conditional puts (`If-None-Match: *` first, `If-Match: <etag>` after) and
//! server-side encryption. The bucket is versioned (see bootstrap), so every serial is kept.

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;

use super::BoxFuture;
use super::model::StateDocument;
use super::store::{
    Etag, StateKey, StateStore, StateVersion, StoreError, StoreResult, check_successor,
    check_writable, parse_stored,
};
use crate::aws::AwsError;

/// How state objects are encrypted at rest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Encryption {
    #[default]
    Aes256,
    Kms {
        key_id: String,
    },
}

pub struct S3StateStore {
    client: aws_sdk_s3::Client,
    bucket: String,
    key_prefix: String,
    encryption: Encryption,
}

impl S3StateStore {
    /// `client` should come from [`crate::aws::s3_client`] (path style for custom endpoints).
    pub fn new(
        client: aws_sdk_s3::Client,
        bucket: impl Into<String>,
        key_prefix: &str,
        encryption: Encryption,
    ) -> Self {
        S3StateStore {
            client,
            bucket: bucket.into(),
            key_prefix: key_prefix.trim_matches('/').to_owned(),
            encryption,
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// `<key_prefix>/<env>/<stack>.json` (no leading segment when the prefix is empty).
    pub fn object_key(&self, key: &StateKey) -> String {
        format!("{}{}.json", self.env_prefix(&key.env), key.stack)
    }

    /// The lock path for this state, `<bucket>/<object key>` (the DynamoDB `LockID`).
    pub fn lock_path(&self, key: &StateKey) -> String {
        format!("{}/{}", self.bucket, self.object_key(key))
    }

    fn env_prefix(&self, env: &str) -> String {
        if self.key_prefix.is_empty() {
            format!("{env}/")
        } else {
            format!("{}/{env}/", self.key_prefix)
        }
    }

    fn location(&self, key: &StateKey) -> String {
        format!("s3://{}/{}", self.bucket, self.object_key(key))
    }

    async fn get_now(&self, key: &StateKey) -> StoreResult<Option<(StateDocument, Etag)>> {
        let result = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.object_key(key))
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(AwsError::from_sdk("s3:GetObject", e).into()),
        };
        let etag = out.e_tag().map(|t| Etag(t.to_owned()));
        let bytes = out.body.collect().await.map_err(|e| StoreError::Corrupt {
            key: key.clone(),
            location: self.location(key),
            reason: format!("reading the object body failed: {e}"),
        })?;
        let etag = etag.ok_or_else(|| StoreError::Corrupt {
            key: key.clone(),
            location: self.location(key),
            reason: "the object has no ETag".into(),
        })?;
        Ok(Some((
            parse_stored(key, &self.location(key), &bytes.into_bytes())?,
            etag,
        )))
    }

    /// The stored object's ETag, from `HeadObject` (no body).
    async fn tag_now(&self, key: &StateKey) -> StoreResult<Option<Etag>> {
        let result = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(self.object_key(key))
            .send()
            .await;
        match result {
            Ok(out) => Ok(out.e_tag().map(|t| Etag(t.to_owned()))),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(e) => Err(AwsError::from_sdk("s3:HeadObject", e).into()),
        }
    }

    /// The serial now stored, for naming it in a conflict; best effort.
    async fn stored_serial(&self, key: &StateKey) -> Option<u64> {
        self.get_now(key)
            .await
            .ok()
            .flatten()
            .map(|(doc, _)| doc.serial)
    }

    async fn put_now(
        &self,
        key: &StateKey,
        doc: &StateDocument,
        expected: Option<&Etag>,
    ) -> StoreResult<Etag> {
        check_writable(key, doc)?;
        if let Some(expected) = expected {
            // The conditional put alone guards against races; reading first lets us also refuse
            // another lineage or a serial that does not advance, with a message saying so.
            match self.get_now(key).await? {
                Some((stored, tag)) if &tag == expected => check_successor(key, &stored, doc)?,
                Some((stored, _)) => {
                    return Err(StoreError::Conflict {
                        key: key.clone(),
                        stored_serial: Some(stored.serial),
                    });
                }
                None => {
                    return Err(StoreError::Conflict {
                        key: key.clone(),
                        stored_serial: None,
                    });
                }
            }
        }
        let mut request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(self.object_key(key))
            .content_type("application/json")
            .body(ByteStream::from(doc.to_json()));
        request = match &self.encryption {
            Encryption::Aes256 => request.server_side_encryption(ServerSideEncryption::Aes256),
            Encryption::Kms { key_id } => request
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(key_id),
        };
        request = match expected {
            None => request.if_none_match("*"),
            Some(tag) => request.if_match(&tag.0),
        };
        match request.send().await {
            Ok(out) => Ok(Etag(out.e_tag().unwrap_or_default().to_owned())),
            Err(e) if is_precondition_failure(e.code()) => match self.get_now(key).await {
                // Our own write landed but its answer was lost, so the SDK's retry failed the
                // condition against it: the stored document is exactly ours.
                Ok(Some((stored, tag))) if stored == *doc => Ok(tag),
                stored => Err(StoreError::Conflict {
                    key: key.clone(),
                    stored_serial: stored.ok().flatten().map(|(d, _)| d.serial),
                }),
            },
            Err(e) => Err(AwsError::from_sdk("s3:PutObject", e).into()),
        }
    }

    async fn delete_now(&self, key: &StateKey, expected: &Etag) -> StoreResult<()> {
        match self.get_now(key).await? {
            Some((_, tag)) if &tag == expected => {}
            other => {
                return Err(StoreError::Conflict {
                    key: key.clone(),
                    stored_serial: other.map(|(d, _)| d.serial),
                });
            }
        }
        let result = self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(self.object_key(key))
            .if_match(&expected.0)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_precondition_failure(e.code()) => Err(StoreError::Conflict {
                key: key.clone(),
                stored_serial: self.stored_serial(key).await,
            }),
            Err(e) => Err(AwsError::from_sdk("s3:DeleteObject", e).into()),
        }
    }

    /// The newest (up to 1,000) versions and delete markers of this state's object, newest
    /// first: one ListObjectVersions call.
    async fn history_now(&self, key: &StateKey) -> StoreResult<Vec<StateVersion>> {
        let object = self.object_key(key);
        let out = self
            .client
            .list_object_versions()
            .bucket(&self.bucket)
            .prefix(&object)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("s3:ListObjectVersions", e))?;
        let mut entries: Vec<(bool, Option<aws_sdk_s3::primitives::DateTime>, StateVersion)> =
            Vec::new();
        for v in out.versions().iter().filter(|v| v.key() == Some(&object)) {
            let version = StateVersion {
                id: v.version_id().unwrap_or("null").to_string(),
                modified: v.last_modified().map(|t| t.to_string()),
                deleted: false,
                etag: v.e_tag().map(|t| Etag(t.to_owned())),
            };
            entries.push((
                v.is_latest() == Some(true),
                v.last_modified().copied(),
                version,
            ));
        }
        for m in out
            .delete_markers()
            .iter()
            .filter(|m| m.key() == Some(&object))
        {
            let version = StateVersion {
                id: m.version_id().unwrap_or("null").to_string(),
                modified: m.last_modified().map(|t| t.to_string()),
                deleted: true,
                etag: None,
            };
            entries.push((
                m.is_latest() == Some(true),
                m.last_modified().copied(),
                version,
            ));
        }
        // Each list is newest first; merged by time (stable), the latest in front.
        entries.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        Ok(entries.into_iter().map(|(_, _, v)| v).collect())
    }

    async fn get_version_now(&self, key: &StateKey, id: &str) -> StoreResult<StateDocument> {
        let location = format!("{} (version {id})", self.location(key));
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.object_key(key))
            .version_id(id)
            .send()
            .await
            .map_err(|e| match e.code() {
                Some("NoSuchVersion" | "InvalidArgument" | "NoSuchKey") => {
                    StoreError::NoSuchVersion {
                        key: key.clone(),
                        id: id.to_string(),
                    }
                }
                _ => AwsError::from_sdk("s3:GetObject", e).into(),
            })?;
        let bytes = out.body.collect().await.map_err(|e| StoreError::Corrupt {
            key: key.clone(),
            location: location.clone(),
            reason: format!("reading the object body failed: {e}"),
        })?;
        parse_stored(key, &location, &bytes.into_bytes())
    }

    async fn list_now(&self, env: &str) -> StoreResult<Vec<String>> {
        let prefix = self.env_prefix(env);
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&prefix)
            .into_paginator()
            .send();
        let mut stacks = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::from_sdk("s3:ListObjectsV2", e))?;
            for object in page.contents() {
                let name = object
                    .key()
                    .and_then(|k| k.strip_prefix(&prefix))
                    .and_then(|k| k.strip_suffix(".json"));
                // Deeper keys are not states of this env.
                if let Some(stack) = name.filter(|s| !s.contains('/')) {
                    stacks.push(stack.to_owned());
                }
            }
        }
        stacks.sort();
        Ok(stacks)
    }
}

/// 412 is how S3 says a condition failed (unmodeled, so matched by code); 409
/// `ConditionalRequestConflict` is real S3's answer to two conditional writes racing.
fn is_precondition_failure(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("PreconditionFailed" | "ConditionalRequestConflict")
    )
}

impl StateStore for S3StateStore {
    fn get<'a>(
        &'a self,
        key: &'a StateKey,
    ) -> BoxFuture<'a, StoreResult<Option<(StateDocument, Etag)>>> {
        Box::pin(self.get_now(key))
    }

    fn put<'a>(
        &'a self,
        key: &'a StateKey,
        doc: &'a StateDocument,
        expected: Option<&'a Etag>,
    ) -> BoxFuture<'a, StoreResult<Etag>> {
        Box::pin(self.put_now(key, doc, expected))
    }

    fn tag<'a>(&'a self, key: &'a StateKey) -> BoxFuture<'a, StoreResult<Option<Etag>>> {
        Box::pin(self.tag_now(key))
    }

    fn delete<'a>(
        &'a self,
        key: &'a StateKey,
        expected: &'a Etag,
    ) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(self.delete_now(key, expected))
    }

    fn list_stacks<'a>(&'a self, env: &'a str) -> BoxFuture<'a, StoreResult<Vec<String>>> {
        Box::pin(self.list_now(env))
    }

    fn history<'a>(&'a self, key: &'a StateKey) -> BoxFuture<'a, StoreResult<Vec<StateVersion>>> {
        Box::pin(self.history_now(key))
    }

    fn get_version<'a>(
        &'a self,
        key: &'a StateKey,
        id: &'a str,
    ) -> BoxFuture<'a, StoreResult<StateDocument>> {
        Box::pin(self.get_version_now(key, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(prefix: &str) -> S3StateStore {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version_latest()
            .build();
        S3StateStore::new(
            aws_sdk_s3::Client::from_conf(config),
            "b",
            prefix,
            Encryption::Aes256,
        )
    }

    #[test]
    fn object_keys_follow_the_design() {
        let key = StateKey::new("dev", "iam");
        assert_eq!(store("fuelflow").object_key(&key), "fuelflow/dev/iam.json");
        assert_eq!(
            store("/fuelflow/").object_key(&key),
            "fuelflow/dev/iam.json"
        );
        assert_eq!(store("").object_key(&key), "dev/iam.json");
        assert_eq!(store("fuelflow").lock_path(&key), "b/fuelflow/dev/iam.json");
    }
}
