//! A fake resource type for engine tests: it keeps "the cloud" in memory, journals every call
//! in order, fails the calls it is told to fail, and can look at the state store the moment a
//! create is called (to see what the engine recorded before it).

use crate::resources::{
    Attributes, Created, Ctx, Handler, Live, Props, Resource, ResourceError, Result,
};
use crate::state::memory::MemoryStateStore;
use crate::state::{StateKey, StateStore};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Read,
    Update,
    Delete,
    Find,
}

/// One handler call, in the order the engine made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub op: Op,
    pub logical_id: String,
    /// The physical id worked on (for a create: the one returned; empty for a find).
    pub physical_id: String,
    /// The properties the engine sent (create: desired; update: new).
    pub props: Props,
}

/// The stored state as a create call found it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenAtCreate {
    pub logical_id: String,
    /// Logical ids with a pending operation.
    pub pending: Vec<String>,
    /// Logical ids recorded as applied.
    pub recorded: Vec<String>,
    /// Physical ids recorded as deposed (old copies still to delete).
    pub deposed: Vec<String>,
}

/// What every fake of one test shares.
#[derive(Default)]
pub struct World {
    calls: Mutex<Vec<Call>>,
    /// Physical id -> what "AWS" has.
    cloud: Mutex<BTreeMap<String, Props>>,
    failing: Mutex<Vec<(Op, String)>>,
    /// Creates that happen in "AWS" but whose answer never reaches the engine (a crash or a
    /// lost connection between the create call and the checkpoint).
    lost_answers: Mutex<Vec<String>>,
    /// Creates that happen but whose answer is dropped on the way back, `n` times (a dropped
    /// connection: an ambiguous, retryable failure).
    dropped_answers: Mutex<BTreeMap<String, usize>>,
    /// Physical id -> the logical id that created it (the fake's ownership tags).
    owners: Mutex<BTreeMap<String, String>>,
    watched: Mutex<Option<(Arc<MemoryStateStore>, StateKey)>>,
    seen_at_create: Mutex<Vec<SeenAtCreate>>,
    next_id: AtomicUsize,
}

impl World {
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// The calls of one kind, as "LogicalId" in order.
    pub fn logical_ids(&self, op: Op) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|c| c.op == op)
            .map(|c| c.logical_id)
            .collect()
    }

    /// The index in the journal of the first `op` call on `logical_id`.
    pub fn position(&self, op: Op, logical_id: &str) -> usize {
        self.calls()
            .iter()
            .position(|c| c.op == op && c.logical_id == logical_id)
            .unwrap_or_else(|| panic!("no {op:?} of {logical_id} in {:#?}", self.calls()))
    }

    pub fn forget_calls(&self) {
        self.calls.lock().unwrap().clear();
    }

    /// Makes every `op` call on `logical_id` fail (not retryable).
    pub fn fail(&self, op: Op, logical_id: &str) {
        self.failing
            .lock()
            .unwrap()
            .push((op, logical_id.to_string()));
    }

    /// Makes the create of `logical_id` happen but fail as seen by the engine.
    pub fn lose_create_answer(&self, logical_id: &str) {
        self.lost_answers
            .lock()
            .unwrap()
            .push(logical_id.to_string());
    }

    /// Makes the next `times` creates of `logical_id` happen but fail as a dropped connection
    /// (retryable: the engine cannot know whether the create happened).
    pub fn drop_create_answers(&self, logical_id: &str, times: usize) {
        self.dropped_answers
            .lock()
            .unwrap()
            .insert(logical_id.to_string(), times);
    }

    /// Every call succeeds again.
    pub fn heal(&self) {
        self.failing.lock().unwrap().clear();
        self.lost_answers.lock().unwrap().clear();
        self.dropped_answers.lock().unwrap().clear();
    }

    /// The physical ids "AWS" has that `logical_id` created (what its ownership tags find).
    pub fn owned_by(&self, logical_id: &str) -> Vec<String> {
        let owners = self.owners.lock().unwrap();
        self.physical_ids()
            .into_iter()
            .filter(|id| owners.get(id).is_some_and(|o| o == logical_id))
            .collect()
    }

    /// What "AWS" has for `physical_id`.
    pub fn live(&self, physical_id: &str) -> Option<Props> {
        self.cloud.lock().unwrap().get(physical_id).cloned()
    }

    /// Changes a property behind the engine's back (drift).
    pub fn set_live(&self, physical_id: &str, property: &str, value: Json) {
        self.cloud
            .lock()
            .unwrap()
            .get_mut(physical_id)
            .unwrap_or_else(|| panic!("{physical_id} does not exist"))
            .insert(property.to_string(), value);
    }

    /// A resource created outside the engine's records (what a killed run left).
    pub fn put_live(&self, physical_id: &str, props: Props) {
        self.cloud
            .lock()
            .unwrap()
            .insert(physical_id.to_string(), props);
    }

    pub fn physical_ids(&self) -> Vec<String> {
        self.cloud.lock().unwrap().keys().cloned().collect()
    }

    /// From now on every create first reads `key` from `store`, to see what was recorded.
    pub fn watch(&self, store: Arc<MemoryStateStore>, key: StateKey) {
        *self.watched.lock().unwrap() = Some((store, key));
    }

    /// For each create since [`World::watch`], the stored state it found.
    pub fn seen_at_create(&self) -> Vec<SeenAtCreate> {
        self.seen_at_create.lock().unwrap().clone()
    }

    fn journal(&self, op: Op, ctx: &Ctx, physical_id: &str, props: &Props) -> Result<()> {
        self.calls.lock().unwrap().push(Call {
            op,
            logical_id: ctx.logical_id.clone(),
            physical_id: physical_id.to_string(),
            props: props.clone(),
        });
        let failing = self.failing.lock().unwrap();
        if failing
            .iter()
            .any(|(o, id)| *o == op && *id == ctx.logical_id)
        {
            return Err(ResourceError::new(
                "FakeFailure",
                format!("{op:?} of {} failed on purpose", ctx.logical_id),
            ));
        }
        Ok(())
    }

    async fn look_at_state(&self, ctx: &Ctx) {
        let watched = self.watched.lock().unwrap().clone();
        let Some((store, key)) = watched else { return };
        let (pending, recorded, deposed) = match store.get(&key).await {
            Ok(Some((doc, _))) => (
                doc.pending.into_iter().map(|p| p.logical_id).collect(),
                doc.resources.into_keys().collect(),
                doc.deposed.into_iter().map(|d| d.physical_id).collect(),
            ),
            _ => (Vec::new(), Vec::new(), Vec::new()),
        };
        self.seen_at_create.lock().unwrap().push(SeenAtCreate {
            logical_id: ctx.logical_id.clone(),
            pending,
            recorded,
            deposed,
        });
    }
}

/// One fake type: the real type's facts (name property and rules, managed properties), its
/// calls answered from the shared [`World`].
pub struct Fake {
    pub world: Arc<World>,
    real: &'static dyn Handler,
}

impl Fake {
    /// A `'static` handler standing in for `type_name`, as the registry holds them (leaked:
    /// tests are short).
    pub fn leak(world: &Arc<World>, type_name: &str) -> &'static dyn Handler {
        let real = crate::resources::handler(type_name)
            .unwrap_or_else(|| panic!("{type_name} has no real handler to stand in for"));
        Box::leak(Box::new(Fake {
            world: world.clone(),
            real,
        }))
    }

    fn attributes(physical_id: &str) -> Attributes {
        Attributes::from([(
            "Arn".to_string(),
            Json::from(format!("arn:fake:{physical_id}")),
        )])
    }
}

impl Resource for Fake {
    fn name_property(&self) -> Option<&'static str> {
        self.real.name_property()
    }

    fn name_rules(&self) -> (usize, bool) {
        self.real.name_rules()
    }

    fn managed_properties(&self) -> &'static [&'static str] {
        self.real.managed_properties()
    }

    fn secret_properties(&self) -> &'static [&'static str] {
        self.real.secret_properties()
    }

    fn implicit_dependencies(
        &self,
        stack: &crate::template::stack::Stack,
        logical_id: &str,
    ) -> Vec<String> {
        self.real.implicit_dependencies(stack, logical_id)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        self.world.look_at_state(ctx).await;
        let physical_id = match self.real.name_property().and_then(|p| props.get(p)) {
            Some(name) => crate::resources::text(name).unwrap_or_default(),
            None => {
                let n = self.world.next_id.fetch_add(1, Ordering::SeqCst);
                format!("{}-{n}", ctx.logical_id.to_lowercase())
            }
        };
        self.world.journal(Op::Create, ctx, &physical_id, props)?;
        let mut cloud = self.world.cloud.lock().unwrap();
        if cloud.contains_key(&physical_id) {
            return Err(ResourceError::new(
                "AlreadyExists",
                format!("{physical_id} already exists"),
            ));
        }
        let mut stored = props.clone();
        stored.remove(crate::resources::CLIENT_TOKEN);
        cloud.insert(physical_id.clone(), stored);
        drop(cloud);
        self.world
            .owners
            .lock()
            .unwrap()
            .insert(physical_id.clone(), ctx.logical_id.clone());
        let dropped = {
            let mut dropped = self.world.dropped_answers.lock().unwrap();
            match dropped.get_mut(&ctx.logical_id) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            }
        };
        if dropped {
            return Err(ResourceError::new(
                "DispatchFailure",
                format!("the connection dropped before the answer to the create of {physical_id}"),
            )
            .retryable());
        }
        if self
            .world
            .lost_answers
            .lock()
            .unwrap()
            .contains(&ctx.logical_id)
        {
            return Err(ResourceError::new(
                "RequestTimeout",
                format!("the answer to the create of {physical_id} was lost"),
            ));
        }
        Ok(Created {
            attributes: Fake::attributes(&physical_id),
            physical_id,
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        self.world.journal(Op::Read, ctx, physical_id, desired)?;
        Ok(self.world.live(physical_id).map(|properties| Live {
            properties,
            attributes: Fake::attributes(physical_id),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        _old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        self.world.journal(Op::Update, ctx, physical_id, new)?;
        self.world.put_live(physical_id, new.clone());
        Ok(Fake::attributes(physical_id))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, props: &Props) -> Result<()> {
        self.world.journal(Op::Delete, ctx, physical_id, props)?;
        self.world.cloud.lock().unwrap().remove(physical_id);
        Ok(())
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        self.world.journal(Op::Find, ctx, "", props)?;
        let name = self
            .real
            .name_property()
            .and_then(|p| props.get(p))
            .and_then(crate::resources::text);
        if self.real.name_property().is_some() {
            return Ok(name.filter(|n| self.world.live(n).is_some()));
        }
        // No name: by the ownership tags, skipping the copies the engine says are not the one.
        Ok(self
            .world
            .owned_by(&ctx.logical_id)
            .into_iter()
            .find(|id| !crate::resources::is_earlier_copy(props, id)))
    }
}
