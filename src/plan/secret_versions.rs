//! Secret rotation: a resource applied with a secret version that is no longer current is
//! updated, so the new value reaches it. Versions are compared, values never read at plan time.

use super::desired::known_props;
use super::{Action, Change, PropertyChange, SENSITIVE, StackPlan};
use crate::engine::Engine;
use crate::resources::dynamic::{SECRET_VERSIONS, current_versions};
use crate::state::recorded::Recorded;
use crate::workspace::Workspace;
use std::collections::{BTreeMap, HashMap};

/// The versions of the secrets an applied resource refers to, as they are now, by stack key and
/// logical id. Only resources applied with secret versions recorded are asked about.
pub type SecretVersionsNow = HashMap<(String, String), Vec<String>>;

/// Asks for every such resource at once. A lookup that fails leaves the resource out: a secret
/// that cannot be read now shows up as an error at apply time, not as a guessed change.
pub async fn current_secret_versions(
    engine: &Engine,
    workspace: &Workspace,
    states: &BTreeMap<String, Recorded>,
) -> SecretVersionsNow {
    let mut keys = Vec::new();
    let mut lookups = Vec::new();
    for stack in &workspace.stacks {
        for (logical_id, evaluated) in &stack.resources {
            let applied = states[&stack.id.key].doc.resources.get(logical_id);
            if applied.is_none_or(|r| !r.attributes.contains_key(SECRET_VERSIONS)) {
                continue;
            }
            let props = known_props(&evaluated.properties);
            keys.push((stack.id.key.clone(), logical_id.clone()));
            lookups.push(async move { current_versions(&engine.clients, &props).await.ok() });
        }
    }
    let found = futures_util::future::join_all(lookups).await;
    keys.into_iter()
        .zip(found)
        .filter_map(|(key, now)| Some((key, now?)))
        .collect()
}

/// Adds an update of every resource not already changing whose recorded secret versions differ
/// from `versions_now` (the value itself is fetched only at apply time and never kept).
pub fn secret_rotations(
    workspace: &Workspace,
    states: &BTreeMap<String, Recorded>,
    versions_now: &SecretVersionsNow,
    stacks: &mut [StackPlan],
) {
    for (stack, plan) in workspace.stacks.iter().zip(stacks.iter_mut()) {
        for (logical_id, evaluated) in &stack.resources {
            let Some(recorded) = states[&stack.id.key].doc.resources.get(logical_id) else {
                continue;
            };
            let Some(applied) = recorded.attributes.get(SECRET_VERSIONS) else {
                continue;
            };
            if plan.changes.iter().any(|c| &c.logical_id == logical_id) {
                continue;
            }
            let Some(now) = versions_now.get(&(stack.id.key.clone(), logical_id.clone())) else {
                continue;
            };
            if serde_json::json!(now) == *applied {
                continue;
            }
            let props = known_props(&evaluated.properties);
            let paths = props
                .iter()
                .filter(|(_, v)| super::diff::is_sensitive(v))
                .map(|(k, _)| k.clone());
            plan.changes.push(Change {
                stack: stack.id.key.clone(),
                logical_id: logical_id.clone(),
                resource_type: evaluated.resource_type.clone(),
                action: Action::Update,
                physical_id: Some(recorded.physical_id.clone()),
                properties: paths
                    .map(|path| PropertyChange {
                        path,
                        before: serde_json::Value::String(SENSITIVE.into()),
                        after: serde_json::Value::String(SENSITIVE.into()),
                        forces_replacement: false,
                        drift: false,
                        sensitive: true,
                    })
                    .collect(),
                replace_because: Vec::new(),
                reason: Some("a secret it uses has a new version".into()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateDocument;
    use crate::state::model::ResourceState;
    use crate::workspace::{Facts, load_text};
    use serde_json::json;

    const TEMPLATE: &str = "Resources:
  Db:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: db
      SecretString: '{{resolve:secretsmanager:arn:aws:secretsmanager:eu-west-1:1:secret:pw}}'
";

    #[test]
    fn a_resource_whose_secret_has_a_new_version_is_updated_with_hidden_values() {
        let ws = load_text("t.yaml", TEMPLATE.into(), &[], &Facts::default())
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
        type Versions = Option<&'static [&'static str]>;
        // (versions applied, versions now, already changing, updated)
        let cases: [(Versions, Versions, bool, bool); 5] = [
            (Some(&["pw:v1"]), Some(&["pw:v2"]), false, true),
            (Some(&["pw:v1"]), Some(&["pw:v1"]), false, false),
            (Some(&["pw:v1"]), None, false, false),
            (None, Some(&["pw:v2"]), false, false),
            (Some(&["pw:v1"]), Some(&["pw:v2"]), true, false),
        ];
        for (applied, now, changing, updated) in cases {
            let mut doc = StateDocument::new("stack");
            let mut attributes = BTreeMap::new();
            if let Some(applied) = applied {
                attributes.insert(SECRET_VERSIONS.to_string(), json!(applied));
            }
            doc.resources.insert(
                "Db".into(),
                ResourceState {
                    resource_type: "AWS::SecretsManager::Secret".into(),
                    physical_id: "arn:db".into(),
                    properties: json!({}),
                    attributes,
                    dependencies: Vec::new(),
                    sensitive: Vec::new(),
                    deletion_policy: None,
                },
            );
            let states = BTreeMap::from([("stack".to_string(), Recorded { doc, etag: None })]);
            let mut versions_now = SecretVersionsNow::new();
            if let Some(now) = now {
                let now = now.iter().map(|v| v.to_string()).collect();
                versions_now.insert(("stack".into(), "Db".into()), now);
            }
            let mut plans = vec![StackPlan {
                stack: "stack".into(),
                stack_name: "stack".into(),
                lineage: None,
                serial: 0,
                changes: Vec::new(),
                outputs: Vec::new(),
                excluded: Vec::new(),
            }];
            if changing {
                plans[0].changes.push(Change {
                    stack: "stack".into(),
                    logical_id: "Db".into(),
                    resource_type: "AWS::SecretsManager::Secret".into(),
                    action: Action::Replace,
                    physical_id: Some("arn:db".into()),
                    properties: Vec::new(),
                    replace_because: Vec::new(),
                    reason: None,
                });
            }
            secret_rotations(&ws, &states, &versions_now, &mut plans);
            let rotation = plans[0].changes.iter().find(|c| c.action == Action::Update);
            assert_eq!(
                rotation.is_some(),
                updated,
                "applied {applied:?}, now {now:?}, changing {changing}"
            );
            if let Some(change) = rotation {
                assert_eq!(change.physical_id.as_deref(), Some("arn:db"));
                let paths: Vec<&str> = change.properties.iter().map(|p| p.path.as_str()).collect();
                assert_eq!(paths, ["SecretString"]);
                assert!(change.properties.iter().all(|p| p.sensitive
                    && p.before == json!(SENSITIVE)
                    && p.after == json!(SENSITIVE)));
            }
        }
    }
}
