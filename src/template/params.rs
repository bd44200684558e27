//! Parameter values: given (project file, `--parameter`) or defaulted, then checked against the
//! parameter's type and constraints. A `NoEcho` value is never repeated in a message.

use super::eval::Lookup;
use super::model::{Parameter, ParameterType, Template};
use super::value::Value;
use super::yaml::Kind;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use indexmap::IndexMap;

/// A value given for a parameter, and where it was given (a project file line, or none for
/// a command-line flag).
#[derive(Debug, Clone)]
pub struct Given {
    pub value: String,
    pub span: Option<Span>,
}

/// Resolves every parameter of `template`. With `strict`, a given value for a parameter the
/// template does not declare is an error (template mode); project environments share one set of
/// parameters across stacks, so there it is not. An `AWS::SSM::Parameter::Value<...>` parameter's
/// value is the named Systems Manager parameter's, from `lookup` (unknown until the plan has
/// fetched it).
pub fn resolve(
    template: &Template,
    given: &IndexMap<String, Given>,
    strict: bool,
    lookup: &dyn Lookup,
    errors: &mut Vec<Diagnostic>,
) -> IndexMap<String, Value> {
    if strict {
        for name in given
            .keys()
            .filter(|n| !template.parameters.contains_key(*n))
        {
            let declared: Vec<&str> = template.parameters.keys().map(String::as_str).collect();
            let mut d = Diagnostic::without_span(format!("the template has no parameter `{name}`"));
            if let Some(best) = crate::suggest::closest(name, declared.iter().copied()) {
                d = d.with_note(format!("did you mean `{best}`?"));
            }
            errors.push(d.with_note(format!("its parameters: {}", declared.join(", "))));
        }
    }
    let mut values = IndexMap::new();
    for (name, p) in &template.parameters {
        let (text, span) = match given.get(name) {
            Some(g) => (g.value.clone(), g.span.unwrap_or(p.span)),
            None => {
                match &p.default {
                    Some(default) => match default_text(default) {
                        Some(text) => (text, default.span),
                        None => {
                            errors.push(Diagnostic::error(
                            default.span,
                            format!("the default of parameter `{name}` must be a string, number or list"),
                        ));
                            continue;
                        }
                    },
                    None => {
                        errors.push(
                        Diagnostic::error(p.span, format!("parameter `{name}` has no value and no default"))
                            .with_note(format!("give it with `--parameter {name}=VALUE` or in the environment's `parameters`")),
                    );
                        values.insert(name.clone(), Value::Unknown(format!("parameter {name}")));
                        continue;
                    }
                }
            }
        };
        if let Err(problem) = check(p, &text) {
            errors.push(Diagnostic::error(
                span,
                format!("parameter `{name}`: {problem}"),
            ));
            // Keep going with a placeholder so its uses are not reported as unknown names too.
            values.insert(name.clone(), Value::Unknown(format!("parameter {name}")));
            continue;
        }
        let value = match p.kind {
            ParameterType::SsmValue { list } => ssm_value(lookup, &text, list),
            kind => to_value(kind, &text),
        };
        values.insert(name.clone(), value);
    }
    values
}

/// The value of the Systems Manager parameter `name`, split into a list for list types.
fn ssm_value(lookup: &dyn Lookup, name: &str, list: bool) -> Value {
    let kind = match list {
        true => ParameterType::CommaDelimitedList,
        false => ParameterType::String,
    };
    match lookup.ssm_parameter(name) {
        Some(value) => to_value(kind, &value),
        None => Value::Unknown(format!("SSM parameter {name}")),
    }
}

/// The Systems Manager parameters the template's `AWS::SSM::Parameter::Value<...>` parameters
/// name (given, else defaulted), for the plan to fetch.
pub fn ssm_parameter_names(template: &Template, given: &IndexMap<String, Given>) -> Vec<String> {
    let mut names: Vec<String> = template
        .parameters
        .values()
        .filter(|p| matches!(p.kind, ParameterType::SsmValue { .. }))
        .filter_map(|p| match given.get(&p.name) {
            Some(g) => Some(g.value.clone()),
            None => p.default.as_ref().and_then(default_text),
        })
        .filter(|name| !name.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn default_text(node: &super::yaml::Node) -> Option<String> {
    match &node.kind {
        Kind::Seq(items) => items
            .iter()
            .map(|i| i.scalar_text())
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(",")),
        Kind::Null => Some(String::new()),
        _ => node.scalar_text(),
    }
}

fn to_value(kind: ParameterType, text: &str) -> Value {
    match kind {
        ParameterType::Number => Value::Number(text.trim().to_string()),
        k if k.is_list() => {
            if text.is_empty() {
                Value::List(Vec::new())
            } else {
                Value::List(
                    text.split(',')
                        .map(|s| Value::String(s.trim().to_string()))
                        .collect(),
                )
            }
        }
        _ => Value::String(text.to_string()),
    }
}

/// Checks a value against the parameter's type and constraints.
fn check(p: &Parameter, text: &str) -> Result<(), String> {
    let shown = |v: &str| {
        if p.no_echo {
            "the value (NoEcho, not shown)".to_string()
        } else {
            format!("`{v}`")
        }
    };
    let hint = p
        .constraint_description
        .as_deref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    let items: Vec<&str> = if p.kind.is_list() {
        text.split(',').map(str::trim).collect()
    } else {
        vec![text]
    };
    for item in items {
        if matches!(p.kind, ParameterType::Number | ParameterType::NumberList) {
            let Ok(n) = item.trim().parse::<f64>() else {
                return Err(format!("{} is not a number", shown(item)));
            };
            if let Some(min) = p.min_value.filter(|min| n < *min) {
                return Err(format!("{} is less than MinValue {min}{hint}", shown(item)));
            }
            if let Some(max) = p.max_value.filter(|max| n > *max) {
                return Err(format!(
                    "{} is greater than MaxValue {max}{hint}",
                    shown(item)
                ));
            }
        }
        let allowed = |v: &str| p.allowed_values.iter().any(|a| a.value == v);
        if !p.allowed_values.is_empty() && !allowed(item) && !allowed(text) {
            let allowed: Vec<&str> = p.allowed_values.iter().map(|a| a.value.as_str()).collect();
            return Err(format!(
                "{} is not one of the AllowedValues: {}{hint}",
                shown(item),
                allowed.join(", ")
            ));
        }
    }
    let length = text.chars().count() as u64;
    if let Some(min) = p.min_length.filter(|min| length < *min) {
        return Err(format!(
            "{} is shorter than MinLength {min}{hint}",
            shown(text)
        ));
    }
    if let Some(max) = p.max_length.filter(|max| length > *max) {
        return Err(format!(
            "{} is longer than MaxLength {max}{hint}",
            shown(text)
        ));
    }
    if let Some(pattern) = &p.allowed_pattern {
        if let Ok(re) = regex::Regex::new(&format!("^(?:{})$", pattern.value)) {
            // A list's pattern applies to each of its items.
            let items: Vec<&str> = if p.kind.is_list() {
                text.split(',').map(str::trim).collect()
            } else {
                vec![text]
            };
            if let Some(bad) = items.into_iter().find(|i| !re.is_match(i)) {
                return Err(format!(
                    "{} does not match AllowedPattern `{}`{hint}",
                    shown(bad),
                    pattern.value
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;
    use crate::template::eval::NothingExists;
    use crate::template::{model, yaml};

    fn template(text: &str) -> Template {
        let mut map = SourceMap::new();
        let id = map.add("t.yaml", text.to_string());
        model::read(id, &yaml::parse(id, map.get(id)).unwrap(), &mut Vec::new()).unwrap()
    }

    fn given(pairs: &[(&str, &str)]) -> IndexMap<String, Given> {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    Given {
                        value: v.to_string(),
                        span: None,
                    },
                )
            })
            .collect()
    }

    const T: &str = "Parameters:
  Env: {Type: String, AllowedValues: [dev, prod], Default: dev}
  Size: {Type: Number, MinValue: 1, MaxValue: 10, Default: 5}
  Name: {Type: String, AllowedPattern: '[a-z]+', MinLength: 2}
  Secret: {Type: String, NoEcho: true, MinLength: 8}
  Azs: {Type: CommaDelimitedList, Default: 'a, b'}
Resources: {}
";

    #[test]
    fn defaults_and_given_values_are_typed() {
        let t = template(T);
        let mut errors = Vec::new();
        let v = resolve(
            &t,
            &given(&[("Name", "abc"), ("Secret", "longenough")]),
            true,
            &NothingExists,
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(v["Size"], Value::Number("5".into()));
        assert_eq!(
            v["Azs"],
            Value::List(vec![Value::String("a".into()), Value::String("b".into())])
        );
    }

    #[test]
    fn constraints_are_enforced_and_no_echo_is_not_shown() {
        let t = template(T);
        let mut errors = Vec::new();
        resolve(
            &t,
            &given(&[
                ("Env", "qa"),
                ("Size", "11"),
                ("Name", "A1"),
                ("Secret", "hunter2"),
                ("Nope", "x"),
            ]),
            true,
            &NothingExists,
            &mut errors,
        );
        let text: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
        assert_eq!(text.len(), 5, "{text:?}");
        assert!(text[0].contains("no parameter `Nope`"));
        assert!(text[1].contains("`qa` is not one of the AllowedValues: dev, prod"));
        assert!(text[2].contains("greater than MaxValue 10"));
        assert!(text[3].contains("does not match AllowedPattern"));
        assert!(text[4].contains("NoEcho, not shown") && !text[4].contains("hunter2"));
    }

    #[test]
    fn missing_value_is_reported_at_the_parameter() {
        let t = template("Parameters:\n  X: {Type: String}\nResources: {}\n");
        let mut errors = Vec::new();
        resolve(&t, &IndexMap::new(), true, &NothingExists, &mut errors);
        assert!(errors[0].message.contains("`X` has no value"));
    }

    /// The values the plan fetched: `/app/colour` and `/app/zones`.
    struct Fetched;

    impl crate::template::eval::Lookup for Fetched {
        fn physical_id(&self, _: &str, _: &str) -> Option<Value> {
            None
        }
        fn attribute(&self, _: &str, _: &str, _: &str) -> Option<Value> {
            None
        }
        fn export(&self, _: &str) -> Option<Value> {
            None
        }
        fn ssm_parameter(&self, name: &str) -> Option<String> {
            match name {
                "/app/colour" => Some("blue".into()),
                "/app/zones" => Some("a,b".into()),
                _ => None,
            }
        }
    }

    #[test]
    fn ssm_parameter_types_take_the_named_parameters_value_once_fetched() {
        let t = template(
            "Parameters:
  Colour: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /app/colour}
  Zones: {Type: 'AWS::SSM::Parameter::Value<List<String>>'}
  Image: {Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: /app/ami}
Resources: {}
",
        );
        let given = given(&[("Zones", "/app/zones")]);
        assert_eq!(
            ssm_parameter_names(&t, &given),
            vec!["/app/ami", "/app/colour", "/app/zones"]
        );
        let mut errors = Vec::new();
        let v = resolve(&t, &given, true, &Fetched, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(v["Colour"], Value::String("blue".into()));
        assert_eq!(
            v["Zones"],
            Value::List(vec![Value::String("a".into()), Value::String("b".into())])
        );
        // Not fetched yet (validate, or a plan before the fetch): known after the fetch.
        assert!(matches!(&v["Image"], Value::Unknown(why) if why.contains("/app/ami")));
        let before = resolve(&t, &given, true, &NothingExists, &mut errors);
        assert!(matches!(before["Colour"], Value::Unknown(_)));
    }
}
