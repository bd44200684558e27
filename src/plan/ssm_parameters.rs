//! `AWS::SSM::Parameter::Value<...>` template parameters: the Systems Manager parameters they
//! name are read at plan time (GetParameter), so what uses them is known in the plan, as
//! CloudFormation resolves them when a stack is created or updated.

use super::lookup::Known;
use crate::engine::{Engine, ResourceFailure};
use crate::resources::ResourceError;
use crate::resources::ssm::get_parameter;
use crate::workspace::Workspace;

/// The type named in failures (the template parameter type, not a resource).
const TYPE: &str = "AWS::SSM::Parameter::Value";

/// Fetches every SSM parameter the templates' parameters name into `known`. Returns whether any
/// was fetched (then the templates are evaluated again); a parameter that does not exist is a
/// failure naming the stack and the SSM parameter.
pub async fn fetch_ssm_parameters(
    engine: &Engine,
    workspace: &Workspace,
    known: &mut Known,
) -> Result<bool, Vec<ResourceFailure>> {
    let mut wanted: Vec<(&str, &str)> = Vec::new();
    for stack in &workspace.stacks {
        for name in &stack.ssm_parameter_names {
            if !known.has_ssm_parameter(name) && !wanted.iter().any(|(_, n)| n == name) {
                wanted.push((&stack.id.name, name));
            }
        }
    }
    let reads = wanted
        .iter()
        .map(|(_, name)| get_parameter(engine.clients.ssm(), name, false));
    let found = futures_util::future::join_all(reads).await;
    let mut failures = Vec::new();
    for ((stack, name), result) in wanted.iter().zip(found) {
        let missing = || {
            ResourceError::new(
                "ParameterNotFound",
                format!("ssm:GetParameter: the SSM parameter `{name}` does not exist"),
            )
        };
        match result.and_then(|p| p.and_then(|p| p.value).ok_or_else(missing)) {
            Ok(value) => known.set_ssm_parameter(name, value),
            Err(e) => failures.push(ResourceFailure::new(stack, name, TYPE, "read", e)),
        }
    }
    match failures.is_empty() {
        true => Ok(!wanted.is_empty()),
        false => Err(failures),
    }
}
