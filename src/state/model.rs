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
        doc
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
