//! The fixture the intrinsics' test tables run against, and the loop that runs a table.
//!
//! One template (parameters, mappings, conditions, resources), its parameter values and decided
//! conditions, and what exists: `Bucket` is applied, `Logs` is not, `ProdOnly` is left out by
//! its false condition, and the export `dev-VpcId` is recorded. Offline is `validate`: no
//! account, no availability zones, nothing exists.

use super::{Evaluator, Lookup, NothingExists, Pseudo, Scope};
use crate::source::SourceMap;
use crate::template::model::{self, Template};
use crate::template::value::Value;
use crate::template::yaml;
use indexmap::IndexMap;
use std::collections::HashMap;

const TEMPLATE: &str = "Parameters:
  Env: {Type: String, Default: dev}
  Subnets: {Type: CommaDelimitedList, Default: 'subnet-a,subnet-b'}
  Count: {Type: Number, Default: 3}
Mappings:
  Sizes:
    dev: {Instance: t3.micro, Disk: 20}
    prod: {Instance: m5.large, Disk: 100}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Equals [!Ref Env, dev]
  Undecided: !Equals [!Ref AWS::AccountId, '1']
Resources:
  Bucket: {Type: AWS::S3::Bucket}
  Logs: {Type: AWS::Logs::LogGroup}
  ProdOnly: {Type: AWS::S3::Bucket, Condition: IsProd}
";

/// What one snippet should evaluate to.
pub enum Expect {
    /// This value, with no error.
    Is(Value),
    /// `AWS::NoValue`: the enclosing key or item disappears; no error.
    Gone,
    /// An error whose message or notes contain this text.
    Fails(&'static str),
}

pub use Expect::{Fails, Gone, Is};

pub fn s(text: &str) -> Value {
    Value::String(text.into())
}

pub fn n(number: &str) -> Value {
    Value::Number(number.into())
}

pub fn unknown(waits_for: &str) -> Value {
    Value::Unknown(waits_for.into())
}

pub fn strings(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

pub fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

struct Applied;

impl Lookup for Applied {
    fn physical_id(&self, stack: &str, logical_id: &str) -> Option<Value> {
        (stack == "app-dev" && logical_id == "Bucket").then(|| s("app-bucket"))
    }
    fn attribute(&self, stack: &str, logical_id: &str, attribute: &str) -> Option<Value> {
        (stack == "app-dev" && logical_id == "Bucket" && attribute == "Arn")
            .then(|| s("arn:aws:s3:::app-bucket"))
    }
    fn export(&self, name: &str) -> Option<Value> {
        (name == "dev-VpcId").then(|| s("vpc-123"))
    }
}

/// A snippet's value and the evaluator that made it (for its errors and references).
pub struct Outcome {
    pub value: Option<Value>,
    pub errors: Vec<String>,
    pub references: Vec<String>,
}

/// Evaluates one YAML snippet (short forms allowed) against the fixture.
pub fn evaluate(snippet: &str, offline: bool) -> Outcome {
    let template = parse_template(TEMPLATE);
    let node = parse_node(snippet);
    let mut pseudo = Pseudo::new("app-dev", "eu-west-1");
    if !offline {
        pseudo.account_id = Some("123456789012".into());
        pseudo.availability_zones = Some(vec!["eu-west-1a".into(), "eu-west-1b".into()]);
    }
    let parameters: IndexMap<String, Value> = [
        ("Env", s("dev")),
        ("Subnets", strings(&["subnet-a", "subnet-b"])),
        ("Count", n("3")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let conditions: IndexMap<String, Option<bool>> = [
        ("IsProd", Some(false)),
        ("IsDev", Some(true)),
        ("Undecided", None),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let excluded: HashMap<String, String> = [("ProdOnly".to_string(), "IsProd".to_string())]
        .into_iter()
        .collect();
    let lookup: &dyn Lookup = if offline { &NothingExists } else { &Applied };
    let mut evaluator = Evaluator::new(Scope {
        template: &template,
        pseudo: &pseudo,
        parameters: &parameters,
        conditions: &conditions,
        lookup,
        excluded: &excluded,
        has_attribute: &crate::schema::has_attribute,
    });
    let value = evaluator.eval(&node);
    Outcome {
        value,
        errors: evaluator
            .errors
            .iter()
            .map(|d| {
                std::iter::once(d.message.as_str())
                    .chain(d.notes.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect(),
        references: evaluator
            .references
            .iter()
            .map(|r| match &r.attribute {
                Some(a) => format!("{} {}.{a}", r.kind.label(), r.target),
                None => format!("{} {}", r.kind.label(), r.target),
            })
            .collect(),
    }
}

fn parse_template(text: &str) -> Template {
    let mut sources = SourceMap::new();
    let id = sources.add("t.yaml", text.to_string());
    let root = yaml::parse(id, sources.get(id)).expect("the fixture template parses");
    let mut errors = Vec::new();
    let template = model::read(id, &root, &mut errors).expect("the fixture template reads");
    assert!(errors.is_empty(), "{errors:?}");
    template
}

fn parse_node(snippet: &str) -> yaml::Node {
    let mut sources = SourceMap::new();
    let id = sources.add("snippet.yaml", snippet.to_string());
    yaml::parse(id, sources.get(id)).unwrap_or_else(|e| panic!("`{snippet}` parses: {e:?}"))
}

/// Runs a table: every snippet against the fixture (online), each compared with what it should
/// give. All mismatches are reported at once.
pub fn run(table: &[(&str, Expect)]) {
    run_with(table, false);
}

/// As [`run`], as `validate` evaluates: no account, no availability zones, nothing applied.
pub fn run_offline(table: &[(&str, Expect)]) {
    run_with(table, true);
}

fn run_with(table: &[(&str, Expect)], offline: bool) {
    let mut wrong = Vec::new();
    for (snippet, expect) in table {
        let got = evaluate(snippet, offline);
        let errors = &got.errors;
        let ok = match expect {
            Is(value) => errors.is_empty() && got.value.as_ref() == Some(value),
            Gone => errors.is_empty() && got.value.is_none(),
            Fails(text) => errors.iter().any(|e| e.contains(text)),
        };
        if !ok {
            let wanted = match expect {
                Is(value) => format!("{value:?}"),
                Gone => "AWS::NoValue".to_string(),
                Fails(text) => format!("an error containing {text:?}"),
            };
            wrong.push(format!(
                "`{snippet}`: wanted {wanted}, got {:?} with errors {errors:?}",
                got.value
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// Runs a table of the references snippets record (`Kind Target[.Attribute]`, in order).
pub fn run_references(table: &[(&str, &[&str])]) {
    let mut wrong = Vec::new();
    for (snippet, expected) in table {
        let got = evaluate(snippet, false);
        if got.references != *expected {
            wrong.push(format!(
                "`{snippet}`: wanted {expected:?}, got {:?}",
                got.references
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}
