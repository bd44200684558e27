//! `UpdateReplacePolicy`: what happens to the old copy of a replaced resource. `Delete` (the
//! default) deletes it once the new one exists; `Retain` keeps it in AWS, no longer managed;
//! `Snapshot` deletes an RDS DB instance with a final snapshot. The plan says which.

use super::{Action, Change};
use crate::resources::{Handler, Props, ResourceError, text};
use crate::template::model::DeletionPolicy;

/// Notes the policy on a replacement, or refuses a `Retain` that cannot work: the new resource
/// would need the name the kept one still holds.
pub fn apply_to(
    change: &mut Change,
    handler: Option<&dyn Handler>,
    policy: Option<DeletionPolicy>,
    desired: &Props,
) -> Result<(), ResourceError> {
    if change.action != Action::Replace {
        return Ok(());
    }
    match policy {
        Some(DeletionPolicy::Retain) => {
            if let Some(name) = same_name(change, handler, desired) {
                return Err(ResourceError::new(
                    "UpdateReplacePolicy",
                    format!(
                        "UpdateReplacePolicy: Retain keeps the old {} `{name}`, and its \
                         replacement needs the same name: give the new one another name in the \
                         template, or remove the policy",
                        change.resource_type
                    ),
                ));
            }
            note(
                change,
                "UpdateReplacePolicy: Retain (the old one is kept in AWS, no longer managed)",
            );
        }
        Some(DeletionPolicy::Snapshot) if handler.is_some_and(|h| h.takes_final_snapshot()) => {
            note(
                change,
                "UpdateReplacePolicy: Snapshot (the old instance is deleted with a final snapshot)",
            );
        }
        _ => {}
    }
    Ok(())
}

fn note(change: &mut Change, text: &str) {
    change.reason = Some(match change.reason.take() {
        Some(reason) => format!("{reason}; {text}"),
        None => text.to_string(),
    });
}

/// The name the template gives the replacement, when it is the old one's (physical id).
fn same_name(change: &Change, handler: Option<&dyn Handler>, desired: &Props) -> Option<String> {
    let property = handler?.name_property()?;
    let name = text(desired.get(property)?)?;
    let old = change.physical_id.as_deref()?;
    // RDS keeps identifiers in lower case; S3, IAM and the rest compare as written.
    name.eq_ignore_ascii_case(old).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::handler as builtin;

    fn handler(change: &Change) -> Option<&'static dyn Handler> {
        builtin(&change.resource_type)
    }
    use serde_json::json;

    fn props(value: serde_json::Value) -> Props {
        value.as_object().cloned().unwrap()
    }

    fn replacement(resource_type: &str, physical_id: &str) -> Change {
        Change {
            stack: "app".into(),
            logical_id: "Thing".into(),
            resource_type: resource_type.into(),
            action: Action::Replace,
            physical_id: Some(physical_id.into()),
            properties: Vec::new(),
            replace_because: vec!["X".into()],
            reason: None,
        }
    }

    #[test]
    fn retain_is_noted_on_a_replacement_with_a_new_name() {
        let mut change = replacement("AWS::S3::Bucket", "old-bucket");
        let desired = props(json!({"BucketName": "new-bucket"}));
        let h = handler(&change);
        apply_to(&mut change, h, Some(DeletionPolicy::Retain), &desired).unwrap();
        assert!(change.reason.unwrap().contains("kept in AWS"));
    }

    #[test]
    fn retain_is_refused_when_the_replacement_needs_the_kept_name() {
        let mut change = replacement("AWS::RDS::DBInstance", "fuel-db");
        let desired = props(json!({"DBInstanceIdentifier": "Fuel-DB", "Engine": "postgres"}));
        let h = handler(&change);
        let err = apply_to(&mut change, h, Some(DeletionPolicy::Retain), &desired).unwrap_err();
        assert_eq!(err.code, "UpdateReplacePolicy");
        assert!(err.message.contains("`Fuel-DB`"), "{}", err.message);
    }

    #[test]
    fn snapshot_is_noted_for_db_instances_only() {
        let mut db = replacement("AWS::RDS::DBInstance", "db-1");
        let h = handler(&db);
        apply_to(
            &mut db,
            h,
            Some(DeletionPolicy::Snapshot),
            &props(json!({})),
        )
        .unwrap();
        assert!(db.reason.unwrap().contains("final snapshot"));
        let mut bucket = replacement("AWS::S3::Bucket", "b");
        let h = handler(&bucket);
        apply_to(
            &mut bucket,
            h,
            Some(DeletionPolicy::Snapshot),
            &props(json!({})),
        )
        .unwrap();
        assert_eq!(bucket.reason, None);
    }

    #[test]
    fn only_replacements_are_touched() {
        let mut change = replacement("AWS::S3::Bucket", "b");
        change.action = Action::Update;
        let h = handler(&change);
        apply_to(
            &mut change,
            h,
            Some(DeletionPolicy::Retain),
            &props(json!({"BucketName": "b"})),
        )
        .unwrap();
        assert_eq!(change.reason, None);
    }
}
