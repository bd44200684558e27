//! The supported resource types and their properties, derived from the CloudFormation registry
//! schemas (see `scripts/gen-schema-table`), and the checks `validate` makes with them.

pub mod cross;
mod facts;
mod iam;
pub mod report;
mod rules;
mod table;
pub mod types;

use crate::diagnostic::Diagnostic;
use crate::suggest::closest;
use crate::template::Value;
use crate::template::yaml::{Kind, Node};
use indexmap::IndexMap;
use types::{Object, Property, ResourceSchema, Shape};

/// The schema of a supported type.
pub fn lookup(type_name: &str) -> Option<&'static ResourceSchema> {
    table::TYPES.iter().find(|t| t.type_name == type_name)
}

pub fn supported_types() -> impl Iterator<Item = &'static str> {
    table::TYPES.iter().map(|t| t.type_name)
}

/// The `Fn::GetAtt` attributes of a type (empty for an unknown type).
pub fn attributes(type_name: &str) -> Vec<&'static str> {
    lookup(type_name)
        .map(|t| t.attributes.to_vec())
        .unwrap_or_default()
}

/// Whether `attribute` can be read with `Fn::GetAtt`; `None` for an unsupported type. Besides
/// the read-only properties, CloudFormation lets a few plain properties be read back
/// (`AWS::EC2::VPC.CidrBlock`): top-level scalar properties that are not write-only count too.
pub fn has_attribute(type_name: &str, attribute: &str) -> Option<bool> {
    let schema = lookup(type_name)?;
    if schema.attributes.contains(&attribute) {
        return Some(true);
    }
    let readable = schema.properties.properties.iter().any(|p| {
        p.name == attribute
            && matches!(
                p.shape.base(),
                Shape::String | Shape::Integer | Shape::Number | Shape::Boolean
            )
            && !schema.write_only.contains(&attribute)
    });
    Some(readable)
}

/// The unsupported-type diagnostic, listing what is supported.
pub fn unsupported_type(
    node_span: crate::source::Span,
    type_name: &str,
    logical_id: &str,
) -> Diagnostic {
    let reason = if type_name.starts_with("Custom::")
        || type_name == "AWS::CloudFormation::CustomResource"
    {
        "custom resources need the CloudFormation service; fuelflow does not run them"
    } else if type_name == "AWS::CloudFormation::Stack" {
        "nested stacks are not supported: list the template as its own stack in fuelflow.yaml"
    } else {
        "fuelflow does not manage this type"
    };
    let mut d = Diagnostic::error(
        node_span,
        format!("resource `{logical_id}` has unsupported type `{type_name}`: {reason}"),
    );
    if let Some(best) = closest(type_name, supported_types()) {
        d = d.with_note(format!("did you mean `{best}`?"));
    }
    d.with_note(format!(
        "supported types: {}",
        supported_types().collect::<Vec<_>>().join(", ")
    ))
}

/// Checks a resource's `Properties` against its type: unknown properties (with a suggestion),
/// missing required ones, values of the wrong shape, every value constraint of the schema and
/// the supplement (`rules`) on values known now (literals, `Ref`s to `parameters` with a value),
/// `oneOf`/`anyOf`/`dependentRequired` key combinations, the IAM policy grammar (`iam`) and the
/// cross-property facts (`facts`). Intrinsic functions are followed where their result's shape is
/// known (`Fn::If` branches, strings from `Fn::Sub`/`Fn::Join`).
pub fn check_properties(
    schema: &ResourceSchema,
    logical_id: &str,
    properties: Option<&Node>,
    resource_span: crate::source::Span,
    known: &Known,
) -> Vec<Diagnostic> {
    let mut checker = Checker {
        errors: Vec::new(),
        logical_id,
        parameters: known.parameters,
        conditions: known.conditions,
    };
    match properties {
        Some(node) => {
            checker.object(schema.properties, node, "", resource_span);
            iam::check_resource(logical_id, node, &mut checker.errors);
            facts::check(schema.type_name, logical_id, node, &mut checker.errors);
        }
        None => checker.missing_required(schema.properties, &[], resource_span, ""),
    }
    checker.errors
}

/// What validate knows before evaluating a resource: parameter values and decided conditions.
pub struct Known<'a> {
    pub parameters: &'a IndexMap<String, Value>,
    pub conditions: &'a IndexMap<String, Option<bool>>,
}

struct Checker<'a> {
    errors: Vec<Diagnostic>,
    logical_id: &'a str,
    parameters: &'a IndexMap<String, Value>,
    conditions: &'a IndexMap<String, Option<bool>>,
}

/// What an intrinsic function yields, when it can be told without evaluating it.
enum Yields<'n> {
    Scalar(&'static str),
    List(&'static str),
    Branches(Vec<&'n Node>),
    NoValue,
    Unknown,
}

fn intrinsic(node: &Node) -> Option<Yields<'_>> {
    let (key, arg) = node.single_entry()?;
    Some(match key.name.as_str() {
        "Ref" if arg.as_str() == Some("AWS::NoValue") => Yields::NoValue,
        "Ref" | "Fn::GetAtt" | "Fn::ImportValue" | "Fn::Select" | "Fn::FindInMap" => {
            Yields::Unknown
        }
        "Fn::Sub" => Yields::Scalar("Fn::Sub"),
        "Fn::Join" => Yields::Scalar("Fn::Join"),
        "Fn::Base64" => Yields::Scalar("Fn::Base64"),
        "Fn::ToJsonString" => Yields::Scalar("Fn::ToJsonString"),
        "Fn::Split" => Yields::List("Fn::Split"),
        "Fn::Cidr" => Yields::List("Fn::Cidr"),
        "Fn::GetAZs" => Yields::List("Fn::GetAZs"),
        "Fn::If" => match arg.as_seq() {
            Some([_, a, b]) => Yields::Branches(vec![a, b]),
            _ => Yields::Unknown,
        },
        k if k.starts_with("Fn::") => Yields::Unknown,
        _ => return None,
    })
}

impl Checker<'_> {
    /// The value of the condition of an `Fn::If` node, when it is decided.
    fn decided(&self, node: &Node) -> Option<bool> {
        let (_, arg) = node.single_entry()?;
        let name = arg.as_seq()?.first()?.as_str()?;
        self.conditions.get(name).copied().flatten()
    }

    fn wrong_shape(&mut self, node: &Node, expected: &Shape, path: &str, found: &str) {
        self.errors.push(Diagnostic::error(
            node.span,
            format!(
                "property `{path}` of `{}` must be {}, found {found}",
                self.logical_id,
                expected.describe()
            ),
        ));
    }

    fn value(&mut self, shape: &Shape, node: &Node, path: &str) {
        if let Shape::Ruled(rules, inner) = shape {
            if let Some(Yields::Branches(branches)) = intrinsic(node) {
                // A branch a decided condition does not take gets the shape check only.
                let decided = self.decided(node);
                for (i, b) in branches.into_iter().enumerate() {
                    let taken = decided.is_none_or(|d| d == (i == 0));
                    self.value(if taken { shape } else { inner }, b, path);
                }
                return;
            }
            let before = self.errors.len();
            self.value(inner, node, path);
            if self.errors.len() > before {
                return; // the wrong shape already: its constraints would only repeat that
            }
            if let Some((value, parameter)) = rules::known(node, self.parameters) {
                for v in rules::violations(rules, &value) {
                    let d = rules::diagnostic(node, path, self.logical_id, parameter, v);
                    self.errors.push(d);
                }
            }
            return;
        }
        match intrinsic(node) {
            Some(Yields::Branches(branches)) => {
                return branches
                    .into_iter()
                    .for_each(|b| self.value(shape, b, path));
            }
            Some(Yields::Scalar(f)) => {
                if matches!(shape, Shape::List(_) | Shape::Map(_) | Shape::Object(_)) {
                    self.wrong_shape(node, shape, path, &format!("the string `{f}` returns"));
                }
                return;
            }
            Some(Yields::List(f)) => {
                if !matches!(shape, Shape::List(_) | Shape::Any | Shape::Json) {
                    self.wrong_shape(node, shape, path, &format!("the list `{f}` returns"));
                }
                return;
            }
            Some(Yields::NoValue | Yields::Unknown) => return,
            None => {}
        }
        match (shape, &node.kind) {
            (Shape::Any | Shape::Json, _) => {}
            (Shape::Ruled(..), _) => unreachable!("constraints are unwrapped above"),
            (_, Kind::Null) => {}
            (Shape::String, Kind::String(_) | Kind::Number(_) | Kind::Bool(_)) => {}
            (Shape::Integer | Shape::Number, Kind::Number(_)) => {}
            (Shape::Integer | Shape::Number, Kind::String(s)) => {
                if s.trim().parse::<f64>().is_err() {
                    self.wrong_shape(node, shape, path, &format!("`{s}`"));
                }
            }
            (Shape::Boolean, Kind::Bool(_)) => {}
            (Shape::Boolean, Kind::String(s))
                if matches!(s.as_str(), "true" | "false" | "True" | "False") => {}
            (Shape::List(inner), Kind::Seq(items)) => {
                for (i, item) in items.iter().enumerate() {
                    self.value(inner, item, &format!("{path}[{i}]"));
                }
            }
            (Shape::Map(inner), Kind::Map(entries)) => {
                for (k, v) in entries {
                    self.value(inner, v, &format!("{path}.{}", k.name));
                }
            }
            (Shape::Object(object), Kind::Map(_)) => self.object(object, node, path, node.span),
            _ => self.wrong_shape(node, shape, path, node.describe()),
        }
    }

    /// Checks a mapping against an object shape; missing properties are reported at `owner`
    /// (the resource's logical id, or the key holding the mapping).
    fn object(&mut self, object: &Object, node: &Node, path: &str, owner: crate::source::Span) {
        match intrinsic(node) {
            Some(Yields::Branches(branches)) => {
                return branches
                    .into_iter()
                    .for_each(|b| self.object(object, b, path, owner));
            }
            Some(_) => return,
            None => {}
        }
        let entries = match &node.kind {
            Kind::Map(entries) => entries.as_slice(),
            Kind::Null => &[],
            _ => {
                let what = if path.is_empty() {
                    "Properties".to_string()
                } else {
                    format!("property `{path}`")
                };
                self.errors.push(Diagnostic::error(
                    node.span,
                    format!(
                        "{what} of `{}` must be a mapping, found {}",
                        self.logical_id,
                        node.describe()
                    ),
                ));
                return;
            }
        };
        for (key, value) in entries {
            let full = if path.is_empty() {
                key.name.clone()
            } else {
                format!("{path}.{}", key.name)
            };
            match object.properties.iter().find(|p| p.name == key.name) {
                Some(Property { shape, .. })
                    if matches!(shape.base(), Shape::Object(_))
                        && matches!(value.kind, Kind::Map(_)) =>
                {
                    let Shape::Object(inner) = shape.base() else {
                        unreachable!()
                    };
                    self.object(inner, value, &full, key.span)
                }
                Some(p) => self.value(&p.shape, value, &full),
                None if object.open => {}
                None => {
                    let mut d = Diagnostic::error(
                        key.span,
                        format!(
                            "unknown property `{full}` in resource `{}`",
                            self.logical_id
                        ),
                    );
                    if let Some(best) = closest(&key.name, object.properties.iter().map(|p| p.name))
                    {
                        d = d.with_note(format!("did you mean `{best}`?"));
                    }
                    self.errors.push(d);
                }
            }
        }
        let present: Vec<&str> = entries
            .iter()
            .filter(|(_, v)| !matches!(intrinsic(v), Some(Yields::NoValue)))
            .map(|(k, _)| k.name.as_str())
            .collect();
        self.missing_required(object, &present, owner, path);
        self.combinations(object, entries, &present, owner, path);
    }

    /// `oneOf`/`anyOf` of required sets and `dependentRequired`.
    fn combinations(
        &mut self,
        object: &Object,
        entries: &[(crate::template::yaml::Key, Node)],
        present: &[&str],
        owner: crate::source::Span,
        path: &str,
    ) {
        let what = if path.is_empty() {
            format!("resource `{}`", self.logical_id)
        } else {
            format!("property `{path}` of `{}`", self.logical_id)
        };
        let complete = |set: &[&str]| set.iter().all(|k| present.contains(k));
        let describe = |sets: &[&[&str]]| {
            sets.iter()
                .map(|s| format!("`{}`", s.join("` + `")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !object.one_of.is_empty() {
            let n = object.one_of.iter().filter(|s| complete(s)).count();
            if n != 1 {
                self.errors.push(Diagnostic::error(
                    owner,
                    format!(
                        "{what} needs exactly one of {}; {n} are set",
                        describe(object.one_of)
                    ),
                ));
            }
        }
        if !object.any_of.is_empty() && !object.any_of.iter().any(|s| complete(s)) {
            self.errors.push(Diagnostic::error(
                owner,
                format!("{what} needs at least one of {}", describe(object.any_of)),
            ));
        }
        for (key, needs) in object.dependent_required {
            let Some((k, _)) = entries.iter().find(|(k, _)| k.name == *key) else {
                continue;
            };
            for need in needs.iter().filter(|n| !present.contains(n)) {
                self.errors.push(Diagnostic::error(
                    k.span,
                    format!("{what} sets `{key}`, which needs `{need}` to be set too"),
                ));
            }
        }
    }

    fn missing_required(
        &mut self,
        object: &Object,
        present: &[&str],
        span: crate::source::Span,
        path: &str,
    ) {
        for required in object.required.iter().filter(|r| !present.contains(r)) {
            let full = if path.is_empty() {
                required.to_string()
            } else {
                format!("{path}.{required}")
            };
            self.errors.push(Diagnostic::error(
                span,
                format!(
                    "resource `{}` is missing required property `{full}`",
                    self.logical_id
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_type_is_in_the_table() {
        for t in [
            "AWS::S3::Bucket",
            "AWS::S3::BucketPolicy",
            "AWS::IAM::Role",
            "AWS::IAM::Policy",
            "AWS::IAM::RolePolicy",
            "AWS::IAM::ManagedPolicy",
            "AWS::DynamoDB::Table",
            "AWS::SecretsManager::Secret",
            "AWS::RDS::DBInstance",
            "AWS::RDS::DBSubnetGroup",
            "AWS::EC2::SecurityGroup",
            "AWS::EC2::SecurityGroupIngress",
            "AWS::EC2::SecurityGroupEgress",
            "AWS::EC2::VPC",
            "AWS::EC2::Subnet",
            "AWS::Lambda::Function",
            "AWS::Lambda::Permission",
            "AWS::ApiGateway::RestApi",
            "AWS::ApiGateway::Resource",
            "AWS::ApiGateway::Method",
            "AWS::ApiGateway::Model",
            "AWS::ApiGateway::Deployment",
            "AWS::ApiGateway::Stage",
            "AWS::ApiGateway::Account",
            "AWS::Logs::LogGroup",
            "AWS::CloudWatch::Alarm",
        ] {
            assert!(lookup(t).is_some(), "{t}");
        }
        // One entry per registered handler, and the data sources.
        let registry = crate::resources::registry::BUILTIN.len();
        let data_sources = crate::resources::registry::WITHOUT_HANDLER.len();
        assert_eq!(supported_types().count(), registry + data_sources);
    }

    #[test]
    fn attributes_come_from_read_only_properties() {
        assert_eq!(has_attribute("AWS::S3::Bucket", "Arn"), Some(true));
        assert_eq!(
            has_attribute("AWS::RDS::DBInstance", "Endpoint.Address"),
            Some(true)
        );
        assert_eq!(has_attribute("AWS::EC2::VPC", "CidrBlock"), Some(true));
        assert_eq!(has_attribute("AWS::S3::Bucket", "Nope"), Some(false));
        assert_eq!(has_attribute("AWS::Foo::Bar", "Arn"), None);
        assert!(
            lookup("AWS::S3::Bucket")
                .unwrap()
                .create_only
                .contains(&"BucketName")
        );
    }
}
