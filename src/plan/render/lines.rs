//! The lines of a rendered plan: each one indented, marked (`+`, `-`, `~` or none) and never
//! wider than [`WIDTH`] (longer ones are wrapped, the rest indented under their start).

use serde_json::Value;

/// No rendered line is wider than this (in characters).
pub const WIDTH: usize = 160;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Add,
    Remove,
    Change,
    /// A comment or context line (`# 3 unchanged elements hidden`).
    None,
}

impl Mark {
    fn sign(self) -> char {
        match self {
            Mark::Add => '+',
            Mark::Remove => '-',
            Mark::Change => '~',
            Mark::None => ' ',
        }
    }
}

#[derive(Debug, Default)]
pub struct Lines(pub Vec<String>);

impl Lines {
    /// `indent` spaces, the mark, a space, `text`.
    pub fn push(&mut self, indent: usize, mark: Mark, text: &str) {
        self.raw(format!("{}{} {text}", " ".repeat(indent), mark.sign()));
    }

    /// A line as it is (headings), wrapped if too wide.
    pub fn raw(&mut self, line: String) {
        wrap(&line, &mut self.0);
    }

    /// `# N unchanged <what>s hidden`, when `n` is not zero.
    pub fn hidden(&mut self, indent: usize, n: usize, what: &str) {
        if n > 0 {
            let plural = if n == 1 { "" } else { "s" };
            self.push(
                indent,
                Mark::None,
                &format!("# {n} unchanged {what}{plural} hidden"),
            );
        }
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        for line in &self.0 {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Splits a line over [`WIDTH`] characters into pieces, continued 4 columns right of its indent.
fn wrap(line: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= WIDTH {
        out.push(line.to_string());
        return;
    }
    let indent = chars.iter().take_while(|c| **c == ' ').count() + 4;
    let indent = indent.min(WIDTH / 2);
    out.push(chars[..WIDTH].iter().collect());
    let room = WIDTH - indent;
    for piece in chars[WIDTH..].chunks(room) {
        out.push(format!(
            "{}{}",
            " ".repeat(indent),
            piece.iter().collect::<String>()
        ));
    }
}

/// A scalar as one line: strings quoted (JSON escapes), the plan's markers as they are.
pub fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) if s == crate::plan::UNKNOWN || s == crate::plan::SENSITIVE => s.clone(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(o) if o.is_empty() => "{}".into(),
        other => other.to_string(),
    }
}

/// Whether `v` prints on one line.
pub fn is_scalar(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::String(s) => !s.contains('\n'),
        _ => true,
    }
}

/// A JSON document given as a string (an IAM policy, a state machine) parsed, so it is shown
/// and diffed as the map it is; any other value as it is.
pub fn parsed(v: &Value) -> std::borrow::Cow<'_, Value> {
    if let Value::String(s) = v {
        let t = s.trim_start();
        if t.starts_with('{') || t.starts_with('[') {
            if let Ok(doc @ (Value::Object(_) | Value::Array(_))) = serde_json::from_str(s) {
                return std::borrow::Cow::Owned(doc);
            }
        }
    }
    std::borrow::Cow::Borrowed(v)
}

/// `v` in full, YAML-like, every line marked `mark`: `head` is the first line's label
/// (`Key:` or `-`), the value's lines follow 4 columns (list items 2) to the right.
pub fn full(out: &mut Lines, indent: usize, mark: Mark, head: &str, v: &Value, note: &str) {
    let v = parsed(v);
    let mut body = Vec::new();
    yaml(&v, 0, &mut body);
    let join = |label: &str, text: &str| {
        if label.is_empty() {
            text.to_string()
        } else {
            format!("{label} {text}")
        }
    };
    match (&*v, body.as_slice()) {
        (v, _) if is_scalar(v) => {
            out.push(indent, mark, &format!("{}{note}", join(head, &scalar(v))))
        }
        // A list item that is a map: its first key on the `-` line, as YAML writes it.
        (Value::Object(_), [(0, first), rest @ ..]) if head == "-" => {
            out.push(indent, mark, &format!("- {first}{note}"));
            for (depth, text) in rest {
                out.push(indent, mark, &format!("  {}{text}", " ".repeat(*depth)));
            }
        }
        _ => {
            out.push(indent, mark, &format!("{head}{note}"));
            for (depth, text) in body {
                out.push(indent, mark, &format!("    {}{text}", " ".repeat(depth)));
            }
        }
    }
}

/// `v` as YAML-like lines `(depth, text)`; map values 4 columns right, list items 2.
fn yaml(v: &Value, depth: usize, out: &mut Vec<(usize, String)>) {
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let v = parsed(v);
                if is_scalar(&v) {
                    out.push((depth, format!("{k}: {}", scalar(&v))));
                } else {
                    out.push((depth, format!("{k}:")));
                    yaml(&v, depth + 4, out);
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                let item = parsed(item);
                if is_scalar(&item) {
                    out.push((depth, format!("- {}", scalar(&item))));
                    continue;
                }
                let mut inner = Vec::new();
                yaml(&item, depth + 2, &mut inner);
                let mut inner = inner.into_iter();
                if let (Value::Object(_), Some((_, first))) = (&*item, inner.next()) {
                    out.push((depth, format!("- {first}")));
                } else {
                    out.push((depth, "-".into()));
                }
                out.extend(inner);
            }
        }
        Value::String(s) if s.contains('\n') => {
            for line in s.lines() {
                out.push((depth, line.to_string()));
            }
        }
        other => out.push((depth, scalar(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_line_too_wide_is_wrapped_under_its_indent() {
        let mut out = Lines::default();
        out.push(6, Mark::Add, &format!("Code: \"{}\"", "x".repeat(400)));
        assert!(out.0.len() > 2);
        assert!(out.0.iter().all(|l| l.chars().count() <= WIDTH), "{out:?}");
        assert!(out.0[1].starts_with(&" ".repeat(10)));
        let joined: String = out.0.iter().map(|l| l.trim_start()).collect();
        assert_eq!(joined.matches('x').count(), 400);
    }

    #[test]
    fn a_json_string_is_read_as_the_document_it_holds() {
        assert_eq!(
            *parsed(&json!("{\"Version\": \"2012\"}")),
            json!({"Version": "2012"})
        );
        assert_eq!(*parsed(&json!("{not json")), json!("{not json"));
        assert_eq!(*parsed(&json!("plain")), json!("plain"));
    }
}
