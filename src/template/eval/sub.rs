//! `Fn::Sub`: `${Name}` and `${Resource.Attribute}` substituted into a string, with optional
//! variables of its own.

use super::{Evaluator, RefKind};
use crate::template::value::Value;
use crate::template::yaml::{Kind, Node};
use std::collections::HashMap;

impl Evaluator<'_> {
    pub(super) fn sub(&mut self, arg: &Node) -> Value {
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

#[cfg(test)]
mod tests {
    use super::super::table::*;
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
    fn sub_substitutes_names_attributes_and_its_own_variables() {
        run(&[
            (
                "!Sub 'arn:${AWS::Partition}:s3:::${Bucket}/*'",
                Is(s("arn:aws:s3:::app-bucket/*")),
            ),
            ("!Sub '${Bucket.Arn}'", Is(s("arn:aws:s3:::app-bucket"))),
            ("!Sub ['${Name}-${Env}', {Name: web}]", Is(s("web-dev"))),
            ("!Sub ['${Env}', {Env: override}]", Is(s("override"))),
            ("!Sub '${!Literal}'", Is(s("${Literal}"))),
            ("!Sub '${ Env }'", Is(s("dev"))),
            ("!Sub 'n=${Count}'", Is(s("n=3"))),
            ("!Sub 'plain'", Is(s("plain"))),
            ("!Sub '${Logs}'", Is(unknown("Logs"))),
            ("!Sub 'id ${AWS::StackId}'", Is(unknown("AWS::StackId"))),
            ("!Sub '${Logs.Arn}/x'", Is(unknown("Logs.Arn"))),
            (
                "!Sub ['${L}', {L: [a]}]",
                Fails("`${L}` in `Fn::Sub` is a list, not a string"),
            ),
            (
                "!Sub [a, b]",
                Fails("the second argument of `Fn::Sub` must be a mapping of variables"),
            ),
            (
                "{Fn::Sub: {a: b}}",
                Fails("`Fn::Sub` takes a string or [string, {variables}]"),
            ),
            (
                "!Sub [[a], {}]",
                Fails("the format of `Fn::Sub` must be a string"),
            ),
            (
                "!Sub '${Nope}'",
                Fails("`Nope` is not a parameter, resource or pseudo parameter"),
            ),
            (
                "!Sub '${Nope.Arn}'",
                Fails("`Nope` is not a resource of this template"),
            ),
            (
                "!Sub '${ProdOnly}'",
                Fails("`ProdOnly` is not created (its condition `IsProd` is false)"),
            ),
        ]);
    }
}
