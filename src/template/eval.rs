//! Intrinsic functions: turns property trees into [`Value`]s, recording every reference it
//! follows (the edges of the resource graph) and every mistake it finds (with its span).

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
Fn::Equals, Fn::And, Fn::Or, Fn::Not, Fn::FindInMap, Fn::ImportValue, Fn::Base64";

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
            "Fn::Base64" => match self.text(arg, "Fn::Base64") {
                Text::Known(s) => Value::String(base64(s.as_bytes())),
                Text::Unknown(u) => Value::Unknown(u),
                Text::Invalid => Value::Null,
            },
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

    fn reference(&mut self, arg: &Node) -> Option<Value> {
        let Some(name) = arg.as_str() else {
            self.error(
                arg.span,
                format!(
                    "`Ref` takes the name of a parameter or resource, found {}",
                    arg.describe()
                ),
            );
            return Some(Value::Null);
        };
        if name == "AWS::NoValue" {
            return None;
        }
        Some(self.named_value(name, arg.span, RefKind::Ref))
    }

    /// The value of a parameter, pseudo parameter or resource by name (for `Ref` and `Fn::Sub`).
    fn named_value(&mut self, name: &str, span: Span, kind: RefKind) -> Value {
        let pseudo = self.scope.pseudo;
        match name {
            "AWS::AccountId" => {
                return pseudo
                    .account_id
                    .clone()
                    .map_or_else(|| Value::Unknown(name.into()), Value::String);
            }
            "AWS::Region" => return Value::String(pseudo.region.clone()),
            "AWS::StackName" => return Value::String(pseudo.stack_name.clone()),
            "AWS::StackId" => return Value::Unknown(name.into()),
            "AWS::Partition" => return Value::String(pseudo.partition.clone()),
            "AWS::URLSuffix" => return Value::String(pseudo.url_suffix.clone()),
            "AWS::NotificationARNs" => return Value::List(Vec::new()),
            _ => {}
        }
        if let Some(value) = self.scope.parameters.get(name) {
            return value.clone();
        }
        if self.scope.template.resources.contains_key(name) {
            self.note_resource(name, None, kind, span);
            return self
                .scope
                .lookup
                .physical_id(&self.scope.pseudo.stack_name, name)
                .unwrap_or_else(|| Value::Unknown(name.into()));
        }
        let candidates = self
            .scope
            .template
            .parameters
            .keys()
            .chain(self.scope.template.resources.keys())
            .map(String::as_str)
            .chain(PSEUDO_PARAMETERS.iter().copied());
        let mut d = Diagnostic::error(
            span,
            format!("`{name}` is not a parameter, resource or pseudo parameter"),
        );
        if let Some(best) = closest(name, candidates) {
            d = d.with_note(format!("did you mean `{best}`?"));
        }
        self.errors.push(d);
        Value::Null
    }

    fn note_resource(&mut self, name: &str, attribute: Option<&str>, kind: RefKind, span: Span) {
        if let Some(condition) = self.scope.excluded.get(name) {
            self.errors.push(Diagnostic::error(
                span,
                format!("`{name}` is not created (its condition `{condition}` is false) but is referenced here"),
            ).with_note("guard the reference with `Fn::If` on the same condition"));
        }
        self.references.push(Reference {
            target: name.to_string(),
            attribute: attribute.map(str::to_string),
            kind,
            span,
        });
    }

    fn get_att(&mut self, arg: &Node) -> Value {
        let (resource, attribute) = match &arg.kind {
            Kind::String(s) => match s.split_once('.') {
                Some((r, a)) => (r.to_string(), a.to_string()),
                None => {
                    self.error(
                        arg.span,
                        format!("`Fn::GetAtt` needs `Resource.Attribute`, found `{s}`"),
                    );
                    return Value::Null;
                }
            },
            Kind::Seq(items) if items.len() == 2 => {
                let Some(r) = items[0].as_str() else {
                    self.error(items[0].span, "`Fn::GetAtt` needs a resource name first");
                    return Value::Null;
                };
                match self.text(&items[1], "Fn::GetAtt") {
                    Text::Known(a) => (r.to_string(), a),
                    _ => return Value::Unknown(format!("{r}.?")),
                }
            }
            _ => {
                self.error(
                    arg.span,
                    "`Fn::GetAtt` takes `Resource.Attribute` or [Resource, Attribute]",
                );
                return Value::Null;
            }
        };
        self.attribute(&resource, &attribute, arg.span, RefKind::GetAtt)
    }

    fn attribute(&mut self, resource: &str, attribute: &str, span: Span, kind: RefKind) -> Value {
        let template = self.scope.template;
        let Some(r) = template.resources.get(resource) else {
            let mut d = Diagnostic::error(
                span,
                format!("`{resource}` is not a resource of this template"),
            );
            if let Some(best) = closest(resource, template.resources.keys().map(String::as_str)) {
                d = d.with_note(format!("did you mean `{best}`?"));
            }
            self.errors.push(d);
            return Value::Null;
        };
        if (self.scope.has_attribute)(&r.type_name.value, attribute) == Some(false) {
            let known = crate::schema::attributes(&r.type_name.value);
            let mut d = Diagnostic::error(
                span,
                format!(
                    "`{}` has no attribute `{attribute}` (resource `{resource}`)",
                    r.type_name.value
                ),
            );
            if let Some(best) = closest(attribute, known.iter().copied()) {
                d = d.with_note(format!("did you mean `{best}`?"));
            }
            self.errors.push(d.with_note(format!(
                "attributes of {}: {}",
                r.type_name.value,
                known.join(", ")
            )));
            return Value::Null;
        }
        self.note_resource(resource, Some(attribute), kind, span);
        self.scope
            .lookup
            .attribute(&self.scope.pseudo.stack_name, resource, attribute)
            .unwrap_or_else(|| Value::Unknown(format!("{resource}.{attribute}")))
    }

    fn sub(&mut self, arg: &Node) -> Value {
        let (format_node, vars) = match &arg.kind {
            Kind::Seq(items) if items.len() == 2 => {
                let Some(vars) = items[1].as_map() else {
                    self.error(
                        items[1].span,
                        "the second argument of `Fn::Sub` must be a mapping of variables",
                    );
                    return Value::Null;
                };
                let mut values = HashMap::new();
                for (k, v) in vars {
                    if let Some(value) = self.eval(v) {
                        values.insert(k.name.clone(), value);
                    }
                }
                (&items[0], values)
            }
            Kind::String(_) | Kind::Number(_) => (arg, HashMap::new()),
            _ => {
                self.error(
                    arg.span,
                    "`Fn::Sub` takes a string or [string, {variables}]",
                );
                return Value::Null;
            }
        };
        let Some(format) = format_node.as_str() else {
            self.error(format_node.span, "the format of `Fn::Sub` must be a string");
            return Value::Null;
        };
        let mut out = String::new();
        let mut unknown = None;
        for piece in parse_sub(format) {
            match piece {
                SubPiece::Text(t) => out.push_str(t),
                SubPiece::Var(name) => {
                    let value = match vars.get(name) {
                        Some(v) => v.clone(),
                        None => match name.split_once('.') {
                            Some((r, a)) if !name.starts_with("AWS::") => {
                                self.attribute(r, a, format_node.span, RefKind::Sub)
                            }
                            _ => self.named_value(name, format_node.span, RefKind::Sub),
                        },
                    };
                    match value {
                        Value::Unknown(u) => unknown = Some(u),
                        v => match v.to_text() {
                            Some(t) => out.push_str(&t),
                            None if v == Value::Null => {}
                            None => self.error(
                                format_node.span,
                                format!(
                                    "`${{{name}}}` in `Fn::Sub` is {}, not a string",
                                    v.describe()
                                ),
                            ),
                        },
                    }
                }
            }
        }
        match unknown {
            Some(u) => Value::Unknown(u),
            None => Value::String(out),
        }
    }

    fn list(&mut self, node: &Node, what: &str) -> Result<Vec<Value>, Option<String>> {
        match self.eval(node) {
            Some(Value::List(items)) => Ok(items),
            Some(Value::Unknown(u)) => Err(Some(u)),
            Some(other) => {
                self.error(
                    node.span,
                    format!("{what} expects a list here, found {}", other.describe()),
                );
                Err(None)
            }
            None => Ok(Vec::new()),
        }
    }

    fn join(&mut self, arg: &Node) -> Value {
        let Some(args) = self.args(arg, "`Fn::Join`", 2) else {
            return Value::Null;
        };
        let delimiter = match self.text(&args[0], "Fn::Join") {
            Text::Known(d) => d,
            Text::Unknown(u) => return Value::Unknown(u),
            Text::Invalid => return Value::Null,
        };
        let items = match self.list(&args[1], "`Fn::Join`") {
            Ok(items) => items,
            Err(Some(u)) => return Value::Unknown(u),
            Err(None) => return Value::Null,
        };
        let mut parts = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::Unknown(u) => return Value::Unknown(u),
                v => match v.to_text() {
                    Some(t) => parts.push(t),
                    None => {
                        self.error(
                            args[1].span,
                            format!("`Fn::Join` can only join strings, found {}", v.describe()),
                        );
                        return Value::Null;
                    }
                },
            }
        }
        Value::String(parts.join(&delimiter))
    }

    fn select(&mut self, arg: &Node) -> Value {
        let Some(args) = self.args(arg, "`Fn::Select`", 2) else {
            return Value::Null;
        };
        let index = match self.text(&args[0], "Fn::Select") {
            Text::Known(i) => match i.trim().parse::<usize>() {
                Ok(i) => i,
                Err(_) => {
                    self.error(
                        args[0].span,
                        format!("`Fn::Select` index must be a non-negative integer, found `{i}`"),
                    );
                    return Value::Null;
                }
            },
            Text::Unknown(u) => return Value::Unknown(u),
            Text::Invalid => return Value::Null,
        };
        match self.list(&args[1], "`Fn::Select`") {
            Ok(items) => match items.into_iter().nth(index) {
                Some(v) => v,
                None => {
                    self.error(
                        args[0].span,
                        format!("`Fn::Select` index {index} is out of range"),
                    );
                    Value::Null
                }
            },
            Err(Some(u)) => Value::Unknown(u),
            Err(None) => Value::Null,
        }
    }

    fn split(&mut self, arg: &Node) -> Value {
        let Some(args) = self.args(arg, "`Fn::Split`", 2) else {
            return Value::Null;
        };
        let delimiter = self.text(&args[0], "Fn::Split");
        let source = self.text(&args[1], "Fn::Split");
        match (delimiter, source) {
            (Text::Known(d), Text::Known(s)) if !d.is_empty() => Value::List(
                s.split(d.as_str())
                    .map(|p| Value::String(p.to_string()))
                    .collect(),
            ),
            (Text::Known(_), Text::Known(_)) => {
                self.error(args[0].span, "`Fn::Split` needs a non-empty delimiter");
                Value::Null
            }
            (Text::Unknown(u), _) | (_, Text::Unknown(u)) => Value::Unknown(u),
            _ => Value::Null,
        }
    }

    fn get_azs(&mut self, arg: &Node) -> Value {
        let region = match self.text(arg, "Fn::GetAZs") {
            Text::Known(r) => r,
            Text::Unknown(u) => return Value::Unknown(u),
            Text::Invalid => return Value::Null,
        };
        if !region.is_empty() && region != self.scope.pseudo.region {
            self.error(
                arg.span,
                format!("`Fn::GetAZs` of another region (`{region}`) is not supported"),
            );
            return Value::Null;
        }
        match &self.scope.pseudo.availability_zones {
            Some(zones) => Value::List(zones.iter().cloned().map(Value::String).collect()),
            None => Value::Unknown("Fn::GetAZs".into()),
        }
    }

    fn if_(&mut self, arg: &Node) -> Option<Value> {
        let Some(args) = self.args(arg, "`Fn::If`", 3) else {
            return Some(Value::Null);
        };
        let Some(name) = args[0].as_str() else {
            self.error(
                args[0].span,
                "the first argument of `Fn::If` must be a condition name",
            );
            return Some(Value::Null);
        };
        match self.condition(name, args[0].span) {
            Some(true) => self.eval(&args[1]),
            Some(false) => self.eval(&args[2]),
            None => {
                // Undecided (validate without AWS): check both branches, the value waits.
                let a = self.eval(&args[1]);
                let b = self.eval(&args[2]);
                if a == b {
                    a
                } else {
                    Some(Value::Unknown(format!("condition {name}")))
                }
            }
        }
    }

    fn condition(&mut self, name: &str, span: Span) -> Option<bool> {
        match self.scope.conditions.get(name) {
            Some(value) => *value,
            None => {
                let mut d = Diagnostic::error(
                    span,
                    format!("`{name}` is not a condition of this template"),
                );
                if let Some(best) = closest(name, self.scope.conditions.keys().map(String::as_str))
                {
                    d = d.with_note(format!("did you mean `{best}`?"));
                }
                self.errors.push(d);
                None
            }
        }
    }

    /// `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` and `{Condition: Name}`.
    pub fn condition_function(&mut self, name: &str, arg: &Node) -> Option<bool> {
        match name {
            "Fn::Equals" => {
                let args = self.args(arg, "`Fn::Equals`", 2)?;
                let a = self.eval(&args[0]).unwrap_or(Value::Null);
                let b = self.eval(&args[1]).unwrap_or(Value::Null);
                if !a.is_known() || !b.is_known() {
                    return None;
                }
                Some(match (a.to_text(), b.to_text()) {
                    (Some(x), Some(y)) => x == y,
                    _ => a == b,
                })
            }
            "Fn::Not" => {
                let inner = self.args(arg, "`Fn::Not`", 1)?.first()?;
                Some(!self.condition_arg(inner)?)
            }
            "Fn::And" | "Fn::Or" => {
                let items = match arg.as_seq() {
                    Some(items) if (2..=10).contains(&items.len()) => items,
                    _ => {
                        self.error(
                            arg.span,
                            format!("`{name}` takes a list of 2 to 10 conditions"),
                        );
                        return None;
                    }
                };
                let values: Vec<Option<bool>> =
                    items.iter().map(|i| self.condition_arg(i)).collect();
                let is_and = name == "Fn::And";
                if values.contains(&Some(!is_and)) {
                    return Some(!is_and);
                }
                if values.iter().all(Option::is_some) {
                    Some(is_and)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// An argument of a condition function: another condition function or `{Condition: Name}`.
    pub fn condition_arg(&mut self, node: &Node) -> Option<bool> {
        if let Some((key, arg)) = node.single_entry() {
            if key.name == "Condition" {
                let name = arg.as_str().unwrap_or_default().to_string();
                return self.condition(&name, arg.span);
            }
            if matches!(
                key.name.as_str(),
                "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not"
            ) {
                return self.condition_function(&key.name, arg);
            }
        }
        match node.kind {
            Kind::Bool(b) => Some(b),
            _ => {
                self.error(
                    node.span,
                    "expected a condition: `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` or `Condition: Name`",
                );
                None
            }
        }
    }

    fn find_in_map(&mut self, arg: &Node) -> Value {
        let Some(args) = self.args(arg, "`Fn::FindInMap`", 3) else {
            return Value::Null;
        };
        let mut keys = Vec::with_capacity(3);
        for a in args {
            match self.text(a, "Fn::FindInMap") {
                Text::Known(k) => keys.push(k),
                Text::Unknown(u) => return Value::Unknown(u),
                Text::Invalid => return Value::Null,
            }
        }
        let mappings = &self.scope.template.mappings;
        let Some(map) = mappings.get(&keys[0]) else {
            let mut d = Diagnostic::error(
                args[0].span,
                format!("`{}` is not a mapping of this template", keys[0]),
            );
            if let Some(best) = closest(&keys[0], mappings.keys().map(String::as_str)) {
                d = d.with_note(format!("did you mean `{best}`?"));
            }
            self.errors.push(d);
            return Value::Null;
        };
        let Some(second) = map.get(&keys[1]) else {
            self.error(
                args[1].span,
                format!("mapping `{}` has no key `{}`", keys[0], keys[1]),
            );
            return Value::Null;
        };
        match second.get(&keys[2]) {
            Some(value) => self.eval(value).unwrap_or(Value::Null),
            None => {
                self.error(
                    args[2].span,
                    format!("mapping `{}.{}` has no key `{}`", keys[0], keys[1], keys[2]),
                );
                Value::Null
            }
        }
    }

    fn import_value(&mut self, arg: &Node) -> Value {
        match self.text(arg, "Fn::ImportValue") {
            Text::Known(name) => {
                self.references.push(Reference {
                    target: name.clone(),
                    attribute: None,
                    kind: RefKind::ImportValue,
                    span: arg.span,
                });
                self.scope
                    .lookup
                    .export(&name)
                    .unwrap_or_else(|| Value::Unknown(format!("import {name}")))
            }
            Text::Unknown(u) => Value::Unknown(u),
            Text::Invalid => Value::Null,
        }
    }
}

enum Text {
    Known(String),
    Unknown(String),
    Invalid,
}

#[derive(Debug, PartialEq)]
pub enum SubPiece<'s> {
    Text(&'s str),
    Var(&'s str),
}

/// Splits a `Fn::Sub` format into text and `${Var}`s; `${!Literal}` is the text `${Literal}`.
pub fn parse_sub(format: &str) -> Vec<SubPiece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 2..start + len];
        if start > 0 {
            pieces.push(SubPiece::Text(&rest[..start]));
        }
        if let Some(literal) = inner.strip_prefix('!') {
            pieces.push(SubPiece::Text("${"));
            pieces.push(SubPiece::Text(literal));
            pieces.push(SubPiece::Text("}"));
        } else {
            pieces.push(SubPiece::Var(inner.trim()));
        }
        rest = &rest[start + len + 1..];
    }
    if !rest.is_empty() {
        pieces.push(SubPiece::Text(rest));
    }
    pieces
}

/// Standard base64 with padding (what `Fn::Base64` produces).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_pieces_handle_literals_and_attributes() {
        assert_eq!(
            parse_sub("arn:${AWS::Partition}:s3:::${Bucket}/*${!Literal}${DB.Endpoint.Address}"),
            vec![
                SubPiece::Text("arn:"),
                SubPiece::Var("AWS::Partition"),
                SubPiece::Text(":s3:::"),
                SubPiece::Var("Bucket"),
                SubPiece::Text("/*"),
                SubPiece::Text("${"),
                SubPiece::Text("Literal"),
                SubPiece::Text("}"),
                SubPiece::Var("DB.Endpoint.Address"),
            ]
        );
        assert_eq!(parse_sub("no vars"), vec![SubPiece::Text("no vars")]);
        assert_eq!(parse_sub("open ${"), vec![SubPiece::Text("open ${")]);
    }

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
