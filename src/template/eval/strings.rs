//! String functions: `Fn::Join`, `Fn::Split`, `Fn::Select` and `Fn::Base64`.

use super::{Evaluator, List, Text};
use crate::template::value::Value;
use crate::template::yaml::Node;

impl Evaluator<'_> {
    pub(super) fn join(&mut self, arg: &Node) -> Value {
        let Some(args) = self.args(arg, "`Fn::Join`", 2) else {
            return Value::Null;
        };
        let delimiter = match self.text(&args[0], "Fn::Join") {
            Text::Known(d) => d,
            Text::Unknown(u) => return Value::Unknown(u),
            Text::Invalid => return Value::Null,
        };
        let items = match self.list(&args[1], "`Fn::Join`") {
            List::Known(items) => items,
            List::Unknown(u) => return Value::Unknown(u),
            List::Invalid => return Value::Null,
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

    pub(super) fn select(&mut self, arg: &Node) -> Value {
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
            List::Known(items) => match items.into_iter().nth(index) {
                Some(v) => v,
                None => {
                    self.error(
                        args[0].span,
                        format!("`Fn::Select` index {index} is out of range"),
                    );
                    Value::Null
                }
            },
            List::Unknown(u) => Value::Unknown(u),
            List::Invalid => Value::Null,
        }
    }

    pub(super) fn base64(&mut self, arg: &Node) -> Value {
        match self.text(arg, "Fn::Base64") {
            Text::Known(s) => Value::String(base64(s.as_bytes())),
            Text::Unknown(u) => Value::Unknown(u),
            Text::Invalid => Value::Null,
        }
    }

    pub(super) fn split(&mut self, arg: &Node) -> Value {
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
    use super::super::table::*;
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn join_joins_texts_and_waits_for_unknown_items() {
        run(&[
            ("!Join [',', [a, b, c]]", Is(s("a,b,c"))),
            ("!Join ['', []]", Is(s(""))),
            ("!Join ['-', [!Ref Env, 1, true]]", Is(s("dev-1-true"))),
            ("!Join [',', !Ref Subnets]", Is(s("subnet-a,subnet-b"))),
            ("!Join [',', [a, !Ref AWS::NoValue, b]]", Is(s("a,b"))),
            ("!Join [',', !Ref AWS::NoValue]", Is(s(""))),
            ("!Join [',', [a, !Ref Logs]]", Is(unknown("Logs"))),
            (
                "!Join [!Ref AWS::StackId, [a]]",
                Is(unknown("AWS::StackId")),
            ),
            ("!Join [',', !GetAtt Logs.Arn]", Is(unknown("Logs.Arn"))),
            (
                "!Join [',']",
                Fails("`Fn::Join` takes a list of 2 arguments, found a list"),
            ),
            (
                "!Join ',' ",
                Fails("`Fn::Join` takes a list of 2 arguments, found a string"),
            ),
            (
                "!Join [',', a]",
                Fails("`Fn::Join` expects a list here, found a string"),
            ),
            (
                "!Join [',', [[a]]]",
                Fails("`Fn::Join` can only join strings, found a list"),
            ),
            (
                "!Join [[x], [a]]",
                Fails("Fn::Join expects a string here, found a list"),
            ),
        ]);
    }

    #[test]
    fn select_picks_by_index_within_range() {
        run(&[
            ("!Select [1, [a, b]]", Is(s("b"))),
            ("!Select ['0', !Ref Subnets]", Is(s("subnet-a"))),
            ("!Select [' 1 ', [a, b]]", Is(s("b"))),
            ("!Select [0, !GetAZs '']", Is(s("eu-west-1a"))),
            ("!Select [0, [[x, y]]]", Is(strings(&["x", "y"]))),
            ("!Select [0, [!Ref Logs]]", Is(unknown("Logs"))),
            (
                "!Select [!Ref AWS::StackId, [a]]",
                Is(unknown("AWS::StackId")),
            ),
            ("!Select [0, !GetAtt Logs.Arn]", Is(unknown("Logs.Arn"))),
            (
                "!Select [2, [a, b]]",
                Fails("`Fn::Select` index 2 is out of range"),
            ),
            (
                "!Select [-1, [a]]",
                Fails("`Fn::Select` index must be a non-negative integer, found `-1`"),
            ),
            (
                "!Select [first, [a]]",
                Fails("`Fn::Select` index must be a non-negative integer, found `first`"),
            ),
            (
                "!Select [0, a]",
                Fails("`Fn::Select` expects a list here, found a string"),
            ),
            (
                "!Select [0]",
                Fails("`Fn::Select` takes a list of 2 arguments, found a list"),
            ),
            (
                "!Select [[0], [a]]",
                Fails("Fn::Select expects a string here, found a list"),
            ),
        ]);
    }

    #[test]
    fn split_needs_a_delimiter_and_a_text() {
        run(&[
            ("!Split [',', 'a,b']", Is(strings(&["a", "b"]))),
            ("!Split [',', '']", Is(strings(&[""]))),
            ("!Split [', ', 'a, b,c']", Is(strings(&["a", "b,c"]))),
            ("!Split ['-', !Ref Env]", Is(strings(&["dev"]))),
            ("!Split [',', !GetAtt Logs.Arn]", Is(unknown("Logs.Arn"))),
            ("!Split [!Ref AWS::StackId, a]", Is(unknown("AWS::StackId"))),
            (
                "!Split ['', abc]",
                Fails("`Fn::Split` needs a non-empty delimiter"),
            ),
            (
                "!Split [',']",
                Fails("`Fn::Split` takes a list of 2 arguments, found a list"),
            ),
            (
                "!Split [',', [a]]",
                Fails("Fn::Split expects a string here, found a list"),
            ),
        ]);
    }

    #[test]
    fn base64_encodes_texts() {
        run(&[
            ("!Base64 hello", Is(s("aGVsbG8="))),
            ("{Fn::Base64: !Sub '${Env}'}", Is(s("ZGV2"))),
            ("!Base64 42", Is(s("NDI="))),
            ("{Fn::Base64: !Ref Logs}", Is(unknown("Logs"))),
            (
                "!Base64 [a]",
                Fails("Fn::Base64 expects a string here, found a list"),
            ),
            (
                "{Fn::Base64: !Ref AWS::NoValue}",
                Fails("Fn::Base64 expects a string here, found AWS::NoValue"),
            ),
        ]);
    }
}
