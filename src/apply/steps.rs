//! The forward steps of one resource: evaluate it with what exists now, record the pending
//! create, call its handler (create, update, or a replacement in the order its name allows),
//! and adopt what a killed run created but never recorded.

use super::checkpoint::Event;
use super::error::{Operation, StepError, StepResult};
use super::execute::Shared;
use super::idempotent::{CreateRequest, create_once};
use super::names;
use crate::plan::Change;
use crate::resources::{self, Handler, Props, ResourceError};
use crate::state::model::{DeposedObject, PendingAction, PendingOperation, ResourceState};
use crate::state::timestamp::Timestamp;
use crate::template::model::DeletionPolicy;
use crate::template::stack::Stack;
use serde_json::Value as Json;
use std::time::{Duration, Instant};

/// A resource's properties as they must be applied now.
pub(super) struct Desired {
    /// As recorded: references to secrets kept as references, in the handler's compare view.
    pub(super) recorded: Props,
    /// As sent to AWS: secrets resolved.
    pub(super) sent: Props,
    /// The versions of the secrets resolved.
    pub(super) versions: Vec<String>,
}

impl Shared {
    /// The resource evaluated with what exists now.
    async fn desired(&self, stack: &Stack, logical_id: &str) -> StepResult<Desired> {
        let value = stack.evaluate_resource(logical_id, &*self.known.read().expect("not poisoned"));
        if !value.is_known() {
            return Err(StepError::new(
                Operation::Evaluate,
                ResourceError::new(
                    "UnresolvedValue",
                    "a property depends on a value that is still unknown",
                ),
            ));
        }
        let mut recorded = match value.to_json() {
            Json::Object(map) => map,
            _ => Props::new(),
        };
        let resource_type = stack
            .resources
            .get(logical_id)
            .map(|r| r.resource_type.as_str())
            .unwrap_or_default();
        let handler = self.engine.registry.get(resource_type);
        if handler.is_some_and(|h| h.needs_template_dir()) {
            let dir = self
                .template_dirs
                .get(&stack.id.key)
                .cloned()
                .unwrap_or_default();
            recorded.insert(resources::TEMPLATE_DIR.into(), Json::String(dir));
        }
        let (sent, versions) = resources::dynamic::resolve(&self.engine.clients, &recorded)
            .await
            .map_err(Operation::Resolve.failed())?;
        // What is recorded is what refresh will compare with (local code as its hash).
        let recorded = match handler {
            Some(handler) => handler
                .compare_view(recorded)
                .map_err(Operation::Prepare.failed())?,
            None => recorded,
        };
        Ok(Desired {
            recorded,
            sent,
            versions,
        })
    }

    /// The type's handler in the engine's registry.
    pub(super) fn handler(
        &self,
        resource_type: &str,
    ) -> Result<&'static dyn Handler, ResourceError> {
        self.engine.registry.get(resource_type).ok_or_else(|| {
            ResourceError::new("UnsupportedType", format!("no handler for {resource_type}"))
        })
    }

    pub(super) async fn create(&self, stack: &Stack, change: &Change) -> StepResult<()> {
        let handler = self
            .handler(&change.resource_type)
            .map_err(Operation::Plan.failed())?;
        let Desired {
            recorded,
            mut sent,
            versions,
        } = self.desired(stack, &change.logical_id).await?;
        let ctx = self.engine.ctx(&stack.id.name, &change.logical_id);
        let earlier = self.earlier_pending(&stack.id.key, &change.logical_id);
        let earlier_copies = self.earlier_copies(&stack.id.key, &change.logical_id);
        let mut name_is_ours = earlier.is_some();
        if let Some(name_prop) = handler.name_property() {
            if !sent.contains_key(name_prop) {
                name_is_ours = true;
                // Reuse the name a killed run recorded, so its resource is found, not duplicated.
                let name = earlier
                    .as_ref()
                    .and_then(|p| p.physical_id.clone())
                    .unwrap_or_else(|| {
                        names::generate(&stack.id.name, &change.logical_id, handler.name_rules())
                    });
                sent.insert(name_prop.to_string(), Json::String(name));
            }
        }
        if earlier.is_some() {
            let mut lookup = sent.clone();
            lookup.insert(
                resources::EARLIER_COPIES.into(),
                Json::from(earlier_copies.clone()),
            );
            let started = earlier.as_ref().map(|p| p.started.unix_secs());
            lookup.insert(resources::CREATE_STARTED.into(), Json::from(started));
            let adopted = retry(|| handler.adopt(&ctx, &lookup))
                .await
                .map_err(Operation::Adopt.failed())?
                .filter(|a| !earlier_copies.contains(&a.physical_id));
            if let Some(adopted) = adopted {
                // Found what the killed run created: bring it from what AWS has to the template.
                let id = adopted.physical_id;
                let live = adopted.live.properties;
                let attributes = retry(|| handler.update(&ctx, &id, &live, &sent))
                    .await
                    .map_err(Operation::UpdateAdopted.failed())?;
                let attributes = with_versions(attributes, versions);
                self.record(stack, change, &id, attributes, recorded, None);
                return Ok(());
            }
        }
        let op = PendingOperation {
            // A killed run's id again: the client token of its create, where the API takes one.
            id: earlier
                .as_ref()
                .map(|p| p.id.clone())
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            logical_id: change.logical_id.clone(),
            resource_type: change.resource_type.clone(),
            action: PendingAction::Create,
            started: earlier.as_ref().map_or_else(Timestamp::now, |p| p.started),
            physical_id: handler
                .name_property()
                .and_then(|p| sent.get(p))
                .and_then(resources::text),
        };
        let op_id = op.id.clone();
        let started = op.started;
        self.checkpoints
            .pending(&stack.id.key, op)
            .await
            .map_err(|e| {
                StepError::new(
                    Operation::RecordPendingCreate,
                    ResourceError::new("StateWriteFailed", e),
                )
            })?;
        let created = create_once(&CreateRequest {
            handler,
            ctx: &ctx,
            props: &sent,
            earlier: &earlier_copies,
            token: &op_id,
            started: started.unix_secs(),
            name_is_ours,
        })
        .await
        .map_err(Operation::Create.failed())?;
        let attributes = with_versions(created.attributes, versions);
        self.record(
            stack,
            change,
            &created.physical_id,
            attributes,
            recorded,
            Some(op_id),
        );
        Ok(())
    }

    pub(super) async fn update(&self, stack: &Stack, change: &Change) -> StepResult<()> {
        let handler = self
            .handler(&change.resource_type)
            .map_err(Operation::Plan.failed())?;
        let Desired {
            mut recorded,
            mut sent,
            versions,
        } = self.desired(stack, &change.logical_id).await?;
        let Some(before) = self
            .recorded_resource(&change.stack, &change.logical_id)
            .cloned()
        else {
            return self.create(stack, change).await;
        };
        let old = self.current(stack, change, &before, &sent);
        let ignored = stack
            .resources
            .get(&change.logical_id)
            .map(|r| r.lifecycle.ignore_changes.as_slice())
            .unwrap_or_default();
        // `IgnoreChanges`: what AWS has is left alone (and recorded as it is).
        let derived = keep_ignored(ignored, &old, &mut sent, &mut recorded);
        // Resolving the recorded references gives the secrets' *current* values. After a
        // rotation those are not what was applied: keep the references then, so the handler sees
        // the properties that use a secret as changed and sends the new value.
        let applied = before.attributes.get(resources::dynamic::SECRET_VERSIONS);
        let rotated = applied.is_some_and(|a| *a != Json::from(versions.clone()));
        let mut old = match resources::dynamic::resolve(&self.engine.clients, &old).await {
            Ok((resolved, _)) if !rotated => resolved,
            _ => old,
        };
        // An ignored property sent in another form than it reads back (local code and its
        // hash, a resolved secret): what is sent is taken as what AWS has, so it is no change.
        for key in derived {
            match sent.get(&key) {
                Some(v) => old.insert(key, v.clone()),
                None => old.remove(&key),
            };
        }
        let ctx = self.engine.ctx(&stack.id.name, &change.logical_id);
        let attributes = retry(|| handler.update(&ctx, &before.physical_id, &old, &sent))
            .await
            .map_err(Operation::Update.failed())?;
        let attributes = with_versions(attributes, versions);
        self.record(
            stack,
            change,
            &before.physical_id,
            attributes,
            recorded,
            None,
        );
        Ok(())
    }

    /// Create-before-delete: the old copy is recorded as deposed first, then the new one is
    /// created, and the backward walk deletes the old one. When the template fixes the name the
    /// old one is deleted first instead (both cannot have it).
    pub(super) async fn replace(&self, stack: &Stack, change: &Change) -> StepResult<()> {
        let handler = self
            .handler(&change.resource_type)
            .map_err(Operation::Plan.failed())?;
        let Some(before) = self
            .recorded_resource(&change.stack, &change.logical_id)
            .cloned()
        else {
            return self.create(stack, change).await;
        };
        let policy = stack
            .resources
            .get(&change.logical_id)
            .and_then(|r| r.update_replace_policy);
        // `UpdateReplacePolicy: Retain`: the old one stays in AWS, no longer managed (the plan
        // refused the case where the new one needs its name).
        if policy == Some(DeletionPolicy::Retain) {
            return self.create(stack, change).await;
        }
        let final_snapshot =
            policy == Some(DeletionPolicy::Snapshot) && handler.takes_final_snapshot();
        // The template names the resource: the new one cannot exist beside the old one.
        let fixed_name = handler.name_property().is_some_and(|p| {
            stack
                .template
                .resources
                .get(&change.logical_id)
                .and_then(|r| r.properties.as_ref())
                .and_then(|props| props.get(p))
                .is_some()
        });
        if fixed_name {
            // The new resource needs the old one's name: delete first, then create.
            let old = DeposedObject {
                id: String::new(),
                logical_id: change.logical_id.clone(),
                resource_type: before.resource_type.clone(),
                physical_id: before.physical_id.clone(),
                properties: before.properties.clone(),
                final_snapshot,
                dependencies: before.dependencies.clone(),
                deposed_at: Timestamp::now(),
            };
            self.delete_old_copy(stack, &old)
                .await
                .map_err(Operation::DeleteForReplace.failed())?;
            self.checkpoints.send(Event::Removed {
                stack: change.stack.clone(),
                logical_id: change.logical_id.clone(),
                clear: None,
            });
            return self.create(stack, change).await;
        }
        let deposed = self.depose(stack, change, &before, final_snapshot).await?;
        let created = self.create(stack, change).await;
        if created.is_err() {
            // Nothing new was recorded: the old copy stays the current one.
            self.undepose(stack, deposed);
        }
        created
    }

    /// What the resource is now: the recorded properties with what refresh read from AWS laid
    /// over them (so drift is repaired), except properties AWS never returns.
    fn current(
        &self,
        stack: &Stack,
        change: &Change,
        before: &ResourceState,
        sent: &Props,
    ) -> Props {
        let mut old = before.properties.as_object().cloned().unwrap_or_default();
        let Some(Some(live)) = self
            .live
            .get(&(stack.id.name.clone(), change.logical_id.clone()))
        else {
            return old;
        };
        let write_only = crate::schema::lookup(&change.resource_type)
            .map(|s| s.write_only)
            .unwrap_or_default();
        let keys: Vec<String> = old.keys().chain(sent.keys()).cloned().collect();
        for key in keys {
            if write_only.contains(&key.as_str())
                || old.get(&key).is_some_and(crate::plan::diff::is_sensitive)
            {
                continue;
            }
            match live.properties.get(&key) {
                Some(v) => {
                    old.insert(key, v.clone());
                }
                None => {
                    old.remove(&key);
                }
            }
        }
        old
    }

    /// A create a previous (killed) run recorded as started but never finished.
    pub(super) fn earlier_pending(
        &self,
        stack: &str,
        logical_id: &str,
    ) -> Option<PendingOperation> {
        self.recorded
            .get(stack)?
            .doc
            .pending
            .iter()
            .find(|p| {
                p.logical_id == logical_id
                    && matches!(p.action, PendingAction::Create | PendingAction::Replace)
            })
            .cloned()
    }
}

/// Sets each ignored property of what is sent and recorded to its current value `old` (absent
/// when it has none), so an update neither changes nor resets it. A property whose sent form
/// is not the form it reads back in (`recorded`, the handler's compare view, differs) cannot be
/// sent as read: those are returned, for `old` to take the sent value instead.
fn keep_ignored(
    ignored: &[String],
    old: &Props,
    sent: &mut Props,
    recorded: &mut Props,
) -> Vec<String> {
    let mut derived = Vec::new();
    for key in ignored {
        if sent.get(key) != recorded.get(key) {
            derived.push(key.clone());
        } else {
            match old.get(key) {
                Some(v) => sent.insert(key.clone(), v.clone()),
                None => sent.remove(key),
            };
        }
        match old.get(key) {
            Some(v) => recorded.insert(key.clone(), v.clone()),
            None => recorded.remove(key),
        };
    }
    derived
}

/// Records which secret versions the resource was applied with (never their values).
fn with_versions(
    mut attributes: resources::Attributes,
    versions: Vec<String>,
) -> resources::Attributes {
    if !versions.is_empty() {
        attributes.insert(
            resources::dynamic::SECRET_VERSIONS.to_string(),
            Json::from(versions),
        );
    }
    attributes
}

/// Calls `f` again after a pause while it fails with a retryable error (eventual consistency,
/// throttling beyond what the SDK retried), for about a minute at most.
pub(super) async fn retry<T, F, Fut>(f: F) -> Result<T, ResourceError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, ResourceError>>,
{
    let mut delay = Duration::from_millis(500);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match f().await {
            Err(e) if e.retryable && Instant::now() + delay < deadline => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(8));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::keep_ignored;
    use serde_json::json;

    fn props(v: serde_json::Value) -> crate::resources::Props {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn ignored_properties_are_sent_as_aws_has_them_unless_their_form_differs() {
        let old = props(json!({"Tags": [{"Key": "org", "Value": "x"}], "Code": {"sha": "live"}}));
        let mut sent = props(json!({"Tags": [{"Key": "team", "Value": "a"}], "Code": "./src"}));
        let mut recorded =
            props(json!({"Tags": [{"Key": "team", "Value": "a"}], "Code": {"sha": "new"}}));
        let ignored = ["Tags".to_string(), "Code".to_string()];
        let derived = keep_ignored(&ignored, &old, &mut sent, &mut recorded);
        assert_eq!(derived, ["Code"], "local code cannot be sent as its hash");
        assert_eq!(sent["Tags"], old["Tags"]);
        assert_eq!(sent["Code"], json!("./src"));
        assert_eq!(recorded, old, "the state records what AWS has");
    }
}
