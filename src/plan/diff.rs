//! Desired (template) vs recorded (state) vs live (AWS): the decision for one resource.
//! Pure logic on data, no AWS calls, so it is tested here on its own.

use super::{Action, Change, PropertyChange, SENSITIVE, UNKNOWN};
use crate::resources::compare::equivalent;
use crate::schema::types::ResourceSchema;
use crate::state::model::ResourceState;
use crate::template::Value;
use serde_json::{Map, Value as Json};

/// What is known about one resource when planning it.
pub struct Inputs<'a> {
    pub stack: &'a str,
    pub logical_id: &'a str,
    pub resource_type: &'a str,
    /// The evaluated template properties (a mapping, possibly with unknown values).
    pub desired: &'a Value,
    pub recorded: Option<&'a ResourceState>,
    /// `None`: not refreshed (`--refresh=false`); `Some(None)`: gone from AWS.
    pub live: Option<Option<&'a Map<String, Json>>>,
    pub schema: &'static ResourceSchema,
    /// What is secret in this stack, and the salt of its recorded hashes (the state's lineage).
    pub secrets: &'a super::secrets::Secrets,
    pub salt: &'a str,
    /// `Metadata.fuelflow.IgnoreChanges`: properties neither diffed nor reset.
    pub ignored: &'a [String],
}

/// The change a resource needs, or `None` when it is as the template says.
pub fn diff(i: &Inputs<'_>) -> Option<Change> {
    let change = |action, properties, replace_because, reason: Option<&str>| Change {
        stack: i.stack.to_string(),
        logical_id: i.logical_id.to_string(),
        resource_type: i.resource_type.to_string(),
        action,
        physical_id: i.recorded.map(|r| r.physical_id.clone()),
        properties,
        replace_because,
        reason: reason.map(str::to_string),
    };
    let desired = match i.desired {
        Value::Map(map) => map,
        _ => {
            return Some(change(
                Action::Create,
                Vec::new(),
                Vec::new(),
                Some("properties not known until apply"),
            ));
        }
    };
    let Some(recorded) = i.recorded else {
        let props = desired.iter().map(|(k, v)| created(i, k, v)).collect();
        return Some(change(Action::Create, props, Vec::new(), None));
    };
    if let Some(None) = i.live {
        let props = desired.iter().map(|(k, v)| created(i, k, v)).collect();
        return Some(change(
            Action::Create,
            props,
            Vec::new(),
            Some("deleted outside fuelflow"),
        ));
    }
    let empty = Map::new();
    let recorded_props = recorded.properties.as_object().unwrap_or(&empty);
    let mut props = Vec::new();
    for (key, want) in desired {
        if i.ignored.contains(key) {
            continue;
        }
        let forces = i.schema.create_only.contains(&key.as_str());
        let last = recorded_props.get(key);
        if !want.is_known() {
            props.push(PropertyChange {
                path: key.clone(),
                before: last.cloned().unwrap_or(Json::Null),
                after: Json::String(UNKNOWN.into()),
                forces_replacement: forces,
                drift: false,
                sensitive: false,
            });
            continue;
        }
        let mut want = want.to_json();
        let hashed = last.is_some_and(super::secrets::is_hashed);
        let sensitive =
            is_sensitive(&want) || hashed || i.secrets.is_secret(i.resource_type, key, &want);
        if hashed {
            // Recorded as a salted hash: compare hashes, never values.
            want = super::secrets::hash(i.salt, &want);
        }
        // Secrets and write-only properties cannot be read back: compare with what was applied.
        let readable = !sensitive && !i.schema.write_only.contains(&key.as_str());
        let current = match (i.live, readable) {
            (Some(Some(live)), true) => live.get(key).cloned().unwrap_or(Json::Null),
            _ => last.cloned().unwrap_or(Json::Null),
        };
        if equivalent(&want, &current) {
            continue;
        }
        let template_unchanged = last.is_some_and(|l| equivalent(l, &want));
        props.push(PropertyChange {
            path: key.clone(),
            before: if sensitive {
                Json::String(SENSITIVE.into())
            } else {
                current
            },
            after: if sensitive {
                Json::String(SENSITIVE.into())
            } else {
                want
            },
            forces_replacement: forces,
            drift: template_unchanged,
            sensitive,
        });
    }
    // A property removed from the template goes back to its default.
    for (key, last) in recorded_props {
        if !desired.contains_key(key) && !i.ignored.contains(key) {
            let sensitive = is_sensitive(last);
            props.push(PropertyChange {
                path: key.clone(),
                before: if sensitive {
                    Json::String(SENSITIVE.into())
                } else {
                    last.clone()
                },
                after: Json::Null,
                forces_replacement: i.schema.create_only.contains(&key.as_str()),
                drift: false,
                sensitive,
            });
        }
    }
    if props.is_empty() {
        return None;
    }
    let replace_because: Vec<String> = props
        .iter()
        .filter(|p| p.forces_replacement)
        .map(|p| p.path.clone())
        .collect();
    let action = if replace_because.is_empty() {
        Action::Update
    } else {
        Action::Replace
    };
    Some(change(action, props, replace_because, None))
}

fn created(i: &Inputs<'_>, key: &str, value: &Value) -> PropertyChange {
    let after = if !value.is_known() {
        Json::String(UNKNOWN.into())
    } else {
        let json = value.to_json();
        if is_sensitive(&json) || i.secrets.is_secret(i.resource_type, key, &json) {
            Json::String(SENSITIVE.into())
        } else {
            json
        }
    };
    let sensitive = after == Json::String(SENSITIVE.into());
    PropertyChange {
        path: key.to_string(),
        before: Json::Null,
        after,
        forces_replacement: false,
        drift: false,
        sensitive,
    }
}

/// Whether a value holds a dynamic reference to a secret (`{{resolve:secretsmanager:...}}`).
pub fn is_sensitive(v: &Json) -> bool {
    match v {
        Json::String(s) => {
            s.contains("{{resolve:secretsmanager:") || s.contains("{{resolve:ssm-secure:")
        }
        Json::Array(items) => items.iter().any(is_sensitive),
        Json::Object(map) => map.values().any(is_sensitive),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> &'static ResourceSchema {
        crate::schema::lookup("AWS::S3::Bucket").unwrap()
    }

    fn desired(j: Json) -> Value {
        Value::from_json(&j)
    }

    fn recorded(props: Json) -> ResourceState {
        ResourceState {
            resource_type: "AWS::S3::Bucket".into(),
            physical_id: "b".into(),
            properties: props,
            attributes: Default::default(),
            dependencies: Vec::new(),
            sensitive: Vec::new(),
            deletion_policy: None,
        }
    }

    fn run(
        desired: &Value,
        recorded: Option<&ResourceState>,
        live: Option<Option<&Map<String, Json>>>,
    ) -> Option<Change> {
        diff(&Inputs {
            stack: "s",
            logical_id: "B",
            resource_type: "AWS::S3::Bucket",
            desired,
            recorded,
            live,
            schema: schema(),
            secrets: &crate::plan::secrets::Secrets::default(),
            salt: "salt",
            ignored: &[],
        })
    }

    #[test]
    fn new_resource_is_created() {
        let d = desired(json!({"BucketName": "b"}));
        assert_eq!(run(&d, None, None).unwrap().action, Action::Create);
    }

    #[test]
    fn unchanged_resource_has_no_change() {
        let d = desired(json!({"BucketName": "b", "Tags": [{"Key": "a", "Value": "1"}]}));
        let r = recorded(json!({"BucketName": "b", "Tags": [{"Key": "a", "Value": "1"}]}));
        let live = json!({"BucketName": "b", "Tags": [{"Key": "a", "Value": "1"}]});
        assert_eq!(
            run(&d, Some(&r), Some(Some(live.as_object().unwrap()))),
            None
        );
    }

    #[test]
    fn out_of_band_change_is_drift_and_updates() {
        let d = desired(json!({"VersioningConfiguration": {"Status": "Enabled"}}));
        let r = recorded(json!({"VersioningConfiguration": {"Status": "Enabled"}}));
        let live = json!({"VersioningConfiguration": {"Status": "Suspended"}});
        let c = run(&d, Some(&r), Some(Some(live.as_object().unwrap()))).unwrap();
        assert_eq!(c.action, Action::Update);
        assert!(c.properties[0].drift);
        assert_eq!(c.properties[0].before, json!({"Status": "Suspended"}));
    }

    #[test]
    fn create_only_change_forces_replacement() {
        let d = desired(json!({"BucketName": "new"}));
        let r = recorded(json!({"BucketName": "old"}));
        let live = json!({"BucketName": "old"});
        let c = run(&d, Some(&r), Some(Some(live.as_object().unwrap()))).unwrap();
        assert_eq!(c.action, Action::Replace);
        assert_eq!(c.replace_because, vec!["BucketName".to_string()]);
        assert!(!c.properties[0].drift);
    }

    #[test]
    fn resource_deleted_outside_is_recreated() {
        let d = desired(json!({"BucketName": "b"}));
        let r = recorded(json!({"BucketName": "b"}));
        let c = run(&d, Some(&r), Some(None)).unwrap();
        assert_eq!(
            (c.action, c.reason.as_deref()),
            (Action::Create, Some("deleted outside fuelflow"))
        );
    }

    #[test]
    fn removed_property_is_reset() {
        let d = desired(json!({}));
        let r = recorded(json!({"VersioningConfiguration": {"Status": "Enabled"}}));
        let live = json!({"VersioningConfiguration": {"Status": "Enabled"}});
        let c = run(&d, Some(&r), Some(Some(live.as_object().unwrap()))).unwrap();
        assert_eq!(c.properties[0].after, Json::Null);
    }

    #[test]
    fn unknown_values_are_known_after_apply() {
        let mut map = indexmap::IndexMap::new();
        map.insert("BucketName".to_string(), Value::Unknown("Other.Arn".into()));
        let r = recorded(json!({"BucketName": "b"}));
        let live = json!({"BucketName": "b"});
        let c = run(
            &Value::Map(map),
            Some(&r),
            Some(Some(live.as_object().unwrap())),
        )
        .unwrap();
        assert_eq!(c.properties[0].after, json!(UNKNOWN));
        assert_eq!(c.action, Action::Replace);
    }

    #[test]
    fn secrets_compare_with_the_recorded_reference_and_never_show() {
        let reference = "{{resolve:secretsmanager:db:SecretString:password}}";
        let d = desired(json!({"BucketName": reference}));
        let r = recorded(json!({"BucketName": reference}));
        let live = json!({"BucketName": "the-actual-secret"});
        assert_eq!(
            run(&d, Some(&r), Some(Some(live.as_object().unwrap()))),
            None
        );
        let c = run(&d, None, None).unwrap();
        assert_eq!(c.properties[0].after, json!(SENSITIVE));
    }

    #[test]
    fn refresh_off_compares_with_the_recorded_state() {
        let d = desired(json!({"VersioningConfiguration": {"Status": "Enabled"}}));
        let r = recorded(json!({"VersioningConfiguration": {"Status": "Enabled"}}));
        assert_eq!(run(&d, Some(&r), None), None);
    }

    #[test]
    fn ignored_properties_are_neither_diffed_nor_reset() {
        let d = desired(json!({"Tags": [{"Key": "a", "Value": "1"}], "BucketName": "b"}));
        let r = recorded(json!({
            "Tags": [{"Key": "a", "Value": "1"}],
            "BucketName": "b",
            "VersioningConfiguration": {"Status": "Enabled"}
        }));
        let live = json!({"Tags": [{"Key": "org", "Value": "x"}], "BucketName": "b",
            "VersioningConfiguration": {"Status": "Enabled"}});
        let ignored = ["Tags".to_string(), "VersioningConfiguration".to_string()];
        let secrets = crate::plan::secrets::Secrets::default();
        let inputs = |ignored| Inputs {
            stack: "s",
            logical_id: "B",
            resource_type: "AWS::S3::Bucket",
            desired: &d,
            recorded: Some(&r),
            live: Some(Some(live.as_object().unwrap())),
            schema: schema(),
            secrets: &secrets,
            salt: "salt",
            ignored,
        };
        assert_eq!(diff(&inputs(&ignored)), None);
        // Without the controls, the tags are drift and the removed versioning is reset.
        let c = diff(&inputs(&[])).unwrap();
        let paths: Vec<&str> = c.properties.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["Tags", "VersioningConfiguration"]);
    }
}
