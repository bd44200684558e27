//! Refactoring the states without touching AWS resources: `state mv` renames a logical id in
//! its stack or moves it to another stack (under both stacks' locks, one conditional write
//! each), `state rm` forgets a resource (it stays in AWS). The ownership tags of a moved
//! resource follow it where fuelflow tags the type (see [`super::import`]).

use super::error::OpError;
use super::lock::{Locks, holding_with};
use super::reporter::Reporter;
use crate::engine::Engine;
use crate::state::model::StateDocument;
use crate::state::store::{Etag, StateKey};
use std::sync::Arc;
use std::time::Duration;

/// A resource of a stack: the stack's key and full name, and the logical id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub stack: String,
    pub stack_name: String,
    pub logical_id: String,
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.stack, self.logical_id)
    }
}

/// What `state mv` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub resource_type: String,
    pub physical_id: String,
    /// The ownership tags: `Some(Ok(true))` moved with it, `Some(Ok(false))` the type has none
    /// fuelflow sets, `Some(Err(_))` tagging failed (the state moved all the same).
    pub retagged: Result<bool, String>,
}

/// What `state rm` forgot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    pub resource_type: String,
    pub physical_id: String,
}

/// `state mv FROM TO`: the recorded resource `from` becomes `to`; refused when `to` is already
/// recorded, or `from` has an unfinished operation or an old copy still to delete.
pub async fn state_mv(
    engine: Arc<Engine>,
    from: &Address,
    to: &Address,
    lock_timeout: Duration,
    reporter: Arc<dyn Reporter>,
) -> Result<Moved, OpError> {
    let mut stacks = vec![from.stack.clone()];
    if to.stack != from.stack {
        stacks.push(to.stack.clone());
    }
    let locks = Locks {
        stacks: &stacks,
        operation: "state mv",
        timeout: lock_timeout,
    };
    let moved = holding_with(&engine, locks, &reporter, async {}, |(), _| async {
        let (mut source, source_tag) = read(&engine, &from.stack).await?;
        let refuse = |why: String| Err(OpError::Refused(format!("state mv {from} {to}: {why}")));
        let Some(mut resource) = source.resources.get(&from.logical_id).cloned() else {
            return refuse(format!("{from} is not recorded in the state of {}", from.stack_name));
        };
        if let Some(why) = busy(&source, &from.logical_id) {
            return refuse(why);
        }
        if from.stack == to.stack {
            if source.resources.contains_key(&to.logical_id) {
                return refuse(format!("{to} is already recorded; `state rm` it first"));
            }
            source.resources.remove(&from.logical_id);
            rename_dependencies(&mut source, &from.logical_id, Some(&to.logical_id));
            source.resources.insert(to.logical_id.clone(), resource.clone());
            write(&engine, &from.stack, &source, source_tag.as_ref()).await?;
        } else {
            let (mut target, target_tag) = read(&engine, &to.stack).await?;
            if target.resources.contains_key(&to.logical_id) {
                return refuse(format!(
                    "{to} is already recorded in the state of {}",
                    to.stack_name
                ));
            }
            // What it depended on stays behind in its old stack.
            resource.dependencies.clear();
            source.resources.remove(&from.logical_id);
            rename_dependencies(&mut source, &from.logical_id, None);
            target.resources.insert(to.logical_id.clone(), resource.clone());
            // The source first: a failure between the writes leaves the resource unmanaged (never
            // recorded twice, where one stack could delete what the other manages).
            write(&engine, &from.stack, &source, source_tag.as_ref()).await?;
            if let Err(e) = write(&engine, &to.stack, &target, target_tag.as_ref()).await {
                return Err(OpError::Refused(format!(
                    "state mv {from} {to}: {from} was removed from {} but recording it in {} failed: {e}\n  record it again with: fuelflow import --env {} --stack {} {} {}",
                    from.stack_name,
                    to.stack_name,
                    engine.env,
                    to.stack,
                    to.logical_id,
                    resource.physical_id
                )));
            }
        }
        Ok(resource)
    })
    .await?;
    let ctx = engine.ctx(&to.stack_name, &to.logical_id);
    let retagged = super::import::ownership::tag(
        &ctx,
        &moved.resource_type,
        &moved.physical_id,
        &moved.attributes,
    )
    .await
    .map(|tagged| tagged.is_some())
    .map_err(|e| e.to_string());
    Ok(Moved {
        resource_type: moved.resource_type,
        physical_id: moved.physical_id,
        retagged,
    })
}

/// `state rm ADDRESS`: the resource is no longer recorded (nothing in AWS is deleted).
pub async fn state_rm(
    engine: Arc<Engine>,
    at: &Address,
    lock_timeout: Duration,
    reporter: Arc<dyn Reporter>,
) -> Result<Removed, OpError> {
    let stacks = [at.stack.clone()];
    let locks = Locks {
        stacks: &stacks,
        operation: "state rm",
        timeout: lock_timeout,
    };
    holding_with(&engine, locks, &reporter, async {}, |(), _| async {
        let (mut doc, tag) = read(&engine, &at.stack).await?;
        let refuse = |why: String| Err(OpError::Refused(format!("state rm {at}: {why}")));
        let Some(resource) = doc.resources.remove(&at.logical_id) else {
            return refuse(format!(
                "{at} is not recorded in the state of {}",
                at.stack_name
            ));
        };
        if let Some(why) = busy(&doc, &at.logical_id) {
            return refuse(why);
        }
        rename_dependencies(&mut doc, &at.logical_id, None);
        write(&engine, &at.stack, &doc, tag.as_ref()).await?;
        Ok(Removed {
            resource_type: resource.resource_type,
            physical_id: resource.physical_id,
        })
    })
    .await
}

/// Why a resource cannot be moved or forgotten now: an operation a killed run left pending, or
/// an old copy of a replacement still to delete (the next apply finishes those).
fn busy(doc: &StateDocument, logical_id: &str) -> Option<String> {
    if doc.pending.iter().any(|p| p.logical_id == logical_id) {
        return Some(format!(
            "{logical_id} has an unfinished operation from a run that stopped; run apply first"
        ));
    }
    if doc.deposed.iter().any(|d| d.logical_id == logical_id) {
        return Some(format!(
            "{logical_id} has an old copy of a replacement still to delete; run apply first"
        ));
    }
    None
}

/// Every recorded dependency on `old` renamed to `new` (or dropped).
fn rename_dependencies(doc: &mut StateDocument, old: &str, new: Option<&str>) {
    for r in doc.resources.values_mut() {
        r.dependencies.retain(|d| d != old || new.is_some());
        for d in &mut r.dependencies {
            if d == old {
                *d = new.unwrap_or(old).to_string();
            }
        }
        r.dependencies.sort();
        r.dependencies.dedup();
    }
}

async fn read(engine: &Engine, stack: &str) -> Result<(StateDocument, Option<Etag>), OpError> {
    let key = StateKey::new(&engine.env, stack);
    let found = engine
        .backend
        .store
        .get(&key)
        .await
        .map_err(|e| OpError::Refused(format!("reading the state of stack {stack}: {e}")))?;
    Ok(match found {
        Some((doc, tag)) => (doc, Some(tag)),
        None => (StateDocument::new(stack), None),
    })
}

/// One conditional write (the next serial of what was read).
async fn write(
    engine: &Engine,
    stack: &str,
    doc: &StateDocument,
    tag: Option<&Etag>,
) -> Result<(), OpError> {
    let key = StateKey::new(&engine.env, stack);
    let next = doc.next_serial();
    engine
        .backend
        .store
        .put(&key, &next, tag)
        .await
        .map(drop)
        .map_err(|e| OpError::Refused(format!("writing the state of stack {stack}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{Backend, BackendNames};
    use crate::resources::{Clients, Registry};
    use crate::state::StateStore;
    use crate::state::memory::MemoryStateStore;
    use crate::state::memory_lock::MemoryLocker;
    use crate::state::model::ResourceState;
    use serde_json::json;

    struct Quiet;
    impl crate::apply::Reporter for Quiet {
        fn started(&self, _: &str, _: &str, _: &str, _: crate::plan::Action) {}
        fn finished(
            &self,
            _: &str,
            _: &str,
            _: crate::plan::Action,
            _: Duration,
            _: Option<&crate::engine::ResourceFailure>,
        ) {
        }
    }
    impl Reporter for Quiet {
        fn confirm(&self, _: &str) -> Result<bool, super::super::ConfirmError> {
            Ok(false)
        }
    }

    fn engine(store: Arc<MemoryStateStore>) -> Arc<Engine> {
        let names = BackendNames {
            bucket: "state".into(),
            lock_table: "locks".into(),
            key_prefix: "fuelflow".into(),
            kms_key_id: None,
        };
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .build();
        Arc::new(Engine {
            clients: Arc::new(Clients::new(sdk)),
            backend: Backend::new(names, store, Arc::new(MemoryLocker::new())),
            env: "dev".into(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            parallelism: 1,
            refresh_parallelism: 1,
            registry: Registry::builtin(),
        })
    }

    fn resource(physical_id: &str, dependencies: &[&str]) -> ResourceState {
        ResourceState {
            // No ownership tags for this type: the move makes no AWS call.
            resource_type: "AWS::S3::BucketPolicy".into(),
            physical_id: physical_id.into(),
            properties: json!({}),
            attributes: Default::default(),
            dependencies: dependencies.iter().map(|d| d.to_string()).collect(),
            sensitive: Vec::new(),
            deletion_policy: None,
        }
    }

    fn at(stack: &str, logical_id: &str) -> Address {
        Address {
            stack: stack.into(),
            stack_name: format!("p-{stack}-dev"),
            logical_id: logical_id.into(),
        }
    }

    async fn stored(store: &MemoryStateStore, stack: &str) -> StateDocument {
        store
            .get(&StateKey::new("dev", stack))
            .await
            .unwrap()
            .unwrap()
            .0
    }

    async fn seeded() -> Arc<MemoryStateStore> {
        let store = Arc::new(MemoryStateStore::new());
        let mut doc = StateDocument::new("app");
        doc.resources.insert("Old".into(), resource("p-1", &[]));
        doc.resources
            .insert("User".into(), resource("u-1", &["Old"]));
        store
            .put(&StateKey::new("dev", "app"), &doc, None)
            .await
            .unwrap();
        store
    }

    #[tokio::test]
    async fn a_rename_in_one_stack_is_one_write_and_renames_the_dependencies() {
        let store = seeded().await;
        let e = engine(store.clone());
        let moved = state_mv(
            e,
            &at("app", "Old"),
            &at("app", "New"),
            Duration::ZERO,
            Arc::new(Quiet),
        )
        .await
        .unwrap();
        assert_eq!(moved.physical_id, "p-1");
        assert_eq!(moved.retagged, Ok(false));
        let doc = stored(&store, "app").await;
        assert_eq!(doc.serial, 1, "one checkpoint");
        assert_eq!(doc.resources.keys().collect::<Vec<_>>(), ["New", "User"]);
        assert_eq!(doc.resources["User"].dependencies, ["New"]);
    }

    #[tokio::test]
    async fn a_move_to_another_stack_writes_each_state_once_and_refuses_a_taken_id() {
        let store = seeded().await;
        let e = engine(store.clone());
        state_mv(
            e.clone(),
            &at("app", "Old"),
            &at("web", "Moved"),
            Duration::ZERO,
            Arc::new(Quiet),
        )
        .await
        .unwrap();
        let (app, web) = (stored(&store, "app").await, stored(&store, "web").await);
        assert_eq!((app.serial, web.serial), (1, 1));
        assert!(!app.resources.contains_key("Old"));
        assert!(app.resources["User"].dependencies.is_empty());
        assert_eq!(web.resources["Moved"].physical_id, "p-1");
        // Moving User onto the now-taken id is refused, and nothing is written.
        let e2 = state_mv(
            e,
            &at("app", "User"),
            &at("web", "Moved"),
            Duration::ZERO,
            Arc::new(Quiet),
        )
        .await
        .expect_err("the target id is taken");
        assert!(e2.to_string().contains("already recorded"), "{e2}");
        assert_eq!(stored(&store, "app").await.serial, 1);
    }

    #[tokio::test]
    async fn state_rm_forgets_only_the_record() {
        let store = seeded().await;
        let e = engine(store.clone());
        let removed = state_rm(
            e.clone(),
            &at("app", "Old"),
            Duration::ZERO,
            Arc::new(Quiet),
        )
        .await
        .unwrap();
        assert_eq!(removed.physical_id, "p-1");
        let doc = stored(&store, "app").await;
        assert_eq!(doc.resources.keys().collect::<Vec<_>>(), ["User"]);
        let again = state_rm(e, &at("app", "Old"), Duration::ZERO, Arc::new(Quiet)).await;
        assert!(again.unwrap_err().to_string().contains("is not recorded"));
    }
}
