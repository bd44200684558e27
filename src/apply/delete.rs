//! The backward steps of one resource: delete what left the template (or forget it, for
//! `DeletionPolicy: Retain`), delete the old copy of a replacement, with a final snapshot when
//! the policy asks for one.

use super::checkpoint::Event;
use super::error::{Operation, StepResult};
use super::execute::Shared;
use super::steps::retry;
use crate::plan::{Action, Change};
use crate::resources::{Props, ResourceError};
use crate::state::model::{DeposedObject, ResourceState};
use crate::state::timestamp::Timestamp;
use crate::template::model::DeletionPolicy;
use crate::template::stack::Stack;

impl Shared {
    /// Carries out a planned `Delete` or `Forget`, then drops the resource from what is known
    /// and from the state.
    pub(super) async fn remove(&self, stack: &Stack, change: &Change) -> StepResult<()> {
        let recorded = self
            .recorded_resource(&change.stack, &change.logical_id)
            .cloned();
        let result = match (change.action, recorded) {
            (Action::Delete, Some(r)) if self.is_snapshot_deletion(&r) => {
                // `DeletionPolicy: Snapshot` (the CloudFormation default for DB instances).
                self.delete_with_final_snapshot(
                    stack,
                    &change.logical_id,
                    &r.resource_type,
                    &r.physical_id,
                )
                .await
            }
            (Action::Delete, Some(r)) => {
                let props = r.properties.as_object().cloned().unwrap_or_default();
                self.delete_physical(
                    stack,
                    &change.logical_id,
                    &r.resource_type,
                    &r.physical_id,
                    &props,
                )
                .await
            }
            _ => Ok(()),
        };
        result.map_err(Operation::Delete.failed())?;
        self.known
            .write()
            .expect("not poisoned")
            .remove_resource(&stack.id.name, &change.logical_id);
        self.checkpoints.send(Event::Removed {
            stack: change.stack.clone(),
            logical_id: change.logical_id.clone(),
            clear: None,
        });
        Ok(())
    }

    /// Deletes the old copy of a replaced resource, with a final snapshot when its
    /// `UpdateReplacePolicy` asks for one.
    pub(super) async fn delete_old_copy(
        &self,
        stack: &Stack,
        old: &DeposedObject,
    ) -> Result<(), ResourceError> {
        if old.final_snapshot {
            return self
                .delete_with_final_snapshot(
                    stack,
                    &old.logical_id,
                    &old.resource_type,
                    &old.physical_id,
                )
                .await;
        }
        self.delete_physical(
            stack,
            &old.logical_id,
            &old.resource_type,
            &old.physical_id,
            &old.properties.as_object().cloned().unwrap_or_default(),
        )
        .await
    }

    /// Deletes keeping a final snapshot named `<id>-final-<unix seconds>`.
    async fn delete_with_final_snapshot(
        &self,
        stack: &Stack,
        logical_id: &str,
        resource_type: &str,
        physical_id: &str,
    ) -> Result<(), ResourceError> {
        let handler = self.handler(resource_type)?;
        let ctx = self.engine.ctx(&stack.id.name, logical_id);
        let snapshot = format!("{physical_id}-final-{}", Timestamp::now().unix_secs());
        retry(|| handler.delete_with_snapshot(&ctx, physical_id, &snapshot)).await
    }

    async fn delete_physical(
        &self,
        stack: &Stack,
        logical_id: &str,
        resource_type: &str,
        physical_id: &str,
        props: &Props,
    ) -> Result<(), ResourceError> {
        let handler = self.handler(resource_type)?;
        let ctx = self.engine.ctx(&stack.id.name, logical_id);
        retry(|| handler.delete(&ctx, physical_id, props)).await
    }

    /// Whether deleting the recorded resource must keep a final snapshot.
    fn is_snapshot_deletion(&self, r: &ResourceState) -> bool {
        r.deletion_policy == Some(DeletionPolicy::Snapshot)
            && self
                .engine
                .registry
                .get(&r.resource_type)
                .is_some_and(|h| h.takes_final_snapshot())
    }
}
