//! The guard against a state that was deleted, replaced by another one (a new lineage) or by an
//! older copy (a lower serial), judged from the versioned bucket's history: such a state is
//! refused (a plan from it would create everything again, or undo what was applied) unless the
//! run accepts it; and `state restore`, which puts a chosen version back.

use super::model::StateDocument;
use super::store::{StateKey, StateStore, StateVersion, StoreError, StoreResult};

/// Refuses `found` (what `get` returned for `key`) when the history says it is not the
/// successor of the version before it: missing while versions exist, another lineage, or a
/// lower serial. A state written after a delete marker (restored, or accepted) passes.
pub async fn check(
    store: &dyn StateStore,
    key: &StateKey,
    found: Option<&StateDocument>,
) -> StoreResult<()> {
    let history = store.history(key).await?;
    let before = match previous(found, &history) {
        Some(version) => Some(store.get_version(key, &version.id).await?),
        None => None,
    };
    judge(key, found, &history, before.as_ref())
}

/// The version `found` is judged against (`history[1]`, when `found` is `history[0]` and that
/// one is not a delete marker): the one to read before [`judge`].
pub fn previous<'h>(
    found: Option<&StateDocument>,
    history: &'h [StateVersion],
) -> Option<&'h StateVersion> {
    found?;
    history.get(1).filter(|v| !v.deleted)
}

/// [`check`]'s verdict from what was read: `before` is the document of [`previous`] (`None`
/// when there is none).
pub fn judge(
    key: &StateKey,
    found: Option<&StateDocument>,
    history: &[StateVersion],
    before: Option<&StateDocument>,
) -> StoreResult<()> {
    let Some(doc) = found else {
        if history.iter().any(|v| !v.deleted) {
            return Err(StoreError::Deleted {
                key: key.clone(),
                versions: history.iter().filter(|v| !v.deleted).count(),
            });
        }
        return Ok(());
    };
    // history[0] is the object just read; judge it against the one before.
    let Some(before) = before else {
        return Ok(());
    };
    if before.lineage != doc.lineage {
        return Err(StoreError::Rewound {
            key: key.clone(),
            change: "changed lineage",
            previous: format!("lineage {}", before.lineage),
            current: format!("lineage {}", doc.lineage),
        });
    }
    if doc.serial < before.serial {
        return Err(StoreError::Rewound {
            key: key.clone(),
            change: "went back in serial",
            previous: format!("serial {}", before.serial),
            current: format!("serial {}", doc.serial),
        });
    }
    Ok(())
}

/// A version of the history with what it holds (`None`: a delete marker or unreadable).
pub async fn describe(
    store: &dyn StateStore,
    key: &StateKey,
) -> StoreResult<Vec<(StateVersion, Option<StateDocument>)>> {
    let history = store.history(key).await?;
    let reads = history.iter().map(|v| async move {
        if v.deleted {
            None
        } else {
            store.get_version(key, &v.id).await.ok()
        }
    });
    let docs = futures_util::future::join_all(reads).await;
    Ok(history.into_iter().zip(docs).collect())
}

/// Puts version `id` back as the current state, with a serial above every one stored so the
/// guard and saved plans see it as new. Conditional on the current state as read: a state of
/// the same lineage is replaced by a compare-and-swap put; one of another lineage (what a
/// tampered state is) is deleted by its tag first. The caller holds the stack's lock.
pub async fn restore(
    store: &dyn StateStore,
    key: &StateKey,
    id: &str,
) -> StoreResult<StateDocument> {
    let mut doc = store.get_version(key, id).await?;
    let current = store.get(key).await?;
    let top = current.as_ref().map_or(0, |(c, _)| c.serial);
    doc.serial = doc.serial.max(top) + 1;
    match current {
        Some((now, tag)) if now.lineage == doc.lineage => {
            store.put(key, &doc, Some(&tag)).await?;
        }
        Some((_, tag)) => {
            store.delete(key, &tag).await?;
            store.put(key, &doc, None).await?;
        }
        None => {
            store.put(key, &doc, None).await?;
        }
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::memory::MemoryStateStore;

    fn key() -> StateKey {
        StateKey::new("dev", "network")
    }

    #[tokio::test]
    async fn a_deleted_state_is_refused_and_restored() {
        let store = MemoryStateStore::new();
        let doc = StateDocument::new("network").next_serial();
        let tag = store.put(&key(), &doc, None).await.unwrap();
        check(&store, &key(), Some(&doc)).await.unwrap();
        store.delete(&key(), &tag).await.unwrap();
        let err = check(&store, &key(), None).await.unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, StoreError::Deleted { versions: 1, .. }),
            "{err:?}"
        );
        assert!(text.contains("stack network in dev is missing"), "{text}");
        assert!(
            text.contains("fuelflow state restore --env dev --stack network --version <ID>"),
            "{text}"
        );

        let versions = describe(&store, &key()).await.unwrap();
        assert_eq!(versions.len(), 2);
        assert!(versions[0].0.deleted && versions[1].1.as_ref() == Some(&doc));
        let restored = restore(&store, &key(), &versions[1].0.id).await.unwrap();
        assert_eq!(
            (restored.lineage.as_str(), restored.serial),
            (doc.lineage.as_str(), 2)
        );
        let (now, _) = store.get(&key()).await.unwrap().unwrap();
        assert_eq!(now, restored);
        check(&store, &key(), Some(&now)).await.unwrap();
    }

    #[tokio::test]
    async fn a_new_lineage_or_a_lower_serial_is_refused_until_restored() {
        let store = MemoryStateStore::new();
        let first = StateDocument::new("network").next_serial().next_serial();
        store.put(&key(), &first, None).await.unwrap();
        // Someone uploads an older copy (serial 1) by hand.
        let older = StateDocument {
            serial: 1,
            ..first.clone()
        };
        store.put_raw(&key(), older.to_json());
        let err = check(&store, &key(), Some(&older)).await.unwrap_err();
        assert!(
            err.to_string().contains(
                "went back in serial since the previous version (serial 2 then, serial 1 now)"
            ),
            "{err}"
        );
        // Or another state altogether.
        let other = StateDocument::new("network")
            .next_serial()
            .next_serial()
            .next_serial();
        store.put_raw(&key(), other.to_json());
        let err = check(&store, &key(), Some(&other)).await.unwrap_err();
        assert!(err.to_string().contains("changed lineage"), "{err}");

        let history = store.history(&key()).await.unwrap();
        let original = history.last().unwrap().id.clone();
        let restored = restore(&store, &key(), &original).await.unwrap();
        assert_eq!(restored.lineage, first.lineage);
        assert_eq!(restored.serial, 4, "above every serial stored");
        let (now, _) = store.get(&key()).await.unwrap().unwrap();
        check(&store, &key(), Some(&now)).await.unwrap();
    }

    #[tokio::test]
    async fn a_store_without_history_passes() {
        struct NoHistory(MemoryStateStore);
        impl StateStore for NoHistory {
            fn get<'a>(
                &'a self,
                key: &'a StateKey,
            ) -> futures_util::future::BoxFuture<
                'a,
                StoreResult<Option<(StateDocument, crate::state::Etag)>>,
            > {
                self.0.get(key)
            }
            fn put<'a>(
                &'a self,
                key: &'a StateKey,
                doc: &'a StateDocument,
                expected: Option<&'a crate::state::Etag>,
            ) -> futures_util::future::BoxFuture<'a, StoreResult<crate::state::Etag>> {
                self.0.put(key, doc, expected)
            }
            fn delete<'a>(
                &'a self,
                key: &'a StateKey,
                expected: &'a crate::state::Etag,
            ) -> futures_util::future::BoxFuture<'a, StoreResult<()>> {
                self.0.delete(key, expected)
            }
            fn list_stacks<'a>(
                &'a self,
                env: &'a str,
            ) -> futures_util::future::BoxFuture<'a, StoreResult<Vec<String>>> {
                self.0.list_stacks(env)
            }
        }
        let store = NoHistory(MemoryStateStore::new());
        check(&store, &key(), None).await.unwrap();
    }
}
