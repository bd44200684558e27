//! The state document: what fuelflow last applied for one stack in one environment.
//!
//! No secret value is ever stored here: `properties` hold references (secret ARN + version id)
//! and `sensitive` names the property paths that hold them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::timestamp::Timestamp;

/// The newest document format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// One stack's state. Maps are ordered by key so a state file diffs cleanly between serials.
///
/// Fields unknown to this build are ignored when reading (a newer *minor* addition within the
/// same `format_version`); a newer `format_version` is refused instead, see [`StateDocument::from_json`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateDocument {
    pub format_version: u32,
    /// Set once when the state is first written; a state with another lineage is another state.
    pub lineage: String,
    /// +1 per write, so a saved plan can tell whether the state moved under it.
    pub serial: u64,
    pub stack: String,
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceState>,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    /// Operations recorded as started but not (yet) recorded as finished.
    #[serde(default)]
    pub pending: Vec<PendingOperation>,
    /// Old copies of create-before-delete replacements, still to be deleted (Terraform's
    /// deposed objects): written before the new copy is created, removed once deleted. Older
    /// states have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deposed: Vec<DeposedObject>,
}

/// The old copy of a replaced resource, recorded as a pending delete under its logical id. Every
/// run deletes the deposed objects its state holds (in its delete phase), each exactly once:
/// the entry goes only after the delete succeeded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeposedObject {
    /// Unique within the state (a replacement's pending create has the same id).
    pub id: String,
    pub logical_id: String,
    pub resource_type: String,
    pub physical_id: String,
    /// The properties the old copy was last applied with (what its delete needs).
    #[serde(default)]
    pub properties: Value,
    /// `UpdateReplacePolicy: Snapshot` on a type that takes final snapshots.
    #[serde(default)]
    pub final_snapshot: bool,
    /// The logical ids the old copy depended on (deleted before them).
    #[serde(default)]
    pub dependencies: Vec<String>,
    pub deposed_at: Timestamp,
}

impl StateDocument {
    /// The deposed objects still to delete: those whose physical id is not the resource's
    /// current one (a run killed between deposing and recording the new copy left the old copy
    /// both current and deposed: it is simply current then).
    pub fn deposed_to_delete(&self) -> impl Iterator<Item = &DeposedObject> {
        self.deposed.iter().filter(|d| {
            self.resources
                .get(&d.logical_id)
                .is_none_or(|r| r.physical_id != d.physical_id)
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    pub resource_type: String,
    pub physical_id: String,
    /// The properties last applied, with secret values replaced by references.
    #[serde(default)]
    pub properties: Value,
    /// Values for `Fn::GetAtt`.
    #[serde(default)]
    pub attributes: BTreeMap<String, Value>,
    /// Logical ids this resource depends on (so deletes can run in reverse order without the template).
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// Property paths holding references to secrets; shown as `(sensitive)`.
    #[serde(default)]
    pub sensitive: Vec<String>,
    /// `DeletionPolicy` of the resource when applied (so a resource removed from the template is
    /// still retained or snapshotted as it asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_policy: Option<crate::template::model::DeletionPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    pub value: Value,
    #[serde(default)]
    pub export_name: Option<String>,
    #[serde(default)]
    pub sensitive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PendingAction {
    Create,
    Update,
    Delete,
    Replace,
}

/// An operation that was started; if it is still here on the next run, that run crashed mid-way
/// and the resource may exist without being recorded (look it up by its fuelflow tags).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingOperation {
    pub id: String,
    pub logical_id: String,
    pub resource_type: String,
    pub action: PendingAction,
    pub started: Timestamp,
    #[serde(default)]
    pub physical_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(
        "state format version {found} is newer than this fuelflow understands (up to {supported}); upgrade fuelflow"
    )]
    NewerFormat { found: u32, supported: u32 },
    #[error("not a valid state document: {0}")]
    Invalid(#[from] serde_json::Error),
}

impl StateDocument {
    /// An empty state with a fresh lineage and serial 0; the first write stores serial 1.
    pub fn new(stack: impl Into<String>) -> Self {
        StateDocument {
            format_version: FORMAT_VERSION,
            lineage: uuid::Uuid::new_v4().to_string(),
            serial: 0,
            stack: stack.into(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            pending: Vec::new(),
            deposed: Vec::new(),
        }
    }

    /// The same document as the next serial, ready to be written.
    pub fn next_serial(&self) -> Self {
        StateDocument {
            serial: self.serial + 1,
            ..self.clone()
        }
    }

    /// Parses a stored document. The version is checked before the body, so a newer format is
    /// reported as such rather than as whatever field it no longer parses.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ModelError> {
        #[derive(Deserialize)]
        struct Version {
            format_version: u32,
        }
        let Version { format_version } = serde_json::from_slice(bytes)?;
        if format_version > FORMAT_VERSION {
            return Err(ModelError::NewerFormat {
                found: format_version,
                supported: FORMAT_VERSION,
            });
        }
        Ok(serde_json::from_slice(bytes)?)
    }

    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain data with string keys cannot fail.
        let mut bytes = serde_json::to_vec_pretty(self).expect("state serialises");
        bytes.push(b'\n');
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> StateDocument {
        let mut doc = StateDocument::new("fuel-flow-iam-dev");
        doc.serial = 7;
        doc.resources.insert(
            "AppRole".into(),
            ResourceState {
                resource_type: "AWS::IAM::Role".into(),
                physical_id: "fuel-flow-app-dev".into(),
                properties: json!({"RoleName": "fuel-flow-app-dev", "Password": {"secret_arn": "arn:x", "version_id": "v1"}}),
                attributes: BTreeMap::from([("Arn".into(), json!("arn:aws:iam::123456789012:role/x"))]),
                dependencies: vec!["Key".into()],
                sensitive: vec!["Password".into()],
                deletion_policy: None,
            },
        );
        doc.outputs.insert(
            "RoleArn".into(),
            OutputState {
                value: json!("arn:x"),
                export_name: Some("dev-RoleArn".into()),
                sensitive: false,
            },
        );
        doc.pending.push(PendingOperation {
            id: "op-1".into(),
            logical_id: "Bucket".into(),
            resource_type: "AWS::S3::Bucket".into(),
            action: PendingAction::Replace,
            started: Timestamp::parse("2026-11-25T18:00:00Z").unwrap(),
            physical_id: None,
        });
        doc.deposed.push(DeposedObject {
            id: "op-0".into(),
            logical_id: "AppRole".into(),
            resource_type: "AWS::IAM::Role".into(),
            physical_id: "fuel-flow-app-dev-old".into(),
            properties: json!({"Path": "/a/"}),
            final_snapshot: false,
            dependencies: vec![],
            deposed_at: Timestamp::parse("2026-11-25T17:59:00Z").unwrap(),
        });
        doc
    }

    #[test]
    fn deposed_objects_are_written_only_when_there_are_some_and_old_states_load() {
        let doc = StateDocument::new("s");
        let text = String::from_utf8(doc.to_json()).unwrap();
        assert!(!text.contains("deposed"), "{text}");
        let back = StateDocument::from_json(text.as_bytes()).unwrap();
        assert!(back.deposed.is_empty());
    }

    #[test]
    fn a_deposed_copy_that_is_still_current_is_not_to_delete() {
        let mut doc = sample();
        assert_eq!(doc.deposed_to_delete().count(), 1);
        doc.resources.get_mut("AppRole").unwrap().physical_id = "fuel-flow-app-dev-old".into();
        assert_eq!(doc.deposed_to_delete().count(), 0);
        doc.resources.remove("AppRole");
        assert_eq!(doc.deposed_to_delete().count(), 1);
    }

    #[test]
    fn round_trips() {
        let doc = sample();
        let back = StateDocument::from_json(&doc.to_json()).unwrap();
        assert_eq!(back, doc);
        let text = String::from_utf8(doc.to_json()).unwrap();
        assert!(text.contains("\"action\": \"replace\""), "{text}");
        assert!(
            text.contains("\"started\": \"2026-11-25T18:00:00Z\""),
            "{text}"
        );
    }

    #[test]
    fn new_documents_get_a_lineage_and_serial_zero() {
        let a = StateDocument::new("s");
        let b = StateDocument::new("s");
        assert_ne!(a.lineage, b.lineage);
        assert_eq!(a.serial, 0);
        assert_eq!(a.next_serial().serial, 1);
        assert_eq!(a.next_serial().lineage, a.lineage);
    }

    #[test]
    fn newer_format_is_refused_naming_both_versions() {
        let text = br#"{"format_version": 2, "totally": "different"}"#;
        let err = StateDocument::from_json(text).unwrap_err();
        assert!(matches!(
            err,
            ModelError::NewerFormat {
                found: 2,
                supported: 1
            }
        ));
        let message = err.to_string();
        assert!(
            message.contains("version 2") && message.contains("up to 1"),
            "{message}"
        );
    }

    #[test]
    fn unknown_fields_and_missing_collections_are_tolerated() {
        let text = br#"{"format_version": 1, "lineage": "l", "serial": 3, "stack": "s",
                        "added_later": {"x": 1}}"#;
        let doc = StateDocument::from_json(text).unwrap();
        assert_eq!(doc.serial, 3);
        assert!(doc.resources.is_empty() && doc.outputs.is_empty() && doc.pending.is_empty());
    }

    #[test]
    fn garbage_is_invalid_not_a_panic() {
        assert!(matches!(
            StateDocument::from_json(b"{]"),
            Err(ModelError::Invalid(_))
        ));
        assert!(matches!(
            StateDocument::from_json(b"{\"format_version\":1}"),
            Err(ModelError::Invalid(_))
        ));
    }
}
