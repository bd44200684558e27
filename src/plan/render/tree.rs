//! The structural diff of two values: maps and lists walked, only what differs printed, each
//! changed leaf marked (`+`, `-`, `~ old -> new`), unchanged siblings counted instead of shown.

use super::lines::{Lines, Mark, WIDTH, full, is_scalar, parsed, scalar};
use crate::resources::compare::equivalent;
use serde_json::{Map, Value};

/// What identifies an element of a list of maps, in the order tried: tags, inline policies,
/// policy statements, rules; a list whose elements all have one (distinct) is matched by it.
const IDENTITIES: &[&str] = &["Key", "PolicyName", "Sid", "Id"];

/// Lines for `head` going from `before` to `after` (`None`: absent on that side). `note` ends
/// the first line (`  # forces replacement`).
pub fn entry(
    out: &mut Lines,
    indent: usize,
    head: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    note: &str,
) {
    let (before, after) = match (before, after) {
        (None, None) => return,
        (None, Some(a)) => return full(out, indent, Mark::Add, head, a, note),
        (Some(b), None) => return full(out, indent, Mark::Remove, head, b, note),
        (Some(b), Some(a)) => (parsed(b), parsed(a)),
    };
    // One statement or one action is the list of it (as IAM reads it).
    let (before, after) = match (&*before, &*after) {
        (Value::Array(_), Value::Array(_)) => (before, after),
        (Value::Array(_), a) if !a.is_null() => (
            before,
            std::borrow::Cow::Owned(Value::Array(vec![a.clone()])),
        ),
        (b, Value::Array(_)) if !b.is_null() => (
            std::borrow::Cow::Owned(Value::Array(vec![b.clone()])),
            after,
        ),
        _ => (before, after),
    };
    match (&*before, &*after) {
        (Value::Object(b), Value::Object(a)) if !b.is_empty() && !a.is_empty() => {
            out.push(indent, Mark::Change, &format!("{head}{note}"));
            map(out, indent + 4, b, a, &[]);
        }
        (Value::Array(b), Value::Array(a)) if !b.is_empty() && !a.is_empty() => {
            out.push(indent, Mark::Change, &format!("{head}{note}"));
            list(out, indent + 4, b, a);
        }
        (Value::String(b), Value::String(a)) if b.contains('\n') || a.contains('\n') => {
            out.push(indent, Mark::Change, &format!("{head} |{note}"));
            text(out, indent + 4, b, a);
        }
        (b, a) if is_scalar(b) && is_scalar(a) => {
            let line = format!("{head} {} -> {}{note}", scalar(b), scalar(a));
            if indent + 2 + line.chars().count() <= WIDTH {
                out.push(indent, Mark::Change, &line);
            } else {
                out.push(indent, Mark::Change, &format!("{head}{note}"));
                out.push(indent + 4, Mark::Remove, &scalar(b));
                out.push(indent + 4, Mark::Add, &scalar(a));
            }
        }
        (b, a) => {
            full(out, indent, Mark::Remove, head, b, note);
            full(out, indent, Mark::Add, head, a, "");
        }
    }
}

/// The keys of two maps that differ (`skip`: keys already shown, an element's identity).
fn map(
    out: &mut Lines,
    indent: usize,
    b: &Map<String, Value>,
    a: &Map<String, Value>,
    skip: &[&str],
) {
    let mut hidden = 0;
    let keys = b.keys().chain(a.keys().filter(|k| !b.contains_key(*k)));
    for key in keys.filter(|k| !skip.contains(&k.as_str())) {
        match (b.get(key), a.get(key)) {
            (Some(x), Some(y)) if same(x, y) => hidden += 1,
            (x, y) => entry(out, indent, &format!("{key}:"), x, y, ""),
        }
    }
    out.hidden(indent, hidden, "key");
}

fn same(x: &Value, y: &Value) -> bool {
    equivalent(&parsed(x), &parsed(y))
}

/// The elements of two lists that differ: by identity when the elements have one, by value
/// for lists of scalars (order aside), else by position.
fn list(out: &mut Lines, indent: usize, b: &[Value], a: &[Value]) {
    if let Some(id) = identity(b, a) {
        return by_identity(out, indent, id, b, a);
    }
    if b.iter().chain(a).all(is_scalar) {
        let removed: Vec<&Value> = b.iter().filter(|x| !a.iter().any(|y| same(x, y))).collect();
        let added: Vec<&Value> = a.iter().filter(|y| !b.iter().any(|x| same(x, y))).collect();
        if !removed.is_empty() || !added.is_empty() {
            for x in &removed {
                out.push(indent, Mark::Remove, &format!("- {}", scalar(x)));
            }
            for y in &added {
                out.push(indent, Mark::Add, &format!("- {}", scalar(y)));
            }
            return out.hidden(indent, a.len() - added.len(), "element");
        }
    }
    let mut hidden = 0;
    for i in 0..b.len().max(a.len()) {
        match (b.get(i).map(|v| parsed(v)), a.get(i).map(|v| parsed(v))) {
            (Some(x), Some(y)) if same(&x, &y) => hidden += 1,
            (Some(x), Some(y)) => match (&*x, &*y) {
                (Value::Object(x), Value::Object(y)) => {
                    out.push(indent, Mark::Change, &format!("- # element {}", i + 1));
                    map(out, indent + 4, x, y, &[]);
                }
                _ => entry(out, indent, "-", Some(&x), Some(&y), ""),
            },
            (x, y) => entry(out, indent, "-", x.as_deref(), y.as_deref(), ""),
        }
    }
    out.hidden(indent, hidden, "element");
}

/// The identity key every element of both lists has, with distinct scalar values.
fn identity(b: &[Value], a: &[Value]) -> Option<&'static str> {
    IDENTITIES.iter().copied().find(|id| {
        [b, a].iter().all(|items| {
            let ids: Vec<&Value> = items.iter().filter_map(|v| v.get(*id)).collect();
            ids.len() == items.len()
                && ids.iter().all(|v| is_scalar(v))
                && ids.iter().enumerate().all(|(i, v)| !ids[..i].contains(v))
        })
    })
}

fn by_identity(out: &mut Lines, indent: usize, id: &str, b: &[Value], a: &[Value]) {
    let find =
        |items: &'_ [Value], key: &Value| items.iter().find(|v| v.get(id) == Some(key)).cloned();
    let mut hidden = 0;
    for x in b {
        if find(a, &x[id]).is_none() {
            full(out, indent, Mark::Remove, "-", x, "");
        }
    }
    for y in a {
        let head = format!("- {id}: {}", scalar(&y[id]));
        match find(b, &y[id]) {
            None => full(out, indent, Mark::Add, "-", y, ""),
            Some(x) if same(&x, y) => hidden += 1,
            Some(x) => {
                out.push(indent, Mark::Change, &head);
                let (Some(x), Some(y)) = (x.as_object(), y.as_object()) else {
                    continue;
                };
                map(out, indent + 4, x, y, &[id]);
            }
        }
    }
    out.hidden(indent, hidden, "element");
}

/// Two texts line by line: the removed and added lines, the unchanged runs counted.
fn text(out: &mut Lines, indent: usize, b: &str, a: &str) {
    let (b, a): (Vec<&str>, Vec<&str>) = (b.lines().collect(), a.lines().collect());
    // Longest common subsequence, filled from the end so the walk below goes forward.
    let mut lcs = vec![vec![0usize; a.len() + 1]; b.len() + 1];
    for i in (0..b.len()).rev() {
        for j in (0..a.len()).rev() {
            lcs[i][j] = if b[i] == a[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut same_run) = (0, 0, 0);
    while i < b.len() || j < a.len() {
        if i < b.len() && j < a.len() && b[i] == a[j] {
            same_run += 1;
            i += 1;
            j += 1;
            continue;
        }
        out.hidden(indent, same_run, "line");
        same_run = 0;
        // Removed lines before the added ones that replace them.
        if i < b.len() && (j == a.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(indent, Mark::Remove, b[i]);
            i += 1;
        } else {
            out.push(indent, Mark::Add, a[j]);
            j += 1;
        }
    }
    out.hidden(indent, same_run, "line");
}
