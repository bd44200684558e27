//! An in-memory [`StateStore`] with the same compare-and-swap rules as S3 (tag = a counter).
//! For tests and dry runs; documents are kept as bytes so reads go through the same parser.
//! Every write and delete is kept as a version, as in the versioned bucket.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::BoxFuture;
use super::model::StateDocument;
use super::store::{
    Etag, StateKey, StateStore, StateVersion, StoreError, StoreResult, check_successor,
    check_writable, parse_stored,
};

#[derive(Default)]
pub struct MemoryStateStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    objects: BTreeMap<StateKey, (Vec<u8>, Etag)>,
    next_tag: u64,
    /// Oldest first: (version id, the bytes written; `None` for a delete).
    versions: BTreeMap<StateKey, Vec<Version>>,
}

/// A kept version: its id, the bytes written (`None`: a delete marker) and their tag.
type Version = (String, Option<Vec<u8>>, Etag);

impl Inner {
    fn tag(&mut self) -> Etag {
        self.next_tag += 1;
        Etag(format!("m{}", self.next_tag))
    }

    fn keep(&mut self, key: &StateKey, bytes: Option<Vec<u8>>) {
        let id = format!("v{}", self.next_tag);
        let tag = Etag(format!("m{}", self.next_tag));
        self.versions
            .entry(key.clone())
            .or_default()
            .push((id, bytes, tag));
    }

    fn stored(&self, key: &StateKey) -> StoreResult<Option<(StateDocument, Etag)>> {
        match self.objects.get(key) {
            None => Ok(None),
            Some((bytes, tag)) => Ok(Some((parse_stored(key, "memory", bytes)?, tag.clone()))),
        }
    }
}

impl MemoryStateStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores raw bytes unchecked, as another (e.g. newer) fuelflow or a broken tool might.
    pub fn put_raw(&self, key: &StateKey, bytes: Vec<u8>) -> Etag {
        let mut inner = self.lock();
        let tag = inner.tag();
        inner.keep(key, Some(bytes.clone()));
        inner.objects.insert(key.clone(), (bytes, tag.clone()));
        tag
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave the map half-updated; keep going.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn put_now(
        &self,
        key: &StateKey,
        doc: &StateDocument,
        expected: Option<&Etag>,
    ) -> StoreResult<Etag> {
        check_writable(key, doc)?;
        let mut inner = self.lock();
        let current_tag = inner.objects.get(key).map(|(_, tag)| tag.clone());
        if current_tag.as_ref() != expected {
            let stored_serial = inner.stored(key).ok().flatten().map(|(d, _)| d.serial);
            return Err(StoreError::Conflict {
                key: key.clone(),
                stored_serial,
            });
        }
        if let Some((stored, _)) = inner.stored(key)? {
            check_successor(key, &stored, doc)?;
        }
        let tag = inner.tag();
        inner.keep(key, Some(doc.to_json()));
        inner
            .objects
            .insert(key.clone(), (doc.to_json(), tag.clone()));
        Ok(tag)
    }

    fn delete_now(&self, key: &StateKey, expected: &Etag) -> StoreResult<()> {
        let mut inner = self.lock();
        match inner.objects.get(key) {
            Some((_, tag)) if tag == expected => {
                inner.objects.remove(key);
                inner.tag();
                inner.keep(key, None);
                Ok(())
            }
            _ => {
                let stored_serial = inner.stored(key).ok().flatten().map(|(d, _)| d.serial);
                Err(StoreError::Conflict {
                    key: key.clone(),
                    stored_serial,
                })
            }
        }
    }
}

impl StateStore for MemoryStateStore {
    fn get<'a>(
        &'a self,
        key: &'a StateKey,
    ) -> BoxFuture<'a, StoreResult<Option<(StateDocument, Etag)>>> {
        Box::pin(async move { self.lock().stored(key) })
    }

    fn put<'a>(
        &'a self,
        key: &'a StateKey,
        doc: &'a StateDocument,
        expected: Option<&'a Etag>,
    ) -> BoxFuture<'a, StoreResult<Etag>> {
        Box::pin(async move { self.put_now(key, doc, expected) })
    }

    fn delete<'a>(
        &'a self,
        key: &'a StateKey,
        expected: &'a Etag,
    ) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move { self.delete_now(key, expected) })
    }

    fn list_stacks<'a>(&'a self, env: &'a str) -> BoxFuture<'a, StoreResult<Vec<String>>> {
        Box::pin(async move {
            Ok(self
                .lock()
                .objects
                .keys()
                .filter(|k| k.env == env)
                .map(|k| k.stack.clone())
                .collect())
        })
    }

    fn history<'a>(&'a self, key: &'a StateKey) -> BoxFuture<'a, StoreResult<Vec<StateVersion>>> {
        Box::pin(async move {
            let inner = self.lock();
            let kept = inner
                .versions
                .get(key)
                .map(Vec::as_slice)
                .unwrap_or_default();
            Ok(kept
                .iter()
                .rev()
                .map(|(id, bytes, tag)| StateVersion {
                    id: id.clone(),
                    modified: None,
                    deleted: bytes.is_none(),
                    etag: bytes.is_some().then(|| tag.clone()),
                })
                .collect())
        })
    }

    fn get_version<'a>(
        &'a self,
        key: &'a StateKey,
        id: &'a str,
    ) -> BoxFuture<'a, StoreResult<StateDocument>> {
        Box::pin(async move {
            let inner = self.lock();
            let bytes = inner
                .versions
                .get(key)
                .and_then(|kept| kept.iter().find(|(v, _, _)| v == id))
                .and_then(|(_, bytes, _)| bytes.clone());
            match bytes {
                Some(bytes) => parse_stored(key, "memory", &bytes),
                None => Err(StoreError::NoSuchVersion {
                    key: key.clone(),
                    id: id.to_string(),
                }),
            }
        })
    }
}
