//! Condition functions: `Fn::If` picks a branch, `Fn::Equals`, `Fn::And`, `Fn::Or` and
//! `Fn::Not` decide a condition (the `Conditions` section itself is decided in
//! [`crate::template::conditions`]).

use super::{Evaluator, Value};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::suggest::closest;
use crate::template::yaml::{Kind, Node};

impl Evaluator<'_> {
    pub(super) fn if_(&mut self, arg: &Node) -> Option<Value> {
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

    pub(super) fn condition(&mut self, name: &str, span: Span) -> Option<bool> {
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
}

#[cfg(test)]
mod tests {
    use super::super::table::*;
    use crate::template::value::Value;

    #[test]
    fn if_takes_the_branch_of_its_condition() {
        run(&[
            ("!If [IsDev, a, b]", Is(s("a"))),
            ("!If [IsProd, a, b]", Is(s("b"))),
            ("!If [IsProd, a, !Ref AWS::NoValue]", Gone),
            (
                "{k: !If [IsProd, a, !Ref AWS::NoValue], j: 1}",
                Is(map(&[("j", n("1"))])),
            ),
            // The branch not taken is not evaluated: a guarded reference is no error.
            ("!If [IsProd, !Ref ProdOnly, none]", Is(s("none"))),
            ("!If [Undecided, a, a]", Is(s("a"))),
            ("!If [Undecided, a, b]", Is(unknown("condition Undecided"))),
            (
                "!If [IsDev, a]",
                Fails("`Fn::If` takes a list of 3 arguments, found a list"),
            ),
            (
                "!If [[x], a, b]",
                Fails("the first argument of `Fn::If` must be a condition name"),
            ),
            (
                "!If [IsDevv, a, b]",
                Fails("`IsDevv` is not a condition of this template"),
            ),
            ("!If [IsDevv, a, b]", Fails("did you mean `IsDev`?")),
            // Undecided: both branches are checked.
            (
                "!If [Undecided, a, !Ref Nope]",
                Fails("`Nope` is not a parameter, resource or pseudo parameter"),
            ),
        ]);
    }

    #[test]
    fn equals_compares_as_text_and_waits_for_unknowns() {
        run(&[
            ("!Equals [!Ref Env, dev]", Is(Value::Bool(true))),
            ("!Equals [a, b]", Is(Value::Bool(false))),
            ("!Equals [1, '1']", Is(Value::Bool(true))),
            ("!Equals [true, 'true']", Is(Value::Bool(true))),
            ("!Equals [[a], [a]]", Is(Value::Bool(true))),
            ("!Equals [[a], [b]]", Is(Value::Bool(false))),
            ("!Equals [!Ref AWS::StackId, x]", Is(unknown("Fn::Equals"))),
            (
                "!Equals [a]",
                Fails("`Fn::Equals` takes a list of 2 arguments, found a list"),
            ),
        ]);
    }

    #[test]
    fn and_or_decide_as_soon_as_one_condition_does() {
        run(&[
            (
                "!And [{Condition: IsDev}, !Equals [a, a]]",
                Is(Value::Bool(true)),
            ),
            (
                "!And [{Condition: IsDev}, {Condition: IsProd}]",
                Is(Value::Bool(false)),
            ),
            (
                "!And [{Condition: Undecided}, {Condition: IsProd}]",
                Is(Value::Bool(false)),
            ),
            (
                "!And [{Condition: Undecided}, {Condition: IsDev}]",
                Is(unknown("Fn::And")),
            ),
            ("!And [true, !Not [false]]", Is(Value::Bool(true))),
            (
                "!Or [{Condition: IsProd}, {Condition: IsDev}]",
                Is(Value::Bool(true)),
            ),
            (
                "!Or [{Condition: Undecided}, {Condition: IsDev}]",
                Is(Value::Bool(true)),
            ),
            ("!Or [{Condition: IsProd}, false]", Is(Value::Bool(false))),
            ("!Or [{Condition: Undecided}, false]", Is(unknown("Fn::Or"))),
            (
                "!And [{Condition: IsDev}]",
                Fails("`Fn::And` takes a list of 2 to 10 conditions"),
            ),
            (
                "!Or [a, b, c, d, e, f, g, h, i, j, k]",
                Fails("`Fn::Or` takes a list of 2 to 10 conditions"),
            ),
            (
                "!Or [a, {Condition: IsDev}]",
                Fails(
                    "expected a condition: `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` or `Condition: Name`",
                ),
            ),
            (
                "!And [{Condition: Nope}, {Condition: IsDev}]",
                Fails("`Nope` is not a condition of this template"),
            ),
        ]);
    }

    #[test]
    fn not_inverts_a_decided_condition() {
        run(&[
            ("!Not [{Condition: IsProd}]", Is(Value::Bool(true))),
            ("!Not [!Equals [a, a]]", Is(Value::Bool(false))),
            (
                "!Not [!Or [false, {Condition: IsDev}]]",
                Is(Value::Bool(false)),
            ),
            ("!Not [{Condition: Undecided}]", Is(unknown("Fn::Not"))),
            (
                "!Not [a, b]",
                Fails("`Fn::Not` takes a list of 1 arguments, found a list"),
            ),
            ("!Not [[a]]", Fails("expected a condition")),
        ]);
    }
}
