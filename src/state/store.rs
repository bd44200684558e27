//! The state store contract: read a document with its version tag, write it only if nobody else
//! wrote since (compare-and-swap on the tag), delete it the same way.

use std::fmt;

use super::BoxFuture;
use super::model::{FORMAT_VERSION, ModelError, StateDocument};
use crate::aws::AwsError;

/// Which state: one per environment and stack.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StateKey {
    pub env: String,
    pub stack: String,
}

impl StateKey {
    pub fn new(env: impl Into<String>, stack: impl Into<String>) -> Self {
        StateKey {
            env: env.into(),
            stack: stack.into(),
        }
    }
}

impl fmt::Display for StateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.env, self.stack)
    }
}

/// The store's version tag of what was read (an S3 ETag, a counter in memory); opaque to callers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Etag(pub String);

impl fmt::Display for Etag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("state {key} changed since it was read{}; another run wrote it", serial_note(*.stored_serial))]
    Conflict {
        key: StateKey,
        stored_serial: Option<u64>,
    },
    #[error(
        "state {key} belongs to another lineage (stored {stored}, writing {writing}); refusing to overwrite a different state"
    )]
    LineageMismatch {
        key: StateKey,
        stored: String,
        writing: String,
    },
    #[error("state {key} is at serial {stored}; a write must advance it, got {writing}")]
    SerialNotAdvanced {
        key: StateKey,
        stored: u64,
        writing: u64,
    },
    #[error(
        "state {key} has format version {found}, newer than this fuelflow understands (up to {supported}); upgrade fuelflow"
    )]
    NewerFormat {
        key: StateKey,
        found: u32,
        supported: u32,
    },
    #[error("state {key} ({location}) is corrupt: {reason}")]
    Corrupt {
        key: StateKey,
        location: String,
        reason: String,
    },
    #[error(
        "the state of stack {stack} in {env} is missing, but the bucket's history has {versions} version(s) of it (deleted?); refusing to start it again from nothing, which would create every resource a second time.\n\
         See its versions with:  fuelflow state restore --env {env} --stack {stack}\n\
         Put one back with:      fuelflow state restore --env {env} --stack {stack} --version <ID>\n\
         Or, if it is really gone on purpose, run again with --accept-state-change",
        env = key.env, stack = key.stack
    )]
    Deleted { key: StateKey, versions: usize },
    #[error(
        "the state of stack {stack} in {env} {change} since the previous version ({previous} then, {current} now): it was replaced by another state or an older copy; refusing to use it.\n\
         See its versions with:  fuelflow state restore --env {env} --stack {stack}\n\
         Put one back with:      fuelflow state restore --env {env} --stack {stack} --version <ID>\n\
         Or, to use it as it is, run again with --accept-state-change",
        env = key.env, stack = key.stack
    )]
    Rewound {
        key: StateKey,
        /// "changed lineage" or "went back in serial".
        change: &'static str,
        previous: String,
        current: String,
    },
    #[error("state {key} has no version {id}")]
    NoSuchVersion { key: StateKey, id: String },
    #[error("state backend: {0}")]
    Backend(#[from] AwsError),
}

/// One entry of a state's history in a versioned store, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateVersion {
    pub id: String,
    /// When it was written (RFC 3339), when the store says.
    pub modified: Option<String>,
    /// A delete marker: the state was deleted at that point.
    pub deleted: bool,
    /// The tag `get` returns for this version, when the store lists it (S3's ETag).
    pub etag: Option<Etag>,
}

fn serial_note(serial: Option<u64>) -> String {
    serial
        .map(|s| format!(" (it is now at serial {s})"))
        .unwrap_or_default()
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Where state documents live. Writes are compare-and-swap so a concurrent or stale writer is
/// refused instead of silently overwriting (the lock alone cannot guarantee that: it can be
/// force-removed while its holder still runs).
pub trait StateStore: Send + Sync {
    /// The document and its tag, or `None` if this state was never written (or was deleted).
    fn get<'a>(
        &'a self,
        key: &'a StateKey,
    ) -> BoxFuture<'a, StoreResult<Option<(StateDocument, Etag)>>>;

    /// Writes `doc` if the stored tag is still `expected` (`None`: only if nothing is stored).
    /// Also refuses a document of another lineage or one whose serial does not advance.
    fn put<'a>(
        &'a self,
        key: &'a StateKey,
        doc: &'a StateDocument,
        expected: Option<&'a Etag>,
    ) -> BoxFuture<'a, StoreResult<Etag>>;

    /// The tag of what is stored now (`None`: nothing), without reading the document: how a
    /// state read before the lock was held is confirmed after (one HEAD on S3).
    fn tag<'a>(&'a self, key: &'a StateKey) -> BoxFuture<'a, StoreResult<Option<Etag>>> {
        Box::pin(async move { Ok(self.get(key).await?.map(|(_, tag)| tag)) })
    }

    /// Deletes the state if the stored tag is still `expected`.
    fn delete<'a>(
        &'a self,
        key: &'a StateKey,
        expected: &'a Etag,
    ) -> BoxFuture<'a, StoreResult<()>>;

    /// The stacks that have a state in `env`, sorted.
    fn list_stacks<'a>(&'a self, env: &'a str) -> BoxFuture<'a, StoreResult<Vec<String>>>;

    /// The versions kept of this state, newest first (a store without history: none).
    fn history<'a>(&'a self, _key: &'a StateKey) -> BoxFuture<'a, StoreResult<Vec<StateVersion>>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// One version of [`StateStore::history`] (not a delete marker).
    fn get_version<'a>(
        &'a self,
        key: &'a StateKey,
        id: &'a str,
    ) -> BoxFuture<'a, StoreResult<StateDocument>> {
        Box::pin(async move {
            Err(StoreError::NoSuchVersion {
                key: key.clone(),
                id: id.to_string(),
            })
        })
    }
}

/// Parses stored bytes, naming the key (and where it lives) when they are not a state we can use.
pub fn parse_stored(key: &StateKey, location: &str, bytes: &[u8]) -> StoreResult<StateDocument> {
    StateDocument::from_json(bytes).map_err(|e| match e {
        ModelError::NewerFormat { found, supported } => StoreError::NewerFormat {
            key: key.clone(),
            found,
            supported,
        },
        ModelError::Invalid(reason) => StoreError::Corrupt {
            key: key.clone(),
            location: location.to_owned(),
            reason: reason.to_string(),
        },
    })
}

/// The rules every store applies before replacing `stored` with `writing`.
pub fn check_successor(
    key: &StateKey,
    stored: &StateDocument,
    writing: &StateDocument,
) -> StoreResult<()> {
    if stored.lineage != writing.lineage {
        return Err(StoreError::LineageMismatch {
            key: key.clone(),
            stored: stored.lineage.clone(),
            writing: writing.lineage.clone(),
        });
    }
    if writing.serial <= stored.serial {
        return Err(StoreError::SerialNotAdvanced {
            key: key.clone(),
            stored: stored.serial,
            writing: writing.serial,
        });
    }
    Ok(())
}

/// A document this build may write: never one claiming a format it does not know.
pub fn check_writable(key: &StateKey, doc: &StateDocument) -> StoreResult<()> {
    if doc.format_version > FORMAT_VERSION {
        return Err(StoreError::NewerFormat {
            key: key.clone(),
            found: doc.format_version,
            supported: FORMAT_VERSION,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_message_names_the_serial() {
        let err = StoreError::Conflict {
            key: StateKey::new("dev", "iam"),
            stored_serial: Some(4),
        };
        assert_eq!(
            err.to_string(),
            "state dev/iam changed since it was read (it is now at serial 4); another run wrote it"
        );
    }

    #[test]
    fn successor_rules() {
        let key = StateKey::new("dev", "iam");
        let stored = StateDocument::new("iam").next_serial();
        assert!(check_successor(&key, &stored, &stored.next_serial()).is_ok());
        assert!(matches!(
            check_successor(&key, &stored, &stored),
            Err(StoreError::SerialNotAdvanced { .. })
        ));
        let other = StateDocument::new("iam").next_serial().next_serial();
        assert!(matches!(
            check_successor(&key, &stored, &other),
            Err(StoreError::LineageMismatch { .. })
        ));
    }
}
