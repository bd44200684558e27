//! What already exists, for evaluating templates: physical ids, attributes and exports from the
//! recorded state, updated as apply creates resources.

use crate::state::StateDocument;
use crate::template::Value;
use crate::template::eval::Lookup;
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Default)]
pub struct Known {
    /// (full stack name, logical id) -> (physical id, attributes)
    resources: HashMap<(String, String), (String, BTreeMap<String, Json>)>,
    exports: HashMap<String, Json>,
    /// Systems Manager parameter values by name (for `AWS::SSM::Parameter::Value<...>`).
    ssm_parameters: HashMap<String, String>,
}

impl Known {
    /// From the states of stacks (full name, state).
    pub fn from_states<'a>(
        states: impl IntoIterator<Item = (&'a str, &'a StateDocument)>,
    ) -> Known {
        let mut known = Known::default();
        for (stack, doc) in states {
            for (logical_id, r) in &doc.resources {
                known.set_resource(stack, logical_id, &r.physical_id, r.attributes.clone());
            }
            for o in doc.outputs.values() {
                if let Some(name) = &o.export_name {
                    known.exports.insert(name.clone(), o.value.clone());
                }
            }
        }
        known
    }

    pub fn set_resource(
        &mut self,
        stack: &str,
        logical_id: &str,
        physical_id: &str,
        attributes: BTreeMap<String, Json>,
    ) {
        self.resources.insert(
            (stack.to_string(), logical_id.to_string()),
            (physical_id.to_string(), attributes),
        );
    }

    pub fn remove_resource(&mut self, stack: &str, logical_id: &str) {
        self.resources
            .remove(&(stack.to_string(), logical_id.to_string()));
    }

    pub fn set_ssm_parameter(&mut self, name: &str, value: String) {
        self.ssm_parameters.insert(name.to_string(), value);
    }

    pub fn has_ssm_parameter(&self, name: &str) -> bool {
        self.ssm_parameters.contains_key(name)
    }

    pub fn set_export(&mut self, name: &str, value: Json) {
        self.exports.insert(name.to_string(), value);
    }

    pub fn has_resource(&self, stack: &str, logical_id: &str) -> bool {
        self.resources
            .contains_key(&(stack.to_string(), logical_id.to_string()))
    }
}

impl Lookup for Known {
    fn physical_id(&self, stack: &str, logical_id: &str) -> Option<Value> {
        let (id, _) = self
            .resources
            .get(&(stack.to_string(), logical_id.to_string()))?;
        Some(Value::String(id.clone()))
    }

    fn attribute(&self, stack: &str, logical_id: &str, attribute: &str) -> Option<Value> {
        let (_, attributes) = self
            .resources
            .get(&(stack.to_string(), logical_id.to_string()))?;
        attributes.get(attribute).map(Value::from_json)
    }

    fn export(&self, name: &str) -> Option<Value> {
        self.exports.get(name).map(Value::from_json)
    }

    fn ssm_parameter(&self, name: &str) -> Option<String> {
        self.ssm_parameters.get(name).cloned()
    }
}

/// Marks values that must be recomputed: a resource being replaced gets a new physical id and
/// attributes, so what refers to it is not known until apply.
pub fn forget_replaced(known: &mut Known, replaced: &[(String, String)]) {
    for (stack, logical_id) in replaced {
        known.remove_resource(stack, logical_id);
    }
}
