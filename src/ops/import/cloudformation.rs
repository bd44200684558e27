//! `import --from-cloudformation STACK_NAME`: the resources of a CloudFormation stack
//! (ListStackResources) taken over by the template resources with the same logical id, and
//! the steps that then hand them over without CloudFormation deleting them.

use super::{ImportItem, Unmatched};
use crate::resources::{Clients, Registry, ResourceError, sdk_error};
use crate::template::stack::Stack;

/// One resource of a CloudFormation stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfnResource {
    pub logical_id: String,
    pub physical_id: String,
    pub resource_type: String,
}

/// The resources of `stack_name` that exist (a physical id, not deleted). Listed with
/// ListStackResources, paginated: DescribeStackResources answers only the first 100.
pub async fn describe(
    clients: &Clients,
    stack_name: &str,
) -> Result<Vec<CfnResource>, ResourceError> {
    let mut found = Vec::new();
    let mut pages = clients
        .cloudformation()
        .list_stack_resources()
        .stack_name(stack_name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error("cloudformation:ListStackResources", e))?;
        for r in page.stack_resource_summaries() {
            let status = r.resource_status().map(|s| s.as_str());
            if matches!(status, Some("DELETE_COMPLETE" | "DELETE_IN_PROGRESS")) {
                continue;
            }
            if let (Some(logical_id), Some(physical_id), Some(resource_type)) = (
                r.logical_resource_id(),
                r.physical_resource_id(),
                r.resource_type(),
            ) {
                found.push(CfnResource {
                    logical_id: logical_id.to_string(),
                    physical_id: physical_id.to_string(),
                    resource_type: resource_type.to_string(),
                });
            }
        }
    }
    Ok(found)
}

/// The items to import into `stack`, and why the others are not.
pub fn resolve(
    resources: &[CfnResource],
    stack: &Stack,
    registry: &Registry,
) -> (Vec<ImportItem>, Vec<Unmatched>) {
    let mut items = Vec::new();
    let mut unmatched = Vec::new();
    for r in resources {
        let miss = |reason: String| Unmatched {
            id: r.logical_id.clone(),
            resource_type: r.resource_type.clone(),
            reason,
        };
        match stack.resources.get(&r.logical_id) {
            None => unmatched.push(miss("the fuelflow template lacks this logical id".into())),
            Some(e) if e.resource_type != r.resource_type => unmatched.push(miss(format!(
                "the fuelflow template's {} is a {}",
                r.logical_id, e.resource_type
            ))),
            Some(_) if registry.get(&r.resource_type).is_none() => {
                unmatched.push(miss("fuelflow has no handler for this type".into()))
            }
            Some(_) => items.push(ImportItem {
                logical_id: r.logical_id.clone(),
                physical_id: r.physical_id.clone(),
            }),
        }
    }
    (items, unmatched)
}

/// What to do in CloudFormation once fuelflow manages the resources: keep them when the stack
/// goes, then delete the stack.
pub fn handover_steps(stack_name: &str, imported: &[String]) -> String {
    let ids = if imported.is_empty() {
        "(none)".to_string()
    } else {
        imported.join(", ")
    };
    format!(
        "To hand these resources over without CloudFormation deleting them:\n\
         1. In the CloudFormation template of {stack_name}, add `DeletionPolicy: Retain` to {ids}\n   \
            (to every resource you keep), and update the stack with it:\n   \
            aws cloudformation deploy --stack-name {stack_name} --template-file <template with Retain>\n\
         2. Delete the stack; the retained resources stay in AWS:\n   \
            aws cloudformation delete-stack --stack-name {stack_name}\n   \
            aws cloudformation wait stack-delete-complete --stack-name {stack_name}\n\
         3. `fuelflow plan` shows only where the fuelflow template and the live resources differ.\n\
         Until step 2, both CloudFormation and fuelflow manage them: do not update the stack.\n"
    )
}
