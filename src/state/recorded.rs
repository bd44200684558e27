//! The recorded states a plan starts from: each stack's document as read, with the tag a
//! conditional write must match, and the exports other stacks of the environment recorded.

use super::model::StateDocument;
use super::store::{Etag, StateKey, StateStore, StoreError};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// A stack's recorded state as read, with the ETag a conditional write must match.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub doc: StateDocument,
    /// `None`: nothing was stored yet (the document is new and empty).
    pub etag: Option<Etag>,
}

/// A state read that failed; the store's error is the source.
#[derive(Debug, thiserror::Error)]
pub enum RecordedError {
    #[error("reading the state of stack {stack} in {env}")]
    Read {
        stack: String,
        env: String,
        #[source]
        source: StoreError,
    },
    #[error("listing the stacks of {env}")]
    List {
        env: String,
        #[source]
        source: StoreError,
    },
}

/// Reads the states of `stacks` (key, full name) in `env`, all at once; a stack with no state
/// gets a new, empty document named by its full name. By stack key. With `guard`, a state the
/// store's history says was deleted, replaced or rewound is refused (see [`super::history`]).
pub async fn read_all(
    store: &dyn StateStore,
    env: &str,
    stacks: &[(String, String)],
    guard: bool,
) -> Result<BTreeMap<String, Recorded>, RecordedError> {
    let keys: Vec<StateKey> = stacks.iter().map(|(k, _)| StateKey::new(env, k)).collect();
    // Joined, so the reads are one round trip however many stacks there are.
    let read = |key: &StateKey| {
        let key = key.clone();
        async move {
            let found = store.get(&key).await?;
            if guard {
                super::history::check(store, &key, found.as_ref().map(|(d, _)| d)).await?;
            }
            Ok::<_, StoreError>(found)
        }
    };
    let found = futures_util::future::join_all(keys.iter().map(read)).await;
    let mut states = BTreeMap::new();
    for ((key, name), found) in stacks.iter().zip(found) {
        let recorded = match found {
            Ok(Some((doc, etag))) => Recorded {
                doc,
                etag: Some(etag),
            },
            Ok(None) => Recorded {
                doc: StateDocument::new(name.clone()),
                etag: None,
            },
            Err(source) => {
                return Err(RecordedError::Read {
                    stack: key.clone(),
                    env: env.to_string(),
                    source,
                });
            }
        };
        states.insert(key.clone(), recorded);
    }
    Ok(states)
}

/// The exports (name -> value) recorded by the stacks of `env` other than `own` (stack keys).
/// A state that cannot be read is skipped: its exports stay unknown, as if never applied.
pub async fn exports_of_others(
    store: &dyn StateStore,
    env: &str,
    own: &[&str],
) -> Result<BTreeMap<String, Json>, RecordedError> {
    let listed = store
        .list_stacks(env)
        .await
        .map_err(|source| RecordedError::List {
            env: env.to_string(),
            source,
        })?;
    let keys: Vec<StateKey> = listed
        .iter()
        .filter(|stack| !own.contains(&stack.as_str()))
        .map(|stack| StateKey::new(env, stack))
        .collect();
    let found = futures_util::future::join_all(keys.iter().map(|k| store.get(k))).await;
    let mut exports = BTreeMap::new();
    for (doc, _) in found.into_iter().filter_map(|f| f.ok().flatten()) {
        for o in doc.outputs.into_values() {
            if let Some(name) = o.export_name {
                exports.insert(name, o.value);
            }
        }
    }
    Ok(exports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::memory::MemoryStateStore;
    use crate::state::model::OutputState;
    use std::error::Error;

    fn exporting(stack: &str, export: &str, value: &str) -> StateDocument {
        let mut doc = StateDocument::new(stack.to_string());
        doc.outputs.insert(
            "Out".into(),
            OutputState {
                value: Json::String(value.into()),
                export_name: Some(export.into()),
                sensitive: false,
            },
        );
        doc
    }

    fn stacks(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, n)| (k.to_string(), n.to_string()))
            .collect()
    }

    #[tokio::test]
    async fn stored_states_carry_their_tag_and_missing_ones_are_new() {
        let store = MemoryStateStore::new();
        let key = StateKey::new("dev", "iam");
        let tag = store
            .put(&key, &exporting("app-iam-dev", "RoleArn", "arn:1"), None)
            .await
            .unwrap();
        let read = read_all(
            &store,
            "dev",
            &stacks(&[("iam", "app-iam-dev"), ("web", "app-web-dev")]),
            true,
        )
        .await
        .unwrap();
        assert_eq!(read["iam"].etag, Some(tag));
        assert_eq!(read["iam"].doc.outputs.len(), 1);
        assert_eq!(read["web"].etag, None);
        assert_eq!(read["web"].doc.stack, "app-web-dev");
        assert!(read["web"].doc.resources.is_empty());
    }

    #[tokio::test]
    async fn an_unreadable_state_names_the_stack_and_env_with_the_store_error_as_source() {
        let store = MemoryStateStore::new();
        store.put_raw(&StateKey::new("dev", "web"), b"not json".to_vec());
        let err = read_all(&store, "dev", &stacks(&[("web", "app-web-dev")]), true)
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "reading the state of stack web in dev");
        let source = err.source().expect("the store error").to_string();
        assert!(source.contains("corrupt"), "{source}");
    }

    #[tokio::test]
    async fn a_deleted_state_is_refused_unless_accepted() {
        let store = MemoryStateStore::new();
        let key = StateKey::new("dev", "net");
        let tag = store
            .put(&key, &exporting("app-net-dev", "VpcId", "vpc-1"), None)
            .await
            .unwrap();
        store.delete(&key, &tag).await.unwrap();
        let err = read_all(&store, "dev", &stacks(&[("net", "app-net-dev")]), true)
            .await
            .unwrap_err();
        let source = err.source().expect("the store error").to_string();
        assert!(source.contains("stack net in dev is missing"), "{source}");
        let accepted = read_all(&store, "dev", &stacks(&[("net", "app-net-dev")]), false)
            .await
            .unwrap();
        assert!(accepted["net"].etag.is_none());
    }

    #[tokio::test]
    async fn exports_of_other_stacks_leave_out_the_own_ones_and_unreadable_states() {
        let store = MemoryStateStore::new();
        for (stack, export, value) in [("net", "VpcId", "vpc-1"), ("web", "Url", "https://x")] {
            let key = StateKey::new("dev", stack);
            store
                .put(&key, &exporting(stack, export, value), None)
                .await
                .unwrap();
        }
        store.put_raw(&StateKey::new("dev", "broken"), b"{".to_vec());
        let prod = StateKey::new("prod", "net");
        store
            .put(&prod, &exporting("net", "ProdVpc", "vpc-9"), None)
            .await
            .unwrap();
        let exports = exports_of_others(&store, "dev", &["web"]).await.unwrap();
        assert_eq!(
            exports.into_iter().collect::<Vec<_>>(),
            vec![("VpcId".to_string(), Json::String("vpc-1".into()))]
        );
    }
}
