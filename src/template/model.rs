//! The sections of a template, read from the YAML tree and checked for shape. Values stay as
//! [`Node`]s (with their spans) until evaluation.

use super::yaml::{Key, Kind, Node};
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span, Spanned};
use crate::suggest::closest;
use indexmap::IndexMap;

#[derive(Debug, Clone)]
pub struct Template {
    pub file: FileId,
    pub root_span: Span,
    pub description: Option<String>,
    pub parameters: IndexMap<String, Parameter>,
    pub mappings: IndexMap<String, Node>,
    pub conditions: IndexMap<String, Condition>,
    pub resources: IndexMap<String, Resource>,
    pub outputs: IndexMap<String, Output>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterType {
    String,
    Number,
    NumberList,
    CommaDelimitedList,
    /// An AWS-specific type such as `AWS::EC2::VPC::Id`: a string checked by AWS, not by us.
    AwsString,
    /// `List<AWS::EC2::Subnet::Id>` and friends.
    AwsList,
    /// `AWS::SSM::Parameter::Value<T>`: the value given names a Systems Manager parameter, and
    /// the parameter's value (fetched at plan time) is used; `list` for list types.
    SsmValue {
        list: bool,
    },
}

impl ParameterType {
    pub fn is_list(self) -> bool {
        matches!(
            self,
            Self::NumberList | Self::CommaDelimitedList | Self::AwsList
        )
    }
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub span: Span,
    pub kind: ParameterType,
    pub default: Option<Node>,
    pub allowed_values: Vec<Spanned<String>>,
    pub allowed_pattern: Option<Spanned<String>>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
    pub no_echo: bool,
    pub description: Option<String>,
    pub constraint_description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Condition {
    pub name: String,
    pub span: Span,
    pub node: Node,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DeletionPolicy {
    Delete,
    Retain,
    RetainExceptOnCreate,
    Snapshot,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub logical_id: String,
    pub span: Span,
    pub type_name: Spanned<String>,
    pub properties: Option<Node>,
    pub depends_on: Vec<Spanned<String>>,
    pub condition: Option<Spanned<String>>,
    pub deletion_policy: Option<DeletionPolicy>,
    pub update_replace_policy: Option<DeletionPolicy>,
    /// `Metadata.fuelflow` (lifecycle controls), evaluated with the stack.
    pub lifecycle: Option<Node>,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub span: Span,
    pub value: Node,
    pub export_name: Option<Node>,
    pub condition: Option<Spanned<String>>,
    pub description: Option<String>,
}

const SECTIONS: &[&str] = &[
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
];
const RESOURCE_KEYS: &[&str] = &[
    "Type",
    "Properties",
    "DependsOn",
    "Condition",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Metadata",
    "CreationPolicy",
    "UpdatePolicy",
];
const PARAMETER_KEYS: &[&str] = &[
    "Type",
    "Default",
    "AllowedValues",
    "AllowedPattern",
    "MinLength",
    "MaxLength",
    "MinValue",
    "MaxValue",
    "NoEcho",
    "Description",
    "ConstraintDescription",
];
const OUTPUT_KEYS: &[&str] = &["Value", "Export", "Condition", "Description"];

/// A logical id, parameter, condition or output name: alphanumeric, as CloudFormation requires.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 255 && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Reads the template sections from a parsed file, reporting every problem found (warnings
/// included). `None` when any of them is an error.
pub fn read(file: FileId, root: &Node, errors: &mut Vec<Diagnostic>) -> Option<Template> {
    let expanded = super::foreach::prepare(root, errors);
    let root = expanded.as_ref().unwrap_or(root);
    let mut template = Template {
        file,
        root_span: root.span,
        description: None,
        parameters: IndexMap::new(),
        mappings: IndexMap::new(),
        conditions: IndexMap::new(),
        resources: IndexMap::new(),
        outputs: IndexMap::new(),
    };
    let Some(sections) = root.as_map() else {
        errors.push(Diagnostic::error(
            root.span,
            format!("a template must be a mapping, found {}", root.describe()),
        ));
        return None;
    };
    let mut saw_resources = false;
    for (key, value) in sections {
        match key.name.as_str() {
            "AWSTemplateFormatVersion" => {
                if value.as_str() != Some("2010-09-09") && !matches!(value.kind, Kind::String(_)) {
                    errors.push(Diagnostic::error(
                        value.span,
                        "AWSTemplateFormatVersion must be \"2010-09-09\"",
                    ));
                }
            }
            "Description" => template.description = value.scalar_text(),
            "Metadata" | "Rules" => {}
            "Transform" => {} // checked, and its loops expanded, by `foreach::prepare`
            "Parameters" => {
                for (k, v) in entries(value, "Parameters", errors) {
                    if let Some(p) = read_parameter(k, v, errors) {
                        template.parameters.insert(k.name.clone(), p);
                    }
                }
            }
            "Mappings" => {
                for (k, v) in entries(value, "Mappings", errors) {
                    check_name(k, "mapping", errors);
                    check_mapping(k, v, errors);
                    template.mappings.insert(k.name.clone(), v.clone());
                }
            }
            "Conditions" => {
                for (k, v) in entries(value, "Conditions", errors) {
                    check_name(k, "condition", errors);
                    let c = Condition {
                        name: k.name.clone(),
                        span: k.span,
                        node: v.clone(),
                    };
                    template.conditions.insert(k.name.clone(), c);
                }
            }
            "Resources" => {
                saw_resources = true;
                for (k, v) in entries(value, "Resources", errors) {
                    if let Some(r) = read_resource(k, v, errors) {
                        template.resources.insert(k.name.clone(), r);
                    }
                }
            }
            "Outputs" => {
                for (k, v) in entries(value, "Outputs", errors) {
                    if let Some(o) = read_output(k, v, errors) {
                        template.outputs.insert(k.name.clone(), o);
                    }
                }
            }
            other => errors.push(unknown_key(key, other, "template section", SECTIONS)),
        }
    }
    if !saw_resources {
        errors.push(Diagnostic::error(
            root.span,
            "the template has no `Resources` section",
        ));
    }
    // Names are shared between parameters and resources (both are targets of `Ref`).
    for (name, resource) in &template.resources {
        if let Some(p) = template.parameters.get(name) {
            errors.push(
                Diagnostic::error(
                    resource.span,
                    format!("`{name}` is both a parameter and a resource"),
                )
                .with_related(p.span, "parameter defined here"),
            );
        }
    }
    if errors.iter().any(Diagnostic::is_error) {
        None
    } else {
        Some(template)
    }
}

/// The entries of a section that must be a mapping (empty when it is not).
fn entries<'n>(node: &'n Node, section: &str, errors: &mut Vec<Diagnostic>) -> &'n [(Key, Node)] {
    match &node.kind {
        Kind::Map(entries) => entries,
        Kind::Null => &[],
        _ => {
            errors.push(Diagnostic::error(
                node.span,
                format!("`{section}` must be a mapping, found {}", node.describe()),
            ));
            &[]
        }
    }
}

pub fn unknown_key(key: &Key, name: &str, what: &str, known: &[&str]) -> Diagnostic {
    let mut d = Diagnostic::error(key.span, format!("unknown {what}: `{name}`"));
    if let Some(best) = closest(name, known.iter().copied()) {
        d = d.with_note(format!("did you mean `{best}`?"));
    }
    d.with_note(format!("expected one of: {}", known.join(", ")))
}

fn check_name(key: &Key, what: &str, errors: &mut Vec<Diagnostic>) {
    if !is_valid_name(&key.name) {
        errors.push(Diagnostic::error(
            key.span,
            format!(
                "{what} name `{}` must be alphanumeric (A-Z, a-z, 0-9)",
                key.name
            ),
        ));
    }
}

fn check_mapping(key: &Key, node: &Node, errors: &mut Vec<Diagnostic>) {
    let Some(top) = node.as_map() else {
        errors.push(Diagnostic::error(
            node.span,
            format!("mapping `{}` must be a mapping of mappings", key.name),
        ));
        return;
    };
    for (k, v) in top {
        if v.as_map().is_none() {
            errors.push(Diagnostic::error(
                v.span,
                format!(
                    "`{}.{}` must be a mapping of names to values, found {}",
                    key.name,
                    k.name,
                    v.describe()
                ),
            ));
        }
    }
}

fn string_field(node: &Node, what: &str, errors: &mut Vec<Diagnostic>) -> Option<Spanned<String>> {
    match node.scalar_text() {
        Some(value) => Some(Spanned {
            value,
            span: node.span,
        }),
        None => {
            errors.push(Diagnostic::error(
                node.span,
                format!("{what} must be a string, found {}", node.describe()),
            ));
            None
        }
    }
}

fn number_field(node: &Node, what: &str, errors: &mut Vec<Diagnostic>) -> Option<f64> {
    match node
        .scalar_text()
        .and_then(|t| t.trim().parse::<f64>().ok())
    {
        Some(n) => Some(n),
        None => {
            errors.push(Diagnostic::error(
                node.span,
                format!("{what} must be a number"),
            ));
            None
        }
    }
}

/// The prefix of the SSM parameter types (`AWS::SSM::Parameter::Value<String>`).
const SSM_VALUE: &str = "AWS::SSM::Parameter::Value<";

fn parameter_type(text: &str) -> Option<ParameterType> {
    Some(match text {
        "String" => ParameterType::String,
        "Number" => ParameterType::Number,
        "List<Number>" => ParameterType::NumberList,
        "CommaDelimitedList" | "List<String>" => ParameterType::CommaDelimitedList,
        t if t.starts_with(SSM_VALUE) && t.ends_with('>') => {
            let inner = &t[SSM_VALUE.len()..t.len() - 1];
            ParameterType::SsmValue {
                list: inner.starts_with("List<") || inner == "CommaDelimitedList",
            }
        }
        "AWS::SSM::Parameter::Name" => ParameterType::AwsString,
        t if t.starts_with("AWS::SSM::") => return None,
        t if t.starts_with("List<AWS::") && t.ends_with('>') => ParameterType::AwsList,
        t if t.starts_with("AWS::") => ParameterType::AwsString,
        _ => return None,
    })
}

fn read_parameter(key: &Key, node: &Node, errors: &mut Vec<Diagnostic>) -> Option<Parameter> {
    check_name(key, "parameter", errors);
    let Some(fields) = node.as_map() else {
        errors.push(Diagnostic::error(
            node.span,
            format!("parameter `{}` must be a mapping", key.name),
        ));
        return None;
    };
    let mut p = Parameter {
        name: key.name.clone(),
        span: key.span,
        kind: ParameterType::String,
        default: None,
        allowed_values: Vec::new(),
        allowed_pattern: None,
        min_length: None,
        max_length: None,
        min_value: None,
        max_value: None,
        no_echo: false,
        description: None,
        constraint_description: None,
    };
    let mut saw_type = false;
    for (k, v) in fields {
        let what = format!("`{}` of parameter `{}`", k.name, key.name);
        match k.name.as_str() {
            "Type" => {
                saw_type = true;
                let text = string_field(v, &what, errors)?.value;
                match parameter_type(&text) {
                    Some(kind) => p.kind = kind,
                    None => errors.push(
                        Diagnostic::error(v.span, format!("parameter type `{text}` is not supported"))
                            .with_note("supported: String, Number, List<Number>, List<String>, CommaDelimitedList, AWS::EC2::*::Id, List<AWS::...>, AWS::SSM::Parameter::Name and AWS::SSM::Parameter::Value<...>"),
                    ),
                }
            }
            "Default" => p.default = Some(v.clone()),
            "AllowedValues" => match v.as_seq() {
                Some(items) => {
                    p.allowed_values = items
                        .iter()
                        .filter_map(|i| string_field(i, &what, errors))
                        .collect()
                }
                None => errors.push(Diagnostic::error(v.span, format!("{what} must be a list"))),
            },
            "AllowedPattern" => {
                if let Some(pattern) = string_field(v, &what, errors) {
                    if let Err(e) = regex::Regex::new(&format!("^(?:{})$", pattern.value)) {
                        // CloudFormation uses Java regexes; look-around has no linear-time
                        // equivalent, so such a pattern is left to AWS rather than refused.
                        let d = Diagnostic::warning(
                            v.span,
                            format!("{what} cannot be checked by fuelflow and is left to AWS"),
                        )
                        .with_note(e.to_string().lines().last().unwrap_or_default().to_string());
                        errors.push(d);
                    }
                    p.allowed_pattern = Some(pattern);
                }
            }
            "MinLength" => p.min_length = number_field(v, &what, errors).map(|n| n as u64),
            "MaxLength" => p.max_length = number_field(v, &what, errors).map(|n| n as u64),
            "MinValue" => p.min_value = number_field(v, &what, errors),
            "MaxValue" => p.max_value = number_field(v, &what, errors),
            "NoEcho" => {
                p.no_echo = matches!(v.kind, Kind::Bool(true)) || v.as_str() == Some("true")
            }
            "Description" => p.description = v.scalar_text(),
            "ConstraintDescription" => p.constraint_description = v.scalar_text(),
            other => errors.push(unknown_key(k, other, "parameter attribute", PARAMETER_KEYS)),
        }
    }
    if !saw_type {
        errors.push(Diagnostic::error(
            key.span,
            format!("parameter `{}` has no `Type`", key.name),
        ));
    }
    Some(p)
}

fn policy(node: &Node, what: &str, errors: &mut Vec<Diagnostic>) -> Option<DeletionPolicy> {
    let text = string_field(node, what, errors)?.value;
    Some(match text.as_str() {
        "Delete" => DeletionPolicy::Delete,
        "Retain" => DeletionPolicy::Retain,
        "RetainExceptOnCreate" => DeletionPolicy::RetainExceptOnCreate,
        "Snapshot" => DeletionPolicy::Snapshot,
        _ => {
            errors.push(Diagnostic::error(
                node.span,
                format!(
                    "{what} `{text}` is not one of Delete, Retain, RetainExceptOnCreate, Snapshot"
                ),
            ));
            return None;
        }
    })
}

fn read_resource(key: &Key, node: &Node, errors: &mut Vec<Diagnostic>) -> Option<Resource> {
    check_name(key, "logical id", errors);
    let id = &key.name;
    let Some(fields) = node.as_map() else {
        errors.push(Diagnostic::error(
            node.span,
            format!(
                "resource `{id}` must be a mapping, found {}",
                node.describe()
            ),
        ));
        return None;
    };
    let mut type_name = None;
    let mut r = Resource {
        logical_id: id.clone(),
        span: key.span,
        type_name: Spanned {
            value: String::new(),
            span: key.span,
        },
        properties: None,
        depends_on: Vec::new(),
        condition: None,
        deletion_policy: None,
        update_replace_policy: None,
        lifecycle: None,
    };
    for (k, v) in fields {
        let what = format!("`{}` of resource `{id}`", k.name);
        match k.name.as_str() {
            "Type" => type_name = string_field(v, &what, errors),
            "Properties" => match &v.kind {
                Kind::Map(_) | Kind::Null => r.properties = Some(v.clone()),
                // A whole Properties block chosen by `Fn::If` is evaluated later.
                _ => errors.push(Diagnostic::error(
                    v.span,
                    format!("{what} must be a mapping, found {}", v.describe()),
                )),
            },
            "DependsOn" => match &v.kind {
                Kind::Seq(items) => {
                    r.depends_on = items
                        .iter()
                        .filter_map(|i| string_field(i, &what, errors))
                        .collect()
                }
                _ => r.depends_on = string_field(v, &what, errors).into_iter().collect(),
            },
            "Condition" => r.condition = string_field(v, &what, errors),
            "DeletionPolicy" => r.deletion_policy = policy(v, &what, errors),
            "UpdateReplacePolicy" => r.update_replace_policy = policy(v, &what, errors),
            "Metadata" => r.lifecycle = super::lifecycle::read(v, id, errors),
            "CreationPolicy" | "UpdatePolicy" => {}
            other => errors.push(unknown_key(
                k,
                other,
                &format!("attribute of resource `{id}`"),
                RESOURCE_KEYS,
            )),
        }
    }
    match type_name {
        Some(t) => r.type_name = t,
        None => {
            errors.push(Diagnostic::error(
                key.span,
                format!("resource `{id}` has no `Type`"),
            ));
            return None;
        }
    }
    Some(r)
}

fn read_output(key: &Key, node: &Node, errors: &mut Vec<Diagnostic>) -> Option<Output> {
    check_name(key, "output", errors);
    let name = &key.name;
    let Some(fields) = node.as_map() else {
        errors.push(Diagnostic::error(
            node.span,
            format!("output `{name}` must be a mapping"),
        ));
        return None;
    };
    let mut value = None;
    let mut o = Output {
        name: name.clone(),
        span: key.span,
        value: Node {
            span: key.span,
            kind: Kind::Null,
        },
        export_name: None,
        condition: None,
        description: None,
    };
    for (k, v) in fields {
        let what = format!("`{}` of output `{name}`", k.name);
        match k.name.as_str() {
            "Value" => value = Some(v.clone()),
            "Export" => match v.get("Name") {
                Some(n) if v.as_map().is_some_and(|m| m.len() == 1) => {
                    o.export_name = Some(n.clone())
                }
                _ => errors.push(Diagnostic::error(
                    v.span,
                    format!("{what} must be a mapping with exactly one key, `Name`"),
                )),
            },
            "Condition" => o.condition = string_field(v, &what, errors),
            "Description" => o.description = v.scalar_text(),
            other => errors.push(unknown_key(
                k,
                other,
                &format!("attribute of output `{name}`"),
                OUTPUT_KEYS,
            )),
        }
    }
    match value {
        Some(v) => o.value = v,
        None => {
            errors.push(Diagnostic::error(
                key.span,
                format!("output `{name}` has no `Value`"),
            ));
            return None;
        }
    }
    Some(o)
}
