//! What an apply records: each resource as applied (secrets as salted hashes, its recorded
//! dependencies for later deletes), the exports other resources of the run import, and the
//! stacks' outputs once every value is known.

use super::checkpoint::Event;
use super::execute::Shared;
use crate::plan::Change;
use crate::plan::secrets::{self, Secrets};
use crate::resources::{Attributes, Props};
use crate::state::model::{OutputState, ResourceState};
use crate::template::eval::RefKind;
use crate::template::stack::Stack;
use serde_json::Value as Json;
use std::collections::BTreeMap;

impl Shared {
    /// The salt of a stack's recorded hashes: its state's lineage.
    fn salt(&self, stack_key: &str) -> String {
        self.recorded
            .get(stack_key)
            .map(|r| r.doc.lineage.clone())
            .unwrap_or_default()
    }

    /// Records an applied resource: known to what refers to it from now on, and checkpointed.
    /// `clear` is the pending operation this completes.
    pub(super) fn record(
        &self,
        stack: &Stack,
        change: &Change,
        physical_id: &str,
        mut attributes: Attributes,
        mut properties: Props,
        clear: Option<String>,
    ) {
        // `Protect` is recorded, so the resource stays protected once removed from the template.
        if stack
            .resources
            .get(&change.logical_id)
            .is_some_and(|r| r.lifecycle.protect)
        {
            attributes.insert(crate::plan::lifecycle::PROTECTED.into(), Json::Bool(true));
        }
        // Secret values given in the template are recorded as salted hashes only.
        let salt = self.salt(&change.stack);
        let hashed = secrets::redact(
            &salt,
            &change.resource_type,
            &Secrets::of(stack, &self.engine.registry),
            &mut properties,
        );
        self.known.write().expect("not poisoned").set_resource(
            &stack.id.name,
            &change.logical_id,
            physical_id,
            attributes.clone(),
        );
        let evaluated = stack.resources.get(&change.logical_id);
        let dependencies = evaluated
            .map(|r| {
                let mut d: Vec<String> = r
                    .references
                    .iter()
                    .filter(|x| x.kind != RefKind::ImportValue)
                    .map(|x| x.target.clone())
                    .collect();
                let key = (change.stack.clone(), change.logical_id.clone());
                d.extend(self.implicit.get(&key).into_iter().flatten().cloned());
                d.sort();
                d.dedup();
                d
            })
            .unwrap_or_default();
        let mut sensitive: Vec<String> = properties
            .iter()
            .filter(|(_, v)| crate::plan::diff::is_sensitive(v))
            .map(|(k, _)| k.clone())
            .collect();
        sensitive.extend(hashed);
        let state = ResourceState {
            resource_type: change.resource_type.clone(),
            physical_id: physical_id.to_string(),
            properties: Json::Object(properties),
            attributes,
            dependencies,
            sensitive,
            deletion_policy: evaluated.and_then(|r| r.deletion_policy),
        };
        // Also clear a killed run's pending create of this resource: it is recorded now.
        let clear = clear.or_else(|| {
            self.earlier_pending(&change.stack, &change.logical_id)
                .map(|p| p.id)
        });
        self.publish_exports(stack);
        self.checkpoints.send(Event::Resource {
            stack: change.stack.clone(),
            logical_id: change.logical_id.clone(),
            state,
            clear,
        });
    }

    /// Makes the stack's exports that are now fully known visible to importing stacks, so a
    /// resource importing them can be created in this same run.
    fn publish_exports(&self, stack: &Stack) {
        if !stack.outputs.values().any(|o| o.export_name.is_some()) {
            return;
        }
        let outputs = stack.evaluate_outputs(&*self.known.read().expect("not poisoned"));
        let mut known = self.known.write().expect("not poisoned");
        for (_, value, export_name) in outputs {
            if let (Some(name), true) = (export_name, value.is_known()) {
                known.set_export(&name, value.to_json());
            }
        }
    }

    /// Records every stack's outputs (`NoEcho` secrets as salted hashes) and publishes exports.
    pub(super) fn record_outputs(&self) {
        let known = self.known.read().expect("not poisoned");
        let mut exports = Vec::new();
        for stack in &self.stacks {
            let mut outputs = BTreeMap::new();
            let no_echo = Secrets::no_echo_values(stack);
            let salt = self.salt(&stack.id.key);
            for (name, value, export_name) in stack.evaluate_outputs(&*known) {
                let mut json = value.to_json();
                if let Some(e) = &export_name {
                    exports.push((e.clone(), json.clone()));
                }
                let sensitive =
                    crate::plan::diff::is_sensitive(&json) || no_echo.contains_value(&json);
                if no_echo.contains_value(&json) {
                    json = secrets::hash(&salt, &json);
                }
                outputs.insert(
                    name,
                    OutputState {
                        value: json,
                        export_name,
                        sensitive,
                    },
                );
            }
            self.checkpoints.send(Event::Outputs {
                stack: stack.id.key.clone(),
                outputs,
            });
        }
        drop(known);
        let mut known = self.known.write().expect("not poisoned");
        for (name, value) in exports {
            known.set_export(&name, value);
        }
    }
}
