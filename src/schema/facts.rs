//! Facts about one resource that span several of its properties, which the schemas cannot
//! state. Each names its source.

use crate::diagnostic::Diagnostic;
use crate::template::yaml::{Kind, Node};

/// Checks the cross-property facts of one resource's literal `Properties`.
pub fn check(type_name: &str, logical_id: &str, properties: &Node, errors: &mut Vec<Diagnostic>) {
    match type_name {
        "AWS::DynamoDB::Table" => unused_attribute_definitions(logical_id, properties, errors),
        "AWS::S3::Bucket" => acl_without_object_writer(logical_id, properties, errors),
        _ => {}
    }
}

/// S3 refuses a canned ACL other than `private` on a bucket whose object ownership is
/// `BucketOwnerEnforced`, the default since April 2023: "The bucket does not allow ACLs"
/// (CreateBucket / PutBucketAcl, InvalidBucketAclWithObjectOwnership; S3 user guide, "Controlling
/// ownership of objects"). Only literal values are judged.
fn acl_without_object_writer(logical_id: &str, properties: &Node, errors: &mut Vec<Diagnostic>) {
    let Some(acl) = properties.get("AccessControl") else {
        return;
    };
    let Some(name) = acl.as_str() else {
        return;
    };
    if matches!(
        name,
        "Private" | "BucketOwnerFullControl" | "BucketOwnerRead"
    ) {
        return;
    }
    let ownership = match properties.get("OwnershipControls") {
        None => Some("BucketOwnerEnforced"),
        Some(controls) => match controls.get("Rules").map(|r| &r.kind) {
            Some(Kind::Seq(rules)) => rules
                .first()
                .and_then(|r| r.get("ObjectOwnership"))
                .and_then(Node::as_str),
            _ => None, // an intrinsic: not known here
        },
    };
    if ownership == Some("BucketOwnerEnforced") {
        errors.push(
            Diagnostic::error(
                acl.span,
                format!(
                    "property `AccessControl` of `{logical_id}` is `{name}`, but the bucket's object \
                     ownership is BucketOwnerEnforced (the default), which disables ACLs: S3 \
                     refuses it (InvalidBucketAclWithObjectOwnership)"
                ),
            )
            .with_note(
                "set `OwnershipControls: {Rules: [{ObjectOwnership: ObjectWriter}]}` (or \
                 BucketOwnerPreferred), or grant access with a bucket policy instead",
            ),
        );
    }
}

/// DynamoDB refuses an `AttributeDefinitions` entry that no key schema (of the table or of an
/// index) uses: "The number of attributes in key schema must match the number of attributes
/// defined in attribute definitions" (CreateTable, ValidationException; cfn-lint E3039).
fn unused_attribute_definitions(logical_id: &str, properties: &Node, errors: &mut Vec<Diagnostic>) {
    let Some(Kind::Seq(definitions)) = properties.get("AttributeDefinitions").map(|n| &n.kind)
    else {
        return;
    };
    let mut used = Vec::new();
    let mut key_names = |schema: Option<&Node>| -> bool {
        let Some(Kind::Seq(keys)) = schema.map(|n| &n.kind) else {
            return schema.is_none(); // an intrinsic: the keys cannot be known
        };
        for k in keys {
            match k.get("AttributeName").and_then(Node::as_str) {
                Some(name) => used.push(name.to_string()),
                None => return false,
            }
        }
        true
    };
    let mut known = key_names(properties.get("KeySchema"));
    for index in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
        match properties.get(index).map(|n| &n.kind) {
            None => {}
            Some(Kind::Seq(items)) => {
                for item in items {
                    known &= item.get("KeySchema").is_some() && key_names(item.get("KeySchema"));
                }
            }
            Some(_) => known = false,
        }
    }
    if !known || properties.get("KeySchema").is_none() {
        return;
    }
    for d in definitions {
        let Some(name_node) = d.get("AttributeName") else {
            continue;
        };
        let Some(name) = name_node.as_str() else {
            continue;
        };
        if !used.iter().any(|u| u == name) {
            errors.push(
                Diagnostic::error(
                    name_node.span,
                    format!(
                        "property `AttributeDefinitions` of `{logical_id}` defines `{name}`, which no key schema uses (DynamoDB refuses it)"
                    ),
                )
                .with_note("define only the attributes of the table's and its indexes' KeySchema"),
            );
        }
    }
}
