//! The state backend a run uses: where state lives (S3) and how runs are kept apart (DynamoDB),
//! named in `fuelflow.yaml` (or by flags in template mode).

use crate::state::dynamodb_lock::DynamoDbLocker;
use crate::state::s3::{Encryption, S3StateStore};
use crate::state::{LockRequest, Locker, StateKey, StateStore};
use std::sync::Arc;

/// The backend names as written (they may contain `${AWS::AccountId}` and `${AWS::Region}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendNames {
    pub bucket: String,
    pub lock_table: String,
    pub key_prefix: String,
    pub kms_key_id: Option<String>,
}

impl BackendNames {
    pub fn needs_account_id(&self) -> bool {
        self.bucket.contains("${AWS::AccountId}") || self.lock_table.contains("${AWS::AccountId}")
    }

    /// The names with the pseudo parameters filled in.
    pub fn resolve(&self, account_id: &str, region: &str) -> BackendNames {
        let fill = |s: &str| crate::state::bootstrap::resolve_backend_name(s, account_id, region);
        BackendNames {
            bucket: fill(&self.bucket),
            lock_table: fill(&self.lock_table),
            key_prefix: self.key_prefix.clone(),
            kms_key_id: self.kms_key_id.clone(),
        }
    }
}

impl From<&crate::project::Backend> for BackendNames {
    fn from(b: &crate::project::Backend) -> BackendNames {
        BackendNames {
            bucket: b.bucket.clone(),
            lock_table: b.lock_table.clone(),
            key_prefix: b.key_prefix.clone(),
            kms_key_id: b.kms_key_id.clone(),
        }
    }
}

/// A connected backend: the state store and the locker (S3 and DynamoDB, or the memory ones in
/// tests).
pub struct Backend {
    pub names: BackendNames,
    pub store: Arc<dyn StateStore>,
    pub locker: Arc<dyn Locker>,
    /// `--accept-state-change`: plan from a state the bucket's history says was deleted,
    /// replaced or rewound, instead of refusing it.
    pub accept_state_change: bool,
}

impl Backend {
    /// A backend over any store and locker (tests give the memory ones); `names` still say
    /// where the locks are (their paths are the S3 ones).
    pub fn new(
        names: BackendNames,
        store: Arc<dyn StateStore>,
        locker: Arc<dyn Locker>,
    ) -> Backend {
        Backend {
            names,
            store,
            locker,
            accept_state_change: false,
        }
    }

    /// Connects to resolved names (no call is made until the store or locker is used).
    pub fn connect(config: &aws_config::SdkConfig, names: BackendNames) -> Backend {
        let encryption = match &names.kms_key_id {
            Some(key_id) => Encryption::Kms {
                key_id: key_id.clone(),
            },
            None => Encryption::Aes256,
        };
        let store = S3StateStore::new(
            crate::aws::s3_client(config),
            names.bucket.clone(),
            &names.key_prefix,
            encryption,
        );
        let locker = DynamoDbLocker::new(
            aws_sdk_dynamodb::Client::new(config),
            names.lock_table.clone(),
        );
        Backend {
            names,
            store: Arc::new(store),
            locker: Arc::new(locker),
            accept_state_change: false,
        }
    }

    pub fn key(&self, env: &str, stack: &str) -> StateKey {
        StateKey::new(env, stack)
    }

    /// The lock request for one stack's state.
    pub fn lock_request(&self, env: &str, stack: &str, operation: &str) -> LockRequest {
        let key = self.key(env, stack);
        LockRequest::new(self.lock_path(&key), operation, key)
    }

    /// `<bucket>/<object key>`, what [`S3StateStore::lock_path`] says (the DynamoDB `LockID`),
    /// whatever the store is.
    fn lock_path(&self, key: &StateKey) -> String {
        let prefix = self.names.key_prefix.trim_matches('/');
        let dir = if prefix.is_empty() {
            key.env.clone()
        } else {
            format!("{prefix}/{}", key.env)
        };
        format!("{}/{dir}/{}.json", self.names.bucket, key.stack)
    }

    /// `s3://bucket/prefix`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "s3://{}/{} (lock table {})",
            self.names.bucket, self.names.key_prefix, self.names.lock_table
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::memory::MemoryStateStore;
    use crate::state::memory_lock::MemoryLocker;

    fn names(key_prefix: &str) -> BackendNames {
        BackendNames {
            bucket: "state-bucket".into(),
            lock_table: "locks".into(),
            key_prefix: key_prefix.into(),
            kms_key_id: None,
        }
    }

    #[test]
    fn lock_paths_are_the_s3_stores_whatever_the_store() {
        let config = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        for prefix in ["fuelflow", "", "/a/b/"] {
            let s3 = S3StateStore::new(
                crate::aws::s3_client(&config),
                "state-bucket",
                prefix,
                Encryption::Aes256,
            );
            let memory = Backend::new(
                names(prefix),
                Arc::new(MemoryStateStore::new()),
                Arc::new(MemoryLocker::new()),
            );
            let key = StateKey::new("dev", "iam");
            assert_eq!(
                memory.lock_request("dev", "iam", "apply").path,
                s3.lock_path(&key),
                "prefix {prefix:?}"
            );
        }
    }
}
