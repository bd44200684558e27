//! The value constraints of the schemas (`enum`, `pattern`, lengths, ranges, item counts,
//! `uniqueItems`, `format`) checked on values known at validate time: literals, and `Ref`s to
//! parameters whose value is known (a default or a given value).

use super::types::Rules;
use crate::diagnostic::Diagnostic;
use crate::suggest::closest;
use crate::template::Value;
use crate::template::yaml::{Kind, Node};
use indexmap::IndexMap;
use regex::Regex;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

/// A value the checker can see, and where it came from.
pub enum Known<'a> {
    Scalar(std::borrow::Cow<'a, str>),
    List(Vec<String>),
}

/// The value of `node` when validate can know it: a scalar literal, a literal list of scalars,
/// or a `Ref` to a parameter with a known value (its name is returned too).
pub fn known<'a>(
    node: &'a Node,
    parameters: &'a IndexMap<String, Value>,
) -> Option<(Known<'a>, Option<&'a str>)> {
    match &node.kind {
        Kind::String(s) | Kind::Number(s) => Some((Known::Scalar(s.as_str().into()), None)),
        Kind::Bool(b) => Some((Known::Scalar(b.to_string().into()), None)),
        Kind::Seq(items) => {
            let texts = items.iter().map(canonical).collect::<Option<Vec<_>>>()?;
            Some((Known::List(texts), None))
        }
        Kind::Map(_) => {
            let (key, arg) = node.single_entry()?;
            if key.name != "Ref" {
                return None;
            }
            let name = arg.as_str()?;
            match parameters.get(name)? {
                Value::String(s) | Value::Number(s) => {
                    Some((Known::Scalar(s.as_str().into()), Some(name)))
                }
                Value::Bool(b) => Some((Known::Scalar(b.to_string().into()), Some(name))),
                Value::List(items) => {
                    let texts = items
                        .iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()?;
                    Some((Known::List(texts), Some(name)))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// A literal node as comparable text (for `uniqueItems`); `None` when it holds an intrinsic.
fn canonical(node: &Node) -> Option<String> {
    Some(match &node.kind {
        Kind::String(s) | Kind::Number(s) => format!("{s:?}"),
        Kind::Bool(b) => b.to_string(),
        Kind::Null => "null".into(),
        Kind::Seq(items) => format!(
            "[{}]",
            items
                .iter()
                .map(canonical)
                .collect::<Option<Vec<_>>>()?
                .join(",")
        ),
        Kind::Map(entries) => {
            if node.single_entry().is_some_and(|(k, _)| {
                k.name == "Ref" || k.name == "Condition" || k.name.starts_with("Fn::")
            }) {
                return None;
            }
            let mut parts = entries
                .iter()
                .map(|(k, v)| Some(format!("{:?}:{}", k.name, canonical(v)?)))
                .collect::<Option<Vec<_>>>()?;
            parts.sort();
            format!("{{{}}}", parts.join(","))
        }
    })
}

/// What went wrong with a known value, as (message tail, notes).
pub fn violations(rules: &Rules, value: &Known) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    match value {
        Known::Scalar(text) => scalar(rules, text, &mut found),
        Known::List(items) => {
            let n = items.len() as u64;
            if let Some(min) = rules.min_items.filter(|&m| n < m) {
                found.push((
                    format!("has {n} item(s); at least {min} are needed"),
                    vec![],
                ));
            }
            if let Some(max) = rules.max_items.filter(|&m| n > m) {
                found.push((format!("has {n} items; at most {max} are allowed"), vec![]));
            }
            if rules.unique_items {
                let mut seen = HashSet::new();
                if let Some(dup) = items.iter().find(|i| !seen.insert(i.as_str())) {
                    found.push((
                        format!("lists {dup} more than once; items must be unique"),
                        vec![],
                    ));
                }
            }
        }
    }
    if !rules.source.is_empty() && !found.is_empty() {
        for (_, notes) in &mut found {
            notes.push(format!("source of this rule: {}", rules.source));
        }
    }
    found
}

fn scalar(rules: &Rules, text: &str, found: &mut Vec<(String, Vec<String>)>) {
    if !rules.allowed.is_empty() && !allowed(rules, text) {
        let list = rules.allowed.join(", ");
        let mut notes = Vec::new();
        let numeric = text.trim().parse::<f64>().is_ok();
        if let Some(best) = closest(text, rules.allowed.iter().copied()).filter(|_| !numeric) {
            notes.push(format!("did you mean `{best}`?"));
        }
        let tail = if rules.allowed.len() <= 8 {
            format!("is `{text}`, which is not one of: {list}")
        } else {
            notes.push(format!("allowed values: {list}"));
            format!(
                "is `{text}`, which is not one of the {} allowed values",
                rules.allowed.len()
            )
        };
        found.push((tail, notes));
    }
    let length = text.chars().count() as u64;
    match (rules.min_length, rules.max_length) {
        (Some(min), Some(max)) if length < min || length > max => found.push((
            format!("is {length} characters long; it must be {min} to {max}"),
            vec![],
        )),
        (Some(min), None) if length < min => found.push((
            format!("is {length} characters long; it must be at least {min}"),
            vec![],
        )),
        (None, Some(max)) if length > max => found.push((
            format!("is {length} characters long; it must be at most {max}"),
            vec![],
        )),
        _ => {}
    }
    if let Ok(n) = text.trim().parse::<f64>() {
        let out_of_range =
            rules.minimum.is_some_and(|m| n < m) || rules.maximum.is_some_and(|m| n > m);
        if out_of_range {
            let range = match (rules.minimum, rules.maximum) {
                (Some(a), Some(b)) => format!("it must be between {a} and {b}"),
                (Some(a), None) => format!("it must be at least {a}"),
                (None, Some(b)) => format!("it must be at most {b}"),
                (None, None) => unreachable!(),
            };
            found.push((format!("is {text}, out of range: {range}"), vec![]));
        }
    }
    if let Some(pattern) = rules.pattern
        && matches_pattern(pattern, text) == Some(false)
    {
        found.push((
            format!("is `{text}`, which does not match the pattern `{pattern}`"),
            vec![],
        ));
    }
    if let Some(problem) = rules.format.and_then(|f| format_problem(f, text)) {
        found.push((format!("is `{text}`, {problem}"), vec![]));
    }
}

fn allowed(rules: &Rules, text: &str) -> bool {
    let number = text.trim().parse::<f64>().ok();
    rules.allowed.iter().any(|a| {
        a == &text
            || (rules.case_insensitive && a.eq_ignore_ascii_case(text))
            || number.is_some_and(|n| a.parse::<f64>().ok() == Some(n))
    })
}

thread_local! {
    /// Each pattern compiled once, keyed by its address in the static table.
    static COMPILED: RefCell<HashMap<usize, Option<Regex>>> = RefCell::new(HashMap::new());
}

/// Whether `text` matches; `None` when the `regex` crate cannot compile the pattern (ECMA-262
/// look-around, back-references or `\Z`): such a pattern is skipped rather than guessed at.
fn matches_pattern(pattern: &'static str, text: &str) -> Option<bool> {
    COMPILED.with(|cache| {
        let mut cache = cache.borrow_mut();
        let re = cache
            .entry(pattern.as_ptr() as usize)
            .or_insert_with(|| Regex::new(pattern).ok());
        re.as_ref().map(|re| re.is_match(text))
    })
}

fn format_problem(format: &str, text: &str) -> Option<String> {
    match format {
        "ipv4-network" => (!is_ipv4_cidr(text))
            .then(|| "which is not an IPv4 CIDR block (a.b.c.d/0-32)".to_string()),
        "ipv6-network" => (!is_ipv6_cidr(text))
            .then(|| "which is not an IPv6 CIDR block (address/0-128)".to_string()),
        // Other formats (`date-time`, `uri`, cfn-lint's resource-id formats) are not checked.
        _ => None,
    }
}

fn is_ipv4_cidr(text: &str) -> bool {
    let Some((addr, bits)) = text.split_once('/') else {
        return false;
    };
    addr.parse::<std::net::Ipv4Addr>().is_ok()
        && addr.split('.').count() == 4
        && bits.parse::<u8>().is_ok_and(|b| b <= 32)
}

fn is_ipv6_cidr(text: &str) -> bool {
    let Some((addr, bits)) = text.split_once('/') else {
        return false;
    };
    addr.parse::<std::net::Ipv6Addr>().is_ok() && bits.parse::<u8>().is_ok_and(|b| b <= 128)
}

/// The diagnostic for one violation at `node`.
pub fn diagnostic(
    node: &Node,
    path: &str,
    logical_id: &str,
    parameter: Option<&str>,
    (tail, notes): (String, Vec<String>),
) -> Diagnostic {
    let mut d = Diagnostic::error(
        node.span,
        format!("property `{path}` of `{logical_id}` {tail}"),
    );
    if let Some(p) = parameter {
        d = d.with_note(format!("the value comes from parameter `{p}`"));
    }
    for n in notes {
        d = d.with_note(n);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: Rules = Rules::NONE;

    fn tails(rules: &Rules, text: &str) -> Vec<String> {
        violations(rules, &Known::Scalar(text.into()))
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }

    #[test]
    fn each_constraint_refuses_and_accepts() {
        let cases: &[(Rules, &str, &str)] = &[
            (
                Rules {
                    allowed: &["Allow", "Deny"],
                    ..NONE
                },
                "Permit",
                "not one of: Allow, Deny",
            ),
            (
                Rules {
                    minimum: Some(128.0),
                    maximum: Some(10240.0),
                    ..NONE
                },
                "64",
                "between 128 and 10240",
            ),
            (
                Rules {
                    maximum: Some(900.0),
                    ..NONE
                },
                "901",
                "at most 900",
            ),
            (
                Rules {
                    min_length: Some(3),
                    max_length: Some(63),
                    ..NONE
                },
                "ab",
                "3 to 63",
            ),
            (
                Rules {
                    pattern: Some("^[a-z0-9.-]+$"),
                    ..NONE
                },
                "My_Bucket",
                "does not match",
            ),
            (
                Rules {
                    format: Some("ipv4-network"),
                    ..NONE
                },
                "10.0.0.0/33",
                "not an IPv4 CIDR",
            ),
            (
                Rules {
                    format: Some("ipv4-network"),
                    ..NONE
                },
                "10.0.0/16",
                "not an IPv4 CIDR",
            ),
            (
                Rules {
                    format: Some("ipv6-network"),
                    ..NONE
                },
                "2001:db8::/129",
                "not an IPv6 CIDR",
            ),
        ];
        for (rules, bad, expected) in cases {
            let found = tails(rules, bad);
            assert!(
                found.iter().any(|t| t.contains(expected)),
                "{bad}: {found:?}"
            );
        }
        for (rules, good) in [
            (
                Rules {
                    allowed: &["1", "3"],
                    ..NONE
                },
                "3.0",
            ),
            (
                Rules {
                    allowed: &["postgres"],
                    case_insensitive: true,
                    ..NONE
                },
                "Postgres",
            ),
            (
                Rules {
                    minimum: Some(128.0),
                    ..NONE
                },
                "128",
            ),
            (
                Rules {
                    format: Some("ipv4-network"),
                    ..NONE
                },
                "10.0.0.0/16",
            ),
            (
                Rules {
                    format: Some("ipv6-network"),
                    ..NONE
                },
                "2001:db8::/56",
            ),
            (
                Rules {
                    pattern: Some("^(?=x)"),
                    ..NONE
                },
                "anything",
            ),
        ] {
            assert!(tails(&rules, good).is_empty(), "{good}");
        }
    }

    #[test]
    fn lists_are_counted_and_deduplicated() {
        let rules = Rules {
            min_items: Some(1),
            max_items: Some(1),
            unique_items: true,
            ..NONE
        };
        let two = Known::List(vec!["\"a\"".into(), "\"a\"".into()]);
        let found: Vec<String> = violations(&rules, &two).into_iter().map(|v| v.0).collect();
        assert!(found.iter().any(|t| t.contains("at most 1")), "{found:?}");
        assert!(
            found.iter().any(|t| t.contains("more than once")),
            "{found:?}"
        );
        assert!(violations(&rules, &Known::List(vec![])).len() == 1);
    }

    #[test]
    fn a_near_miss_enum_gets_a_suggestion() {
        let rules = Rules {
            allowed: &["python3.12", "nodejs20.x"],
            ..NONE
        };
        let v = violations(&rules, &Known::Scalar("python3.21".into()));
        assert!(
            v[0].1.iter().any(|n| n == "did you mean `python3.12`?"),
            "{v:?}"
        );
    }
}
