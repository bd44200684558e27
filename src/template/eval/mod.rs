//! Intrinsic functions: turns property trees into [`Value`]s, recording every reference it
//! follows (the edges of the resource graph) and every mistake it finds (with its span).
//!
//! This module has the [`Evaluator`], what it may look at ([`Scope`], [`Pseudo`], [`Lookup`])
//! and the dispatch by function name; each family of functions has its own file:
//! - `references.rs`: `Ref`, `Fn::GetAtt`;
//! - `sub.rs`: `Fn::Sub`;
//! - `strings.rs`: `Fn::Join`, `Fn::Split`, `Fn::Select`, `Fn::Base64`;
//! - `conditions.rs`: `Fn::If`, `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`;
//! - `lookups.rs`: `Fn::FindInMap`, `Fn::GetAZs`, `Fn::ImportValue`.

mod conditions;
mod language;
mod lookups;
mod references;
mod strings;
mod sub;
#[cfg(test)]
mod table;

pub use sub::{SubPiece, parse_sub};

use super::model::Template;
use super::value::Value;
use super::yaml::{Kind, Node};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::suggest::closest;
use indexmap::IndexMap;
use std::collections::HashMap;

/// The pseudo parameters of one stack. `None` means "not looked up" (as in `validate`).
#[derive(Debug, Clone)]
pub struct Pseudo {
    pub stack_name: String,
    pub region: String,
    pub account_id: Option<String>,
    pub partition: String,
    pub url_suffix: String,
    pub availability_zones: Option<Vec<String>>,
}

impl Pseudo {
    pub fn new(stack_name: &str, region: &str) -> Pseudo {
        let (partition, url_suffix) = partition_of(region);
        Pseudo {
            stack_name: stack_name.to_string(),
            region: region.to_string(),
            account_id: None,
            partition: partition.to_string(),
            url_suffix: url_suffix.to_string(),
            availability_zones: None,
        }
    }
}

/// The partition and URL suffix of a region.
pub fn partition_of(region: &str) -> (&'static str, &'static str) {
    if region.starts_with("cn-") {
        ("aws-cn", "amazonaws.com.cn")
    } else if region.starts_with("us-gov-") {
        ("aws-us-gov", "amazonaws.com")
    } else {
        ("aws", "amazonaws.com")
    }
}

pub const PSEUDO_PARAMETERS: &[&str] = &[
    "AWS::AccountId",
    "AWS::Region",
    "AWS::StackName",
    "AWS::StackId",
    "AWS::Partition",
    "AWS::URLSuffix",
    "AWS::NoValue",
    "AWS::NotificationARNs",
];

/// Values that exist only once resources do: physical ids, attributes and other stacks' exports.
/// Resources are named by the full stack name and their logical id.
pub trait Lookup: Sync {
    fn physical_id(&self, stack: &str, logical_id: &str) -> Option<Value>;
    fn attribute(&self, stack: &str, logical_id: &str, attribute: &str) -> Option<Value>;
    fn export(&self, name: &str) -> Option<Value>;
    /// The value of the Systems Manager parameter `name` (for `AWS::SSM::Parameter::Value<...>`
    /// template parameters), once the plan has fetched it.
    fn ssm_parameter(&self, _name: &str) -> Option<String> {
        None
    }
    /// Told when the evaluation reads a pseudo parameter that AWS supplies (the account id, the
    /// zones), so a recording lookup knows the result depends on more than the template.
    fn fact_read(&self) {}
}

/// Nothing exists yet: every resource value is "known after apply".
pub struct NothingExists;

impl Lookup for NothingExists {
    fn physical_id(&self, _: &str, _: &str) -> Option<Value> {
        None
    }
    fn attribute(&self, _: &str, _: &str, _: &str) -> Option<Value> {
        None
    }
    fn export(&self, _: &str) -> Option<Value> {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    Ref,
    GetAtt,
    Sub,
    DependsOn,
    ImportValue,
    /// Added by fuelflow, not written: an API Gateway deployment needs its API's methods.
    Implicit,
}

impl RefKind {
    pub fn label(self) -> &'static str {
        match self {
            RefKind::Ref => "Ref",
            RefKind::GetAtt => "Fn::GetAtt",
            RefKind::Sub => "Fn::Sub",
            RefKind::DependsOn => "DependsOn",
            RefKind::ImportValue => "Fn::ImportValue",
            RefKind::Implicit => "implicit",
        }
    }
}

/// A reference from one value to a resource (or, for imports, to an export name).
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub target: String,
    pub attribute: Option<String>,
    pub kind: RefKind,
    pub span: Span,
}

/// What the evaluator may look at.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub template: &'a Template,
    pub pseudo: &'a Pseudo,
    pub parameters: &'a IndexMap<String, Value>,
    pub conditions: &'a IndexMap<String, Option<bool>>,
    pub lookup: &'a dyn Lookup,
    /// Resources left out by their condition, and that condition's name.
    pub excluded: &'a HashMap<String, String>,
    /// Is `attribute` a `GetAtt` attribute of `resource_type`? `None` when the type is unknown.
    pub has_attribute: &'a dyn Fn(&str, &str) -> Option<bool>,
}

pub struct Evaluator<'a> {
    scope: Scope<'a>,
    pub references: Vec<Reference>,
    pub errors: Vec<Diagnostic>,
    depth: usize,
}

const SUPPORTED: &str = "Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::GetAZs, Fn::If, \
Fn::Equals, Fn::And, Fn::Or, Fn::Not, Fn::FindInMap, Fn::ImportValue, Fn::Base64, Fn::Cidr, \
Fn::Length, Fn::ToJsonString";

impl<'a> Evaluator<'a> {
    pub fn new(scope: Scope<'a>) -> Evaluator<'a> {
        Evaluator {
            scope,
            references: Vec::new(),
            errors: Vec::new(),
            depth: 0,
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(Diagnostic::error(span, message));
    }

    /// Evaluates a node. `None` is `AWS::NoValue`: the enclosing key or list item disappears.
    pub fn eval(&mut self, node: &Node) -> Option<Value> {
        if self.depth > super::yaml::MAX_DEPTH * 2 {
            self.error(node.span, "intrinsic functions nested too deeply");
            return Some(Value::Null);
        }
        self.depth += 1;
        let value = self.eval_inner(node);
        self.depth -= 1;
        value
    }

    fn eval_inner(&mut self, node: &Node) -> Option<Value> {
        Some(match &node.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Number(n) => Value::Number(n.clone()),
            Kind::String(s) => Value::String(s.clone()),
            Kind::Seq(items) => Value::List(items.iter().filter_map(|i| self.eval(i)).collect()),
            Kind::Map(entries) => {
                if let [(key, arg)] = entries.as_slice() {
                    if key.name == "Ref" || key.name.starts_with("Fn::") {
                        return self.intrinsic(&key.name, arg, node.span);
                    }
                }
                let mut map = IndexMap::new();
                for (k, v) in entries {
                    if let Some(value) = self.eval(v) {
                        map.insert(k.name.clone(), value);
                    }
                }
                Value::Map(map)
            }
        })
    }

    fn intrinsic(&mut self, name: &str, arg: &Node, span: Span) -> Option<Value> {
        Some(match name {
            "Ref" => return self.reference(arg),
            "Fn::GetAtt" => self.get_att(arg),
            "Fn::Sub" => self.sub(arg),
            "Fn::Join" => self.join(arg),
            "Fn::Select" => self.select(arg),
            "Fn::Split" => self.split(arg),
            "Fn::GetAZs" => self.get_azs(arg),
            "Fn::If" => return self.if_(arg),
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => {
                match self.condition_function(name, arg) {
                    Some(b) => Value::Bool(b),
                    None => Value::Unknown(name.to_string()),
                }
            }
            "Fn::FindInMap" => self.find_in_map(arg),
            "Fn::ImportValue" => self.import_value(arg),
            "Fn::Base64" => self.base64(arg),
            "Fn::Cidr" => self.cidr(arg),
            "Fn::Length" => self.length(arg),
            "Fn::ToJsonString" => self.json_string(arg),
            other => {
                let mut d = Diagnostic::error(
                    span,
                    format!("intrinsic function `{other}` is not supported"),
                );
                if let Some(best) = closest(other, SUPPORTED.split(", ")) {
                    d = d.with_note(format!("did you mean `{best}`?"));
                }
                self.errors
                    .push(d.with_note(format!("supported: {SUPPORTED}")));
                Value::Null
            }
        })
    }

    /// Evaluates to a string (numbers and booleans are turned into text, as CloudFormation does).
    fn text(&mut self, node: &Node, what: &str) -> Text {
        match self.eval(node) {
            Some(Value::Unknown(u)) => Text::Unknown(u),
            Some(v) => match v.to_text() {
                Some(s) => Text::Known(s),
                None => {
                    self.error(
                        node.span,
                        format!("{what} expects a string here, found {}", v.describe()),
                    );
                    Text::Invalid
                }
            },
            None => {
                self.error(
                    node.span,
                    format!("{what} expects a string here, found AWS::NoValue"),
                );
                Text::Invalid
            }
        }
    }

    fn args<'n>(&mut self, arg: &'n Node, what: &str, count: usize) -> Option<&'n [Node]> {
        match arg.as_seq() {
            Some(items) if items.len() == count => Some(items),
            _ => {
                self.error(
                    arg.span,
                    format!(
                        "{what} takes a list of {count} arguments, found {}",
                        arg.describe()
                    ),
                );
                None
            }
        }
    }
    /// Evaluates to a list; `AWS::NoValue` is the empty list.
    fn list(&mut self, node: &Node, what: &str) -> List {
        match self.eval(node) {
            Some(Value::List(items)) => List::Known(items),
            Some(Value::Unknown(u)) => List::Unknown(u),
            Some(other) => {
                self.error(
                    node.span,
                    format!("{what} expects a list here, found {}", other.describe()),
                );
                List::Invalid
            }
            None => List::Known(Vec::new()),
        }
    }
}

/// An argument evaluated to a string: known, known after apply (what it waits for), or wrong
/// (already reported).
enum Text {
    Known(String),
    Unknown(String),
    Invalid,
}

/// An argument evaluated to a list, as [`Text`] is to a string.
enum List {
    Known(Vec<Value>),
    Unknown(String),
    Invalid,
}

#[cfg(test)]
mod tests {
    use super::table::*;
    use super::{Value, partition_of};

    #[test]
    fn plain_values_pass_through_and_no_value_disappears() {
        run(&[
            ("plain", Is(s("plain"))),
            ("5.10", Is(n("5.10"))),
            ("true", Is(Value::Bool(true))),
            ("~", Is(Value::Null)),
            ("[a, !Ref AWS::NoValue, b]", Is(strings(&["a", "b"]))),
            (
                "{a: !Ref AWS::NoValue, b: !Ref Env}",
                Is(map(&[("b", s("dev"))])),
            ),
            // Two keys are a mapping, not a function call.
            (
                "{Ref: Env, Other: 1}",
                Is(map(&[("Ref", s("Env")), ("Other", n("1"))])),
            ),
        ]);
    }

    #[test]
    fn unsupported_functions_are_named_with_the_closest_supported_one() {
        run(&[
            (
                "{Fn::Transform: {Name: AWS::Include}}",
                Fails("intrinsic function `Fn::Transform` is not supported"),
            ),
            ("{Fn::Joinn: [',', [a]]}", Fails("did you mean `Fn::Join`?")),
            ("{Fn::Nope: x}", Fails("supported: Ref, Fn::GetAtt")),
        ]);
    }

    #[test]
    fn partitions_follow_the_region() {
        for (region, partition, suffix) in [
            ("eu-west-1", "aws", "amazonaws.com"),
            ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
            ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
        ] {
            assert_eq!(partition_of(region), (partition, suffix), "{region}");
        }
    }
}
