//! Deposed objects: the old copy of a create-before-delete replacement is written to the state
//! as a pending delete before the new copy is created, so a run killed between the two leaves a
//! record, never an orphan. The delete phase of every run deletes what the states hold (of this
//! run or an interrupted one); an entry goes only once its delete succeeded.

use super::checkpoint::Event;
use super::error::{Operation, StepError, StepResult};
use super::execute::{DEPOSED, Shared};
use crate::plan::Change;
use crate::resources::ResourceError;
use crate::state::model::{DeposedObject, ResourceState};
use crate::state::timestamp::Timestamp;
use crate::template::stack::Stack;

impl Shared {
    /// Records `before`, the current copy of `change`'s resource, as deposed (durably, before
    /// anything is created). Returns the deposed object's id.
    pub(super) async fn depose(
        &self,
        stack: &Stack,
        change: &Change,
        before: &ResourceState,
        final_snapshot: bool,
    ) -> StepResult<String> {
        let object = DeposedObject {
            id: uuid::Uuid::new_v4().to_string(),
            logical_id: change.logical_id.clone(),
            resource_type: before.resource_type.clone(),
            physical_id: before.physical_id.clone(),
            properties: before.properties.clone(),
            final_snapshot,
            dependencies: before.dependencies.clone(),
            deposed_at: Timestamp::now(),
        };
        let id = object.id.clone();
        self.checkpoints
            .depose(&stack.id.key, object)
            .await
            .map_err(|e| {
                StepError::new(
                    Operation::RecordDeposed,
                    ResourceError::new("StateWriteFailed", e),
                )
            })?;
        Ok(id)
    }

    /// The replacement failed before its new copy was recorded: the old copy stays current.
    pub(super) fn undepose(&self, stack: &Stack, id: String) {
        self.checkpoints.send(Event::DeposedGone {
            stack: stack.id.key.clone(),
            id,
        });
    }

    /// The physical ids this resource had before (current and deposed copies): a lookup by
    /// ownership tags after a lost answer must not take one of them for the new copy.
    pub(super) fn earlier_copies(&self, stack_key: &str, logical_id: &str) -> Vec<String> {
        let Some(recorded) = self.recorded.get(stack_key) else {
            return Vec::new();
        };
        recorded
            .doc
            .resources
            .get(logical_id)
            .map(|r| r.physical_id.clone())
            .into_iter()
            .chain(
                recorded
                    .doc
                    .deposed
                    .iter()
                    .filter(|d| d.logical_id == logical_id)
                    .map(|d| d.physical_id.clone()),
            )
            .collect()
    }

    /// Takes the deposed objects the states hold now (after the forward walk) as the backward
    /// walk's work.
    pub(super) async fn load_deposed(&self) {
        let all = self.checkpoints.deposed().await;
        let mut deposed = self.deposed.lock().expect("not poisoned");
        for (stack, objects) in all {
            for object in objects {
                let key = (
                    stack.clone(),
                    format!("{}{DEPOSED}{}", object.logical_id, object.id),
                );
                deposed.insert(key, object);
            }
        }
    }

    /// Deletes a deposed object (with a final snapshot when its policy asked for one), then
    /// drops it from the state.
    pub(super) async fn remove_deposed(
        &self,
        stack: &Stack,
        old: &DeposedObject,
    ) -> StepResult<()> {
        self.delete_old_copy(stack, old)
            .await
            .map_err(Operation::DeleteDeposed.failed())?;
        self.checkpoints.send(Event::DeposedGone {
            stack: stack.id.key.clone(),
            id: old.id.clone(),
        });
        Ok(())
    }
}
