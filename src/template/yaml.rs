//! YAML (and JSON, a subset of it) parsed into a tree that remembers where every node was
//! written, with CloudFormation's short-form tags (`!Ref`, `!Sub`, ...) turned into their long
//! form. Built on yaml-rust2's event parser: serde_yaml cannot report positions of values.

use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceFile, Span};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Deeper nesting than this is refused (no real template comes close; recursion stays bounded).
pub const MAX_DEPTH: usize = 128;
/// Alias expansion may not create more nodes than this (a "billion laughs" file is refused).
const MAX_ALIAS_NODES: usize = 1_000_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    /// A number, kept as written (`5.10` stays `5.10`, `0123` stays `0123`).
    Number(String),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

/// Short-form tags and the long form they stand for.
pub const SHORT_FORMS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("GetAtt", "Fn::GetAtt"),
    ("Sub", "Fn::Sub"),
    ("Join", "Fn::Join"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("GetAZs", "Fn::GetAZs"),
    ("If", "Fn::If"),
    ("Equals", "Fn::Equals"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("Not", "Fn::Not"),
    ("FindInMap", "Fn::FindInMap"),
    ("ImportValue", "Fn::ImportValue"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("Transform", "Fn::Transform"),
    ("Length", "Fn::Length"),
    ("ToJsonString", "Fn::ToJsonString"),
];

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) | Kind::Number(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The value of `key` when this node is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }

    /// The key and value of a single-entry mapping (the shape of every intrinsic function).
    pub fn single_entry(&self) -> Option<(&Key, &Node)> {
        match self.as_map()? {
            [(k, v)] => Some((k, v)),
            _ => None,
        }
    }

    /// The scalar as text, the way CloudFormation turns scalars into strings.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::String(s) | Kind::Number(s) => Some(s.clone()),
            Kind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// What kind of value this is, in words, for messages.
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::String(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// Parses one file. Returns the root node or every problem found (a YAML syntax error stops the
/// parse; tag, key and nesting problems are all collected).
pub fn parse(file_id: FileId, file: &SourceFile) -> Result<Node, Vec<Diagnostic>> {
    let mut builder = Builder {
        file_id,
        file,
        stack: Vec::new(),
        root: None,
        anchors: Vec::new(),
        alias_nodes: 0,
        errors: Vec::new(),
    };
    if let Err(e) = feed_first_document(&file.text, &mut builder) {
        let span = builder.point(e.marker());
        let message = format!("invalid YAML: {}", e.info());
        return Err(vec![Diagnostic::error(span, message)]);
    }
    if !builder.errors.is_empty() {
        return Err(builder.errors);
    }
    match builder.root {
        Some(root) => Ok(root),
        None => Err(vec![Diagnostic::error(
            Span::new(file_id, 0, 0),
            "the file is empty: expected a mapping",
        )]),
    }
}

/// What `Parser::load(.., false)` does, as a loop: yaml-rust2's `load` recurses once per level
/// of nesting, so ~3,000 levels of block-style YAML overflowed the stack before the builder's
/// depth limit could refuse them. Events of the first document go to `builder`.
fn feed_first_document<'a>(
    text: &str,
    builder: &mut Builder<'a>,
) -> Result<(), yaml_rust2::ScanError> {
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, mark) = parser.next_token()?;
        let last = matches!(event, Event::DocumentEnd | Event::StreamEnd);
        builder.on_event(event, mark);
        if last {
            return Ok(());
        }
    }
}

enum Frame {
    Seq {
        span: Span,
        tag: Option<String>,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        span: Span,
        tag: Option<String>,
        anchor: usize,
        entries: Vec<(Key, Node)>,
        key: Option<Key>,
        /// Key name → index in `entries`, so that the duplicate check stays linear in large
        /// mappings (`Resources` with 100,000 entries).
        seen: std::collections::HashMap<String, usize>,
    },
}

struct Builder<'a> {
    file_id: FileId,
    file: &'a SourceFile,
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: Vec<(usize, Node)>,
    alias_nodes: usize,
    errors: Vec<Diagnostic>,
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.root.is_some() || (self.errors.len() > 100) {
            return;
        }
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let start = self.offset(&mark);
                let quoted = !matches!(style, TScalarStyle::Plain);
                let end = start + text.len() + if quoted { 2 } else { 0 };
                let span = Span::new(self.file_id, start, end.min(self.file.text.len()));
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let kind = scalar_kind(text, quoted, tag.as_deref());
                self.finish(Node { span, kind }, tag, anchor);
            }
            Event::SequenceStart(anchor, tag) => {
                let span = self.point(&mark);
                if self.too_deep(span) {
                    return;
                }
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                self.stack.push(Frame::Seq {
                    span,
                    tag,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, tag) => {
                let span = self.point(&mark);
                if self.too_deep(span) {
                    return;
                }
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                self.stack.push(Frame::Map {
                    span,
                    tag,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                    seen: std::collections::HashMap::new(),
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    span,
                    tag,
                    anchor,
                    items,
                }) = self.stack.pop()
                {
                    self.finish(
                        Node {
                            span,
                            kind: Kind::Seq(items),
                        },
                        tag,
                        anchor,
                    );
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    mut span,
                    tag,
                    anchor,
                    entries,
                    ..
                }) = self.stack.pop()
                {
                    // A block mapping's start marker is not where it starts; its first key is.
                    if let Some((first, _)) = entries.first() {
                        span = first.span;
                    }
                    self.finish(
                        Node {
                            span,
                            kind: Kind::Map(entries),
                        },
                        tag,
                        anchor,
                    );
                }
            }
            Event::Alias(id) => {
                let span = self.point(&mark);
                match self.anchors.iter().rev().find(|(a, _)| *a == id) {
                    Some((_, node)) => {
                        let mut node = node.clone();
                        self.alias_nodes += count_nodes(&node);
                        if self.alias_nodes > MAX_ALIAS_NODES {
                            self.errors.push(Diagnostic::error(
                                span,
                                "YAML aliases expand to more than 1,000,000 nodes; refusing",
                            ));
                            self.alias_nodes = 0;
                            node = Node {
                                span,
                                kind: Kind::Null,
                            };
                        }
                        node.span = span;
                        self.add(node);
                    }
                    None => {
                        self.errors
                            .push(Diagnostic::error(span, "alias to an unknown anchor"));
                        self.add(Node {
                            span,
                            kind: Kind::Null,
                        });
                    }
                }
            }
            _ => {}
        }
    }
}

impl Builder<'_> {
    fn offset(&self, mark: &Marker) -> usize {
        // yaml-rust2 counts lines from 1 and columns (in characters) from 0.
        self.file
            .offset_of(mark.line().saturating_sub(1), mark.col())
    }

    fn point(&self, mark: &Marker) -> Span {
        let start = self.offset(mark);
        Span::new(self.file_id, start, start + 1)
    }

    fn too_deep(&mut self, span: Span) -> bool {
        if self.stack.len() < MAX_DEPTH {
            return false;
        }
        self.errors.push(Diagnostic::error(
            span,
            format!("nesting deeper than {MAX_DEPTH} levels is not supported"),
        ));
        self.root = Some(Node {
            span,
            kind: Kind::Null,
        });
        true
    }

    /// Applies the node's tag, remembers its anchor, and adds it to its parent.
    fn finish(&mut self, node: Node, tag: Option<String>, anchor: usize) {
        let node = match tag {
            Some(tag) => self.apply_tag(node, &tag),
            None => node,
        };
        if anchor != 0 {
            self.anchors.push((anchor, node.clone()));
        }
        self.add(node);
    }

    fn apply_tag(&mut self, node: Node, tag: &str) -> Node {
        if let Some(name) = tag.strip_prefix('!').filter(|n| !n.starts_with('!')) {
            if let Some((_, long)) = SHORT_FORMS.iter().find(|(short, _)| *short == name) {
                let key = Key {
                    name: (*long).to_string(),
                    span: node.span,
                };
                return Node {
                    span: node.span,
                    kind: Kind::Map(vec![(key, node)]),
                };
            }
            let known: Vec<String> = SHORT_FORMS.iter().map(|(s, _)| format!("!{s}")).collect();
            let mut d = Diagnostic::error(node.span, format!("unknown tag `{tag}`"));
            if let Some(best) = crate::suggest::closest(tag, known.iter().map(String::as_str)) {
                d = d.with_note(format!("did you mean `{best}`?"));
            }
            self.errors
                .push(d.with_note(format!("CloudFormation tags are {}", known.join(", "))));
            return node;
        }
        // Standard YAML tags (`!!str` and friends) have already shaped the scalar.
        node
    }

    fn add(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries, key, seen, ..
            }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => {
                    let name = match &node.kind {
                        Kind::String(s) | Kind::Number(s) => s.clone(),
                        Kind::Bool(b) => b.to_string(),
                        Kind::Null => String::new(),
                        _ => {
                            self.errors.push(Diagnostic::error(
                                node.span,
                                format!("a mapping key must be a string, not {}", node.describe()),
                            ));
                            String::new()
                        }
                    };
                    if let Some((first, _)) = seen.get(&name).and_then(|&i| entries.get(i)) {
                        let d = Diagnostic::error(node.span, format!("duplicate key `{name}`"))
                            .with_related(first.span, "first defined here");
                        self.errors.push(d);
                    }
                    seen.entry(name.clone()).or_insert(entries.len());
                    *key = Some(Key {
                        name,
                        span: node.span,
                    });
                }
            },
        }
    }
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.kind {
        Kind::Seq(items) => items.iter().map(count_nodes).sum(),
        Kind::Map(entries) => entries.iter().map(|(_, v)| count_nodes(v)).sum(),
        _ => 0,
    }
}

/// YAML 1.2 core-schema resolution of a scalar; quoted scalars and `!!str` stay strings.
fn scalar_kind(text: String, quoted: bool, tag: Option<&str>) -> Kind {
    match tag {
        Some("!!str") => return Kind::String(text),
        Some("!!int") | Some("!!float") => return Kind::Number(text),
        _ => {}
    }
    if quoted {
        return Kind::String(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        "true" | "True" | "TRUE" => Kind::Bool(true),
        "false" | "False" | "FALSE" => Kind::Bool(false),
        _ if is_number(&text) => Kind::Number(text),
        _ => Kind::String(text),
    }
}

/// `[-+]?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?` or `[-+]?\.[0-9]+...`, plus `0x`/`0o` integers.
fn is_number(s: &str) -> bool {
    if let Some(hex) = s.strip_prefix("0x") {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return !oct.is_empty() && oct.chars().all(|c| c.is_digit(8));
    }
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |d: &str| d.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = digits(int)
        && frac.is_none_or(digits)
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;

    fn parse_str(text: &str) -> (SourceMap, Result<Node, Vec<Diagnostic>>) {
        let mut map = SourceMap::new();
        let id = map.add("t.yaml", text.to_string());
        let result = parse(id, map.get(id));
        (map, result)
    }

    #[test]
    fn short_forms_become_long_forms_with_spans() {
        let (map, node) = parse_str("A:\n  B: !Ref Thing\n  C: !GetAtt [X, Arn]\n");
        let node = node.unwrap();
        let b = node.get("A").unwrap().get("B").unwrap();
        let (key, inner) = b.single_entry().unwrap();
        assert_eq!(key.name, "Ref");
        assert_eq!(inner.as_str(), Some("Thing"));
        assert_eq!(map.location(inner.span), "t.yaml:2:11");
        let c = node.get("A").unwrap().get("C").unwrap();
        assert_eq!(c.single_entry().unwrap().0.name, "Fn::GetAtt");
    }

    #[test]
    fn scalars_resolve_like_yaml_core() {
        let (_, node) = parse_str("a: 1\nb: '1'\nc: true\nd: 5.10\ne: ~\nf: 1.2.3\ng: -1e5\n");
        let node = node.unwrap();
        assert_eq!(node.get("a").unwrap().kind, Kind::Number("1".into()));
        assert_eq!(node.get("b").unwrap().kind, Kind::String("1".into()));
        assert_eq!(node.get("c").unwrap().kind, Kind::Bool(true));
        assert_eq!(node.get("d").unwrap().kind, Kind::Number("5.10".into()));
        assert_eq!(node.get("e").unwrap().kind, Kind::Null);
        assert_eq!(node.get("f").unwrap().kind, Kind::String("1.2.3".into()));
        assert_eq!(node.get("g").unwrap().kind, Kind::Number("-1e5".into()));
    }

    #[test]
    fn unknown_tag_and_duplicate_key_are_reported_together() {
        let (map, result) = parse_str("a: !Reff X\nb: 1\nb: 2\n");
        let errors = result.unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(errors[0].message.contains("!Reff"));
        assert!(errors[0].notes[0].contains("!Ref"));
        assert_eq!(map.location(errors[1].span.unwrap()), "t.yaml:3:1");
    }

    #[test]
    fn syntax_error_has_a_location() {
        let (map, result) = parse_str("a: [1, 2\nb: 3\n");
        let errors = result.unwrap_err();
        assert!(errors[0].message.starts_with("invalid YAML"));
        assert!(map.location(errors[0].span.unwrap()).starts_with("t.yaml:"));
    }

    #[test]
    fn json_parses_including_tabs() {
        let (_, node) = parse_str("{\n\t\"A\": {\"Ref\": \"B\"},\n\t\"N\": 3\n}\n");
        let node = node.unwrap();
        assert_eq!(node.get("N").unwrap().kind, Kind::Number("3".into()));
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let (_, result) = parse_str(&text);
        let message = &result.unwrap_err()[0].message;
        assert!(
            message.contains("nesting") || message.contains("recursion"),
            "{message}"
        );
    }

    #[test]
    fn deep_block_nesting_is_refused_not_overflowed() {
        // Block style: the parser's own recursion (not ours) grows with the indentation.
        for depth in [3_000, 5_000] {
            let mut text = String::new();
            for level in 0..depth {
                text.push_str(&" ".repeat(level));
                text.push_str("a:\n");
            }
            let (_, result) = parse_str(&text);
            let message = &result.unwrap_err()[0].message;
            assert!(message.contains("nesting deeper than"), "{message}");
        }
        let sequences: String = (0..3_000)
            .map(|l| format!("{}- \n", " ".repeat(l * 2)))
            .collect();
        let (_, result) = parse_str(&sequences);
        assert!(result.is_err());
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            text.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let (_, result) = parse_str(&text);
        assert!(result.unwrap_err()[0].message.contains("aliases"));
    }
}
