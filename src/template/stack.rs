//! One stack evaluated: parameters resolved, conditions decided, resources and outputs turned
//! into values, and every reference recorded for the graph.

use super::conditions;
use super::eval::{Evaluator, Lookup, Pseudo, RefKind, Reference, Scope};
use super::lifecycle::{self, Lifecycle};
use super::model::{DeletionPolicy, Template};
use super::params::{self, Given};
use super::ssm_refs;
use super::value::Value;
use crate::diagnostic::Diagnostic;
use crate::schema;
use crate::source::Span;
use indexmap::IndexMap;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A stack as the user names it: its key in `fuelflow.yaml` (`iam`) and its full name
/// (`fuel-flow-iam-dev`).
#[derive(Debug, Clone)]
pub struct StackId {
    pub key: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct EvaluatedResource {
    pub logical_id: String,
    pub resource_type: String,
    pub span: Span,
    /// The evaluated `Properties` (a mapping), with unknown values where resources do not exist yet.
    pub properties: Value,
    /// Every reference the properties and `DependsOn` make.
    pub references: Vec<Reference>,
    pub deletion_policy: Option<DeletionPolicy>,
    pub update_replace_policy: Option<DeletionPolicy>,
    /// `Metadata.fuelflow`: what is ignored, whether it is protected.
    pub lifecycle: Lifecycle,
}

#[derive(Debug, Clone)]
pub struct EvaluatedOutput {
    pub name: String,
    pub span: Span,
    pub value: Value,
    pub export_name: Option<String>,
    pub export_span: Option<Span>,
    pub references: Vec<Reference>,
}

#[derive(Debug, Clone)]
pub struct Stack {
    pub id: StackId,
    /// Shared by every evaluation of the same parsed file (a plan evaluates it several times).
    pub template: Arc<Template>,
    pub pseudo: Pseudo,
    pub parameters: IndexMap<String, Value>,
    /// Parameters whose values must never be shown (`NoEcho`).
    pub no_echo: HashSet<String>,
    /// The Systems Manager parameters that `AWS::SSM::Parameter::Value<...>` parameters name.
    pub ssm_parameter_names: Vec<String>,
    pub conditions: IndexMap<String, Option<bool>>,
    /// Resources left out by a false condition, with that condition.
    pub excluded: HashMap<String, String>,
    pub resources: IndexMap<String, EvaluatedResource>,
    pub outputs: IndexMap<String, EvaluatedOutput>,
}

/// Evaluates a parsed template into a stack, appending every problem to `errors`.
pub fn evaluate(
    id: StackId,
    template: Arc<Template>,
    pseudo: Pseudo,
    given: &IndexMap<String, Given>,
    strict_parameters: bool,
    lookup: &dyn Lookup,
    errors: &mut Vec<Diagnostic>,
) -> Stack {
    let parameters = params::resolve(&template, given, strict_parameters, lookup, errors);
    let mut ssm_parameter_names = params::ssm_parameter_names(&template, given);
    let no_echo = template
        .parameters
        .values()
        .filter(|p| p.no_echo)
        .map(|p| p.name.clone())
        .collect();
    let no_excluded = HashMap::new();
    let no_conditions = IndexMap::new();
    let base = Scope {
        template: &template,
        pseudo: &pseudo,
        parameters: &parameters,
        conditions: &no_conditions,
        lookup,
        excluded: &no_excluded,
        has_attribute: &schema::has_attribute,
    };
    let decided = conditions::evaluate(&template, base, errors);
    let mut excluded = HashMap::new();
    for r in template.resources.values() {
        if let Some(c) = &r.condition {
            match decided.get(&c.value) {
                Some(Some(false)) => {
                    excluded.insert(r.logical_id.clone(), c.value.clone());
                }
                Some(_) => {}
                None => errors.push(Diagnostic::error(
                    c.span,
                    format!("`{}` is not a condition of this template", c.value),
                )),
            }
        }
    }
    let scope = Scope {
        conditions: &decided,
        excluded: &excluded,
        ..base
    };
    let mut resources = IndexMap::new();
    for r in template.resources.values() {
        if excluded.contains_key(&r.logical_id) {
            continue;
        }
        let Some(schema) = schema::lookup(&r.type_name.value) else {
            errors.push(schema::unsupported_type(
                r.type_name.span,
                &r.type_name.value,
                &r.logical_id,
            ));
            continue;
        };
        errors.extend(schema::check_properties(
            schema,
            &r.logical_id,
            r.properties.as_ref(),
            r.span,
            &schema::Known {
                parameters: &parameters,
                conditions: &decided,
            },
        ));
        let mut evaluator = Evaluator::new(scope);
        let properties = match &r.properties {
            Some(node) => evaluator.eval(node).unwrap_or(Value::Null),
            None => Value::Null,
        };
        ssm_refs::collect(&properties, &mut ssm_parameter_names);
        let properties = ssm_refs::resolve(properties, lookup);
        let properties = match properties {
            Value::Null => Value::Map(IndexMap::new()),
            other => other,
        };
        let lifecycle = match &r.lifecycle {
            Some(node) => lifecycle::evaluate(node, &r.logical_id, schema, &mut evaluator, errors),
            None => Lifecycle::default(),
        };
        let mut references = std::mem::take(&mut evaluator.references);
        errors.append(&mut evaluator.errors);
        for d in &r.depends_on {
            if !template.resources.contains_key(&d.value) {
                let mut diag = Diagnostic::error(
                    d.span,
                    format!(
                        "`DependsOn` names `{}`, which is not a resource of this template",
                        d.value
                    ),
                );
                if let Some(best) =
                    crate::suggest::closest(&d.value, template.resources.keys().map(String::as_str))
                {
                    diag = diag.with_note(format!("did you mean `{best}`?"));
                }
                errors.push(diag);
            } else if let Some(c) = excluded.get(&d.value) {
                errors.push(Diagnostic::error(
                    d.span,
                    format!(
                        "`DependsOn` names `{}`, which is not created (condition `{c}` is false)",
                        d.value
                    ),
                ));
            } else {
                references.push(Reference {
                    target: d.value.clone(),
                    attribute: None,
                    kind: RefKind::DependsOn,
                    span: d.span,
                });
            }
        }
        resources.insert(
            r.logical_id.clone(),
            EvaluatedResource {
                logical_id: r.logical_id.clone(),
                resource_type: r.type_name.value.clone(),
                span: r.span,
                properties,
                references,
                deletion_policy: r.deletion_policy,
                update_replace_policy: r.update_replace_policy,
                lifecycle,
            },
        );
    }
    let mut outputs = IndexMap::new();
    for o in template.outputs.values() {
        if let Some(c) = &o.condition {
            match decided.get(&c.value) {
                Some(Some(false)) => continue,
                Some(_) => {}
                None => {
                    errors.push(Diagnostic::error(
                        c.span,
                        format!("`{}` is not a condition of this template", c.value),
                    ));
                    continue;
                }
            }
        }
        let mut evaluator = Evaluator::new(scope);
        let value = evaluator.eval(&o.value).unwrap_or(Value::Null);
        let export_name = o
            .export_name
            .as_ref()
            .and_then(|n| match evaluator.eval(n) {
                Some(Value::Unknown(_)) => None,
                Some(v) => v.to_text(),
                None => None,
            });
        errors.append(&mut evaluator.errors);
        outputs.insert(
            o.name.clone(),
            EvaluatedOutput {
                name: o.name.clone(),
                span: o.span,
                value,
                export_name,
                export_span: o.export_name.as_ref().map(|n| n.span),
                references: evaluator.references,
            },
        );
    }
    ssm_parameter_names.sort();
    ssm_parameter_names.dedup();
    Stack {
        id,
        template,
        pseudo,
        parameters,
        no_echo,
        ssm_parameter_names,
        conditions: decided,
        excluded,
        resources,
        outputs,
    }
}

impl Stack {
    fn scope<'a>(&'a self, lookup: &'a dyn Lookup) -> Scope<'a> {
        Scope {
            template: &self.template,
            pseudo: &self.pseudo,
            parameters: &self.parameters,
            conditions: &self.conditions,
            lookup,
            excluded: &self.excluded,
            has_attribute: &schema::has_attribute,
        }
    }

    /// Evaluates one resource's properties again with what exists now (during apply, once the
    /// resources it refers to have been created).
    pub fn evaluate_resource(&self, logical_id: &str, lookup: &dyn Lookup) -> Value {
        let Some(node) = self
            .template
            .resources
            .get(logical_id)
            .and_then(|r| r.properties.as_ref())
        else {
            return Value::Map(IndexMap::new());
        };
        let mut evaluator = Evaluator::new(self.scope(lookup));
        match evaluator.eval(node) {
            Some(Value::Null) | None => Value::Map(IndexMap::new()),
            Some(v) => ssm_refs::resolve(v, lookup),
        }
    }

    /// Evaluates the outputs again with what exists now: (name, value, export name).
    pub fn evaluate_outputs(&self, lookup: &dyn Lookup) -> Vec<(String, Value, Option<String>)> {
        let mut out = Vec::new();
        for name in self.outputs.keys() {
            let o = &self.template.outputs[name];
            let mut evaluator = Evaluator::new(self.scope(lookup));
            let value = evaluator.eval(&o.value).unwrap_or(Value::Null);
            let export = o
                .export_name
                .as_ref()
                .and_then(|n| evaluator.eval(n))
                .and_then(|v| v.to_text());
            out.push((name.clone(), value, export));
        }
        out
    }
}
