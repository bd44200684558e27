//! The single writer of state during apply. The walk sends owned events; this task applies them
//! to the documents and writes each changed stack with one conditional put per batch (group
//! commit), so checkpoints never serialise the walk and two writers never share a document.

use crate::plan::run::Recorded;
use crate::state::model::{DeposedObject, OutputState, PendingOperation, ResourceState};
use crate::state::{StateKey, StateStore};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub type Ack = oneshot::Sender<Result<(), String>>;

pub enum Event {
    /// About to create: recorded (and written) before the create call is made.
    Pending {
        stack: String,
        op: PendingOperation,
        ack: Ack,
    },
    Resource {
        stack: String,
        logical_id: String,
        state: ResourceState,
        clear: Option<String>,
    },
    Removed {
        stack: String,
        logical_id: String,
        clear: Option<String>,
    },
    Outputs {
        stack: String,
        outputs: BTreeMap<String, OutputState>,
    },
    /// The old copy of a replacement, as a pending delete: written before the new copy is
    /// created (an object with the same physical id is recorded once).
    Depose {
        stack: String,
        object: DeposedObject,
        ack: Ack,
    },
    /// A deposed object deleted, or no longer to delete (the replacement failed: the old copy
    /// stays current).
    DeposedGone {
        stack: String,
        id: String,
    },
    /// The deposed objects every state holds now, by stack key.
    ListDeposed {
        reply: oneshot::Sender<BTreeMap<String, Vec<DeposedObject>>>,
    },
    Flush {
        ack: Ack,
    },
}

pub struct Checkpointer {
    tx: mpsc::UnboundedSender<Event>,
    task: JoinHandle<BTreeMap<String, Recorded>>,
}

impl Checkpointer {
    /// Starts the writer over `states` (by stack key). With `eager` false, nothing is written
    /// until a flush (used to measure what checkpoints cost).
    pub fn spawn(
        store: Arc<dyn StateStore>,
        keys: BTreeMap<String, StateKey>,
        states: BTreeMap<String, Recorded>,
        eager: bool,
    ) -> Checkpointer {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(store, keys, states, eager, rx));
        Checkpointer { tx, task }
    }

    /// Records a pending operation and waits until it is durably written.
    pub async fn pending(&self, stack: &str, op: PendingOperation) -> Result<(), String> {
        let (ack, done) = oneshot::channel();
        self.send(Event::Pending {
            stack: stack.to_string(),
            op,
            ack,
        });
        done.await
            .unwrap_or_else(|_| Err("the state writer stopped".into()))
    }

    /// Records the old copy of a replacement as deposed and waits until it is durably written.
    pub async fn depose(&self, stack: &str, object: DeposedObject) -> Result<(), String> {
        let (ack, done) = oneshot::channel();
        self.send(Event::Depose {
            stack: stack.to_string(),
            object,
            ack,
        });
        done.await
            .unwrap_or_else(|_| Err("the state writer stopped".into()))
    }

    /// The deposed objects still to delete, by stack key, as the states hold them now.
    pub async fn deposed(&self) -> BTreeMap<String, Vec<DeposedObject>> {
        let (reply, answer) = oneshot::channel();
        self.send(Event::ListDeposed { reply });
        answer.await.unwrap_or_default()
    }

    /// Records an event; it is written with the next batch.
    pub fn send(&self, event: Event) {
        let _ = self.tx.send(event);
    }

    /// Writes everything recorded so far.
    pub async fn flush(&self) -> Result<(), String> {
        let (ack, done) = oneshot::channel();
        self.send(Event::Flush { ack });
        done.await
            .unwrap_or_else(|_| Err("the state writer stopped".into()))
    }

    /// Stops the writer and returns the states as last written.
    pub async fn finish(self) -> BTreeMap<String, Recorded> {
        drop(self.tx);
        self.task.await.unwrap_or_default()
    }
}

async fn run(
    store: Arc<dyn StateStore>,
    keys: BTreeMap<String, StateKey>,
    mut states: BTreeMap<String, Recorded>,
    eager: bool,
    mut rx: mpsc::UnboundedReceiver<Event>,
) -> BTreeMap<String, Recorded> {
    let mut dirty: BTreeSet<String> = BTreeSet::new();
    // The last write's failure: until a flush succeeds, new creates are refused at once instead
    // of each waiting out the SDK's retries against a backend that is down.
    let mut broken: Option<String> = None;
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        let mut acks = Vec::new();
        let mut must_write = false;
        let mut touched = false;
        for event in batch {
            match event {
                Event::Pending { stack, op, ack } => {
                    if let Some(e) = &broken {
                        let _ = ack.send(Err(e.clone()));
                        continue;
                    }
                    if let Some(r) = states.get_mut(&stack) {
                        r.doc
                            .pending
                            .retain(|p| p.logical_id != op.logical_id || p.action != op.action);
                        r.doc.pending.push(op);
                    }
                    dirty.insert(stack);
                    acks.push(ack);
                    must_write = true;
                }
                Event::Resource {
                    stack,
                    logical_id,
                    state,
                    clear,
                } => {
                    if let Some(r) = states.get_mut(&stack) {
                        r.doc.resources.insert(logical_id.clone(), state);
                        clear_pending(&mut r.doc.pending, &logical_id, clear.as_deref());
                    }
                    dirty.insert(stack);
                    touched = true;
                }
                Event::Removed {
                    stack,
                    logical_id,
                    clear,
                } => {
                    if let Some(r) = states.get_mut(&stack) {
                        r.doc.resources.remove(&logical_id);
                        clear_pending(&mut r.doc.pending, &logical_id, clear.as_deref());
                    }
                    dirty.insert(stack);
                    touched = true;
                }
                Event::Outputs { stack, outputs } => {
                    if let Some(r) = states.get_mut(&stack) {
                        r.doc.outputs = outputs;
                    }
                    dirty.insert(stack);
                    touched = true;
                }
                Event::Depose { stack, object, ack } => {
                    if let Some(e) = &broken {
                        let _ = ack.send(Err(e.clone()));
                        continue;
                    }
                    if let Some(r) = states.get_mut(&stack) {
                        if !r.doc.deposed.iter().any(|d| {
                            d.logical_id == object.logical_id && d.physical_id == object.physical_id
                        }) {
                            r.doc.deposed.push(object);
                        }
                    }
                    dirty.insert(stack);
                    acks.push(ack);
                    must_write = true;
                }
                Event::DeposedGone { stack, id } => {
                    if let Some(r) = states.get_mut(&stack) {
                        r.doc.deposed.retain(|d| d.id != id);
                    }
                    dirty.insert(stack);
                    touched = true;
                }
                Event::ListDeposed { reply } => {
                    let mut deposed = BTreeMap::new();
                    for (stack, r) in states.iter_mut() {
                        let live: Vec<DeposedObject> = r.doc.deposed_to_delete().cloned().collect();
                        // Copies that are still current are no replacement's leftovers.
                        if live.len() != r.doc.deposed.len() {
                            r.doc.deposed = live.clone();
                            dirty.insert(stack.clone());
                            touched = true;
                        }
                        deposed.insert(stack.clone(), live);
                    }
                    let _ = reply.send(deposed);
                }
                Event::Flush { ack } => {
                    acks.push(ack);
                    must_write = true;
                }
            }
        }
        must_write |= eager && touched;
        let result = if must_write {
            write(&*store, &keys, &mut states, &mut dirty).await
        } else {
            Ok(())
        };
        if must_write {
            broken = result.clone().err();
        }
        for ack in acks {
            let _ = ack.send(result.clone());
        }
    }
    // The walk is over: whatever is still unwritten is written now.
    let _ = write(&*store, &keys, &mut states, &mut dirty).await;
    states
}

fn clear_pending(pending: &mut Vec<PendingOperation>, logical_id: &str, id: Option<&str>) {
    pending.retain(|p| match id {
        Some(id) => p.id != id,
        None => p.logical_id != logical_id,
    });
}

/// Writes every dirty stack (one conditional put each, concurrently).
async fn write(
    store: &dyn StateStore,
    keys: &BTreeMap<String, StateKey>,
    states: &mut BTreeMap<String, Recorded>,
    dirty: &mut BTreeSet<String>,
) -> Result<(), String> {
    let mut writes = Vec::new();
    for stack in dirty.iter() {
        let (Some(key), Some(r)) = (keys.get(stack), states.get(stack)) else {
            continue;
        };
        let next = r.doc.next_serial();
        let expected = r.etag.clone();
        writes.push(async move {
            let result = store.put(key, &next, expected.as_ref()).await;
            (stack.clone(), next, result)
        });
    }
    let mut errors = Vec::new();
    for (stack, next, result) in futures_all(writes).await {
        match result {
            Ok(etag) => {
                let r = states.get_mut(&stack).expect("stack present");
                r.doc = next;
                r.etag = Some(etag);
                dirty.remove(&stack);
            }
            Err(e) => errors.push(format!("saving the state of stack {stack}: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

async fn futures_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut set = Vec::with_capacity(futures.len());
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    // Stacks are few; awaiting in turn keeps each write's order simple.
    for f in pinned.iter_mut() {
        set.push(f.await);
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::BoxFuture;
    use crate::state::memory::MemoryStateStore;
    use crate::state::model::{PendingAction, StateDocument};
    use crate::state::store::{Etag, StoreError, StoreResult};
    use crate::state::timestamp::Timestamp;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A memory store whose first `failures` puts fail, counting every put.
    struct Flaky {
        failures: AtomicUsize,
        puts: AtomicUsize,
        inner: MemoryStateStore,
    }

    impl StateStore for Flaky {
        fn get<'a>(
            &'a self,
            key: &'a StateKey,
        ) -> BoxFuture<'a, StoreResult<Option<(StateDocument, Etag)>>> {
            self.inner.get(key)
        }
        fn put<'a>(
            &'a self,
            key: &'a StateKey,
            doc: &'a StateDocument,
            expected: Option<&'a Etag>,
        ) -> BoxFuture<'a, StoreResult<Etag>> {
            self.puts.fetch_add(1, Ordering::SeqCst);
            let failing = self
                .failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if failing {
                let e = StoreError::Conflict {
                    key: key.clone(),
                    stored_serial: None,
                };
                return Box::pin(async move { Err(e) });
            }
            self.inner.put(key, doc, expected)
        }
        fn delete<'a>(
            &'a self,
            key: &'a StateKey,
            expected: &'a Etag,
        ) -> BoxFuture<'a, StoreResult<()>> {
            self.inner.delete(key, expected)
        }
        fn list_stacks<'a>(&'a self, env: &'a str) -> BoxFuture<'a, StoreResult<Vec<String>>> {
            self.inner.list_stacks(env)
        }
    }

    fn create(logical_id: &str) -> PendingOperation {
        PendingOperation {
            id: uuid::Uuid::new_v4().to_string(),
            logical_id: logical_id.into(),
            resource_type: "AWS::S3::Bucket".into(),
            action: PendingAction::Create,
            started: Timestamp::now(),
            physical_id: None,
        }
    }

    #[tokio::test]
    async fn after_a_failed_write_creates_are_refused_until_a_flush_succeeds() {
        let store = Arc::new(Flaky {
            failures: AtomicUsize::new(2),
            puts: AtomicUsize::new(0),
            inner: MemoryStateStore::new(),
        });
        let keys = BTreeMap::from([("app".to_string(), StateKey::new("dev", "app"))]);
        let states = BTreeMap::from([(
            "app".to_string(),
            Recorded {
                doc: StateDocument::new("app"),
                etag: None,
            },
        )]);
        let writer = Checkpointer::spawn(store.clone(), keys, states, true);
        let puts = || store.puts.load(Ordering::SeqCst);

        assert!(writer.pending("app", create("A")).await.is_err());
        assert_eq!(puts(), 1);
        // Refused from the last failure, without another write.
        assert!(writer.pending("app", create("B")).await.is_err());
        assert_eq!(puts(), 1);
        // A flush tries again; once one succeeds, creates are recorded again.
        assert!(writer.flush().await.is_err());
        assert!(writer.flush().await.is_ok());
        assert!(writer.pending("app", create("C")).await.is_ok());
        assert_eq!(puts(), 4);
        let states = writer.finish().await;
        let pending: Vec<&str> = states["app"]
            .doc
            .pending
            .iter()
            .map(|p| p.logical_id.as_str())
            .collect();
        // B was refused before being recorded; C was recorded.
        assert!(
            pending.contains(&"C") && !pending.contains(&"B"),
            "{pending:?}"
        );
    }
}
