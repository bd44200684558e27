//! What the template wants of a resource, in the form its handler compares and refresh reads.

use crate::resources::Props;
use crate::template::Value;
use crate::template::stack::{EvaluatedResource, Stack};
use crate::workspace::Workspace;

/// The directory of a stack's template (local code paths are relative to it).
pub fn template_dir(workspace: &Workspace, stack: &Stack) -> String {
    let path = &workspace.sources.get(stack.template.file).path;
    path.parent()
        .unwrap_or(std::path::Path::new("."))
        .display()
        .to_string()
}

/// The desired properties as the resource's handler compares them (local code as its hash).
/// Unknown values stay unknown.
pub fn desired_view(
    workspace: &Workspace,
    stack: &Stack,
    r: &EvaluatedResource,
) -> Result<Value, crate::resources::ResourceError> {
    let (Some(handler), Value::Map(map)) =
        (workspace.registry.get(&r.resource_type), &r.properties)
    else {
        return Ok(r.properties.clone());
    };
    let mut props = known_props(&r.properties);
    if handler.needs_template_dir() {
        props.insert(
            crate::resources::TEMPLATE_DIR.into(),
            template_dir(workspace, stack).into(),
        );
    }
    let view = handler.compare_view(props)?;
    let mut map = map.clone();
    for (k, v) in view {
        if map.get(&k).is_some_and(Value::is_known) {
            map.insert(k, Value::from_json(&v));
        }
    }
    Ok(Value::Map(map))
}

/// The properties whose values are known (what refresh can compare).
pub fn known_props(properties: &Value) -> Props {
    match properties {
        Value::Map(map) => map
            .iter()
            .filter(|(_, v)| v.is_known())
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect(),
        _ => Props::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;

    #[test]
    fn known_props_leave_out_unknown_values_and_non_mappings() {
        let mut map = IndexMap::new();
        map.insert("BucketName".to_string(), Value::String("b".into()));
        map.insert("Role".to_string(), Value::Unknown("Role.Arn".into()));
        let props = known_props(&Value::Map(map));
        assert_eq!(props.len(), 1);
        assert_eq!(props["BucketName"], serde_json::json!("b"));
        assert!(known_props(&Value::Null).is_empty());
    }
}
