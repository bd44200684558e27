//! The recorded states a plan starts from: each stack's document as read, with the tag a
//! conditional write must match, and the exports other stacks of the environment recorded.

use super::model::StateDocument;
use super::store::{Etag, StateKey, StateStore, StateVersion, StoreError};
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
        let found = found.map_err(|source| RecordedError::Read {
            stack: key.clone(),
            env: env.to_string(),
            source,
        })?;
        states.insert(key.clone(), recorded(name, found));
    }
    Ok(states)
}

/// The states read while the run's locks were still being taken (so the reads share the locks'
/// round trip), with each state's history listed at the same time. They are only used once
/// [`EarlyRead::confirm`] has seen, with the locks held, that each is still what is stored.
pub struct EarlyRead {
    env: String,
    guard: bool,
    stacks: Vec<EarlyStack>,
}

struct EarlyStack {
    /// The stack key and the full name (for a new, empty document).
    stack: String,
    name: String,
    key: StateKey,
    found: Option<(StateDocument, Etag)>,
    /// Listed together with `found` (empty without the guard).
    history: Vec<StateVersion>,
}

/// Whether the confirmed states are the ones read early.
#[derive(Debug)]
pub enum Confirmed {
    AsRead,
    /// Some changed between the early read and the locks (another run wrote, or a version was
    /// listed that was not the one read): every state as it is now, read under the locks.
    Reread(BTreeMap<String, Recorded>),
}

/// Reads the states of `stacks` (key, full name) in `env` without holding their locks: each
/// state and its history at once, every stack at once (one round trip).
pub async fn read_early(
    store: &dyn StateStore,
    env: &str,
    stacks: &[(String, String)],
    guard: bool,
) -> Result<EarlyRead, RecordedError> {
    let read = stacks
        .iter()
        .map(|(stack, name)| read_one_early(store, env, stack, name, guard));
    let read = futures_util::future::join_all(read).await;
    Ok(EarlyRead {
        env: env.to_string(),
        guard,
        stacks: read.into_iter().collect::<Result<_, _>>()?,
    })
}

async fn read_one_early(
    store: &dyn StateStore,
    env: &str,
    stack: &str,
    name: &str,
    guard: bool,
) -> Result<EarlyStack, RecordedError> {
    let key = StateKey::new(env, stack);
    let history = async {
        if guard {
            store.history(&key).await
        } else {
            Ok(Vec::new())
        }
    };
    let (found, history) = futures_util::future::join(store.get(&key), history).await;
    let failed = |source| RecordedError::Read {
        stack: stack.to_string(),
        env: env.to_string(),
        source,
    };
    Ok(EarlyStack {
        stack: stack.to_string(),
        name: name.to_string(),
        found: found.map_err(failed)?,
        history: history.map_err(failed)?,
        key,
    })
}

impl EarlyRead {
    /// The states as read, by stack key (what the plan starts from while they are confirmed).
    pub fn states(&self) -> BTreeMap<String, Recorded> {
        self.stacks
            .iter()
            .map(|s| (s.stack.clone(), recorded(&s.name, s.found.clone())))
            .collect()
    }

    /// To be called with the locks held: checks that each state is still the one read (its tag,
    /// one `tag` call per stack) and passes the history guard (the version before it is read
    /// at the same time). Everything is read again, now, if any state changed.
    pub async fn confirm(&self, store: &dyn StateStore) -> Result<Confirmed, RecordedError> {
        let confirm = |s| confirm_one(store, s, self.guard);
        let verdicts = futures_util::future::join_all(self.stacks.iter().map(confirm)).await;
        for (s, verdict) in self.stacks.iter().zip(verdicts) {
            match verdict {
                Ok(true) => {}
                Ok(false) => {
                    let stacks: Vec<(String, String)> = self
                        .stacks
                        .iter()
                        .map(|s| (s.stack.clone(), s.name.clone()))
                        .collect();
                    return read_all(store, &self.env, &stacks, self.guard)
                        .await
                        .map(Confirmed::Reread);
                }
                Err(source) => {
                    return Err(RecordedError::Read {
                        stack: s.stack.clone(),
                        env: self.env.clone(),
                        source,
                    });
                }
            }
        }
        Ok(Confirmed::AsRead)
    }
}

/// Whether one early read stands (`Ok(false)`: it changed), and the guard's verdict on it.
async fn confirm_one(
    store: &dyn StateStore,
    s: &EarlyStack,
    guard: bool,
) -> Result<bool, StoreError> {
    let found = s.found.as_ref().map(|(doc, _)| doc);
    let previous = super::history::previous(found, &s.history).filter(|_| guard);
    let before = async {
        match previous {
            Some(v) => store.get_version(&s.key, &v.id).await.map(Some),
            None => Ok(None),
        }
    };
    let (now, before) = futures_util::future::join(store.tag(&s.key), before).await;
    let read_tag = s.found.as_ref().map(|(_, tag)| tag);
    if !stands(read_tag, guard.then_some(&s.history[..]), now?.as_ref()) {
        return Ok(false);
    }
    if guard {
        super::history::judge(&s.key, found, &s.history, before?.as_ref())?;
    }
    Ok(true)
}

/// Whether a state read before the lock still stands: the tag stored now (`now`, asked with
/// the lock held) is the one read (`read`: `None` when nothing was stored), and the history
/// listed beside the read (`listed`, with the guard) starts with that same version, so the
/// guard judges what was read.
pub fn stands(read: Option<&Etag>, listed: Option<&[StateVersion]>, now: Option<&Etag>) -> bool {
    if read != now {
        return false;
    }
    let Some(listed) = listed else {
        return true;
    };
    match (read, listed.first()) {
        // A store without history lists nothing.
        (_, None) => true,
        (None, Some(latest)) => latest.deleted,
        (Some(tag), Some(latest)) => !latest.deleted && latest.etag.as_ref() == Some(tag),
    }
}

fn recorded(name: &str, found: Option<(StateDocument, Etag)>) -> Recorded {
    match found {
        Some((doc, etag)) => Recorded {
            doc,
            etag: Some(etag),
        },
        None => Recorded {
            doc: StateDocument::new(name.to_string()),
            etag: None,
        },
    }
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

    fn version(id: &str, tag: Option<&str>) -> StateVersion {
        StateVersion {
            id: id.into(),
            modified: None,
            deleted: tag.is_none(),
            etag: tag.map(|t| Etag(t.into())),
        }
    }

    #[test]
    fn an_early_read_stands_only_if_the_tag_now_and_the_listed_latest_are_the_ones_read() {
        let (a, b) = (Etag("a".into()), Etag("b".into()));
        let listed_a = [version("2", Some("a")), version("1", Some("z"))];
        // Nothing changed.
        assert!(stands(Some(&a), Some(&listed_a), Some(&a)));
        assert!(stands(Some(&a), None, Some(&a)), "no guard: the tag alone");
        assert!(stands(None, Some(&[]), None), "never written");
        assert!(stands(None, Some(&[version("3", None)]), None), "deleted");
        assert!(
            stands(Some(&a), Some(&[]), Some(&a)),
            "a store without history"
        );
        // Written by another run before the lock was ours.
        assert!(!stands(Some(&a), Some(&listed_a), Some(&b)));
        assert!(!stands(None, Some(&[]), Some(&b)), "created meanwhile");
        assert!(!stands(Some(&a), None, None), "deleted meanwhile");
        // The history was listed at another moment than the read.
        let listed_b = [version("3", Some("b")), version("2", Some("a"))];
        assert!(!stands(Some(&a), Some(&listed_b), Some(&a)));
        assert!(!stands(None, Some(&listed_b), None));
        assert!(!stands(Some(&a), Some(&[version("3", None)]), Some(&a)));
    }

    /// Counts the store calls of each kind.
    #[derive(Default)]
    struct Counting {
        inner: MemoryStateStore,
        calls: std::sync::Mutex<Vec<&'static str>>,
    }

    impl Counting {
        fn called(&self, what: &'static str) {
            self.calls.lock().unwrap().push(what);
        }
        fn take(&self) -> Vec<&'static str> {
            let mut calls = std::mem::take(&mut *self.calls.lock().unwrap());
            calls.sort();
            calls
        }
    }

    impl StateStore for Counting {
        fn get<'a>(
            &'a self,
            key: &'a StateKey,
        ) -> crate::state::BoxFuture<
            'a,
            crate::state::store::StoreResult<Option<(StateDocument, Etag)>>,
        > {
            self.called("get");
            self.inner.get(key)
        }
        fn tag<'a>(
            &'a self,
            key: &'a StateKey,
        ) -> crate::state::BoxFuture<'a, crate::state::store::StoreResult<Option<Etag>>> {
            self.called("tag");
            Box::pin(async move { Ok(self.inner.get(key).await?.map(|(_, t)| t)) })
        }
        fn put<'a>(
            &'a self,
            key: &'a StateKey,
            doc: &'a StateDocument,
            expected: Option<&'a Etag>,
        ) -> crate::state::BoxFuture<'a, crate::state::store::StoreResult<Etag>> {
            self.inner.put(key, doc, expected)
        }
        fn delete<'a>(
            &'a self,
            key: &'a StateKey,
            expected: &'a Etag,
        ) -> crate::state::BoxFuture<'a, crate::state::store::StoreResult<()>> {
            self.inner.delete(key, expected)
        }
        fn list_stacks<'a>(
            &'a self,
            env: &'a str,
        ) -> crate::state::BoxFuture<'a, crate::state::store::StoreResult<Vec<String>>> {
            self.inner.list_stacks(env)
        }
        fn history<'a>(
            &'a self,
            key: &'a StateKey,
        ) -> crate::state::BoxFuture<'a, crate::state::store::StoreResult<Vec<StateVersion>>>
        {
            self.called("history");
            self.inner.history(key)
        }
        fn get_version<'a>(
            &'a self,
            key: &'a StateKey,
            id: &'a str,
        ) -> crate::state::BoxFuture<'a, crate::state::store::StoreResult<StateDocument>> {
            self.called("get_version");
            self.inner.get_version(key, id)
        }
    }

    #[tokio::test]
    async fn an_unchanged_early_read_is_confirmed_by_one_tag_per_stack_and_the_guard_read() {
        let store = Counting::default();
        let key = StateKey::new("dev", "iam");
        let doc = exporting("app-iam-dev", "RoleArn", "arn:1");
        let tag = store.put(&key, &doc, None).await.unwrap();
        store
            .put(&key, &doc.next_serial(), Some(&tag))
            .await
            .unwrap();
        let pairs = stacks(&[("iam", "app-iam-dev"), ("web", "app-web-dev")]);
        let early = read_early(&store, "dev", &pairs, true).await.unwrap();
        assert_eq!(store.take(), ["get", "get", "history", "history"]);
        assert!(matches!(
            early.confirm(&store).await.unwrap(),
            Confirmed::AsRead
        ));
        // The version before iam's is read for the guard; web has none.
        assert_eq!(store.take(), ["get_version", "tag", "tag"]);
        assert_eq!(early.states()["iam"].doc.serial, doc.serial + 1);
        assert_eq!(early.states()["web"].etag, None);
    }

    #[tokio::test]
    async fn a_state_written_between_the_early_read_and_the_lock_is_read_again() {
        let store = MemoryStateStore::new();
        let key = StateKey::new("dev", "iam");
        let doc = exporting("app-iam-dev", "RoleArn", "arn:1");
        let tag = store.put(&key, &doc, None).await.unwrap();
        let pairs = stacks(&[("iam", "app-iam-dev"), ("web", "app-web-dev")]);
        let early = read_early(&store, "dev", &pairs, true).await.unwrap();
        // Another run, holding the lock until just now, writes.
        let newer = exporting("app-iam-dev", "RoleArn", "arn:2");
        let newer = StateDocument {
            lineage: doc.lineage.clone(),
            serial: doc.serial + 1,
            ..newer
        };
        let now = store.put(&key, &newer, Some(&tag)).await.unwrap();
        let Confirmed::Reread(states) = early.confirm(&store).await.unwrap() else {
            panic!("the write must be seen");
        };
        assert_eq!(states["iam"].etag, Some(now));
        assert_eq!(states["iam"].doc, newer);
        assert_eq!(states["web"].etag, None);
    }

    #[tokio::test]
    async fn the_guard_judges_an_early_read_once_it_is_confirmed() {
        let store = MemoryStateStore::new();
        let key = StateKey::new("dev", "net");
        let first = StateDocument::new("app-net-dev")
            .next_serial()
            .next_serial();
        store.put(&key, &first, None).await.unwrap();
        store.put_raw(&key, StateDocument { serial: 1, ..first }.to_json());
        let pairs = stacks(&[("net", "app-net-dev")]);
        let early = read_early(&store, "dev", &pairs, true).await.unwrap();
        let err = early.confirm(&store).await.unwrap_err();
        let source = err.source().expect("the store error").to_string();
        assert!(source.contains("went back in serial"), "{source}");
        let accepted = read_early(&store, "dev", &pairs, false).await.unwrap();
        assert!(matches!(
            accepted.confirm(&store).await.unwrap(),
            Confirmed::AsRead
        ));
    }
}
