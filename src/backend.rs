//! The state backend a run uses: where state lives (S3) and how runs are kept apart (DynamoDB),
//! named in `fuelflow.yaml` (or by flags in template mode).

use crate::state::dynamodb_lock::DynamoDbLocker;
use crate::state::s3::{Encryption, S3StateStore};
use crate::state::{LockRequest, StateKey};
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

/// A connected backend: the state store and the locker.
pub struct Backend {
    pub names: BackendNames,
    pub store: Arc<S3StateStore>,
    pub locker: Arc<DynamoDbLocker>,
}

impl Backend {
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
        }
    }

    pub fn key(&self, env: &str, stack: &str) -> StateKey {
        StateKey::new(env, stack)
    }

    /// The lock request for one stack's state.
    pub fn lock_request(&self, env: &str, stack: &str, operation: &str) -> LockRequest {
        let key = self.key(env, stack);
        LockRequest::new(self.store.lock_path(&key), operation, key)
    }

    /// `s3://bucket/prefix`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "s3://{}/{} (lock table {})",
            self.names.bucket, self.names.key_prefix, self.names.lock_table
        )
    }
}
