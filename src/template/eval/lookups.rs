//! Values from outside the property: `Fn::FindInMap` (the template's mappings),
//! `Fn::GetAZs` (the region's availability zones) and `Fn::ImportValue` (other stacks' exports).

use super::{Evaluator, RefKind, Reference, Text};
use crate::diagnostic::Diagnostic;
use crate::suggest::closest;
use crate::template::value::Value;
use crate::template::yaml::Node;

impl Evaluator<'_> {
    pub(super) fn find_in_map(&mut self, arg: &Node) -> Value {
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

    pub(super) fn get_azs(&mut self, arg: &Node) -> Value {
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
        self.scope.lookup.fact_read();
        match &self.scope.pseudo.availability_zones {
            Some(zones) => Value::List(zones.iter().cloned().map(Value::String).collect()),
            None => Value::Unknown("Fn::GetAZs".into()),
        }
    }

    pub(super) fn import_value(&mut self, arg: &Node) -> Value {
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

#[cfg(test)]
mod tests {
    use super::super::table::*;

    #[test]
    fn find_in_map_reads_the_templates_mappings() {
        run(&[
            ("!FindInMap [Sizes, !Ref Env, Instance]", Is(s("t3.micro"))),
            ("!FindInMap [Sizes, prod, Disk]", Is(n("100"))),
            (
                "!FindInMap [Sizes, !Ref AWS::StackId, Disk]",
                Is(unknown("AWS::StackId")),
            ),
            (
                "!FindInMap [Sizez, dev, Disk]",
                Fails("`Sizez` is not a mapping of this template"),
            ),
            (
                "!FindInMap [Sizez, dev, Disk]",
                Fails("did you mean `Sizes`?"),
            ),
            (
                "!FindInMap [Sizes, test, Disk]",
                Fails("mapping `Sizes` has no key `test`"),
            ),
            (
                "!FindInMap [Sizes, dev, Cpu]",
                Fails("mapping `Sizes.dev` has no key `Cpu`"),
            ),
            (
                "!FindInMap [Sizes, dev]",
                Fails("`Fn::FindInMap` takes a list of 3 arguments, found a list"),
            ),
            (
                "!FindInMap [Sizes, [dev], Disk]",
                Fails("Fn::FindInMap expects a string here, found a list"),
            ),
        ]);
    }

    #[test]
    fn get_azs_lists_the_zones_of_the_stacks_region_only() {
        run(&[
            ("!GetAZs ''", Is(strings(&["eu-west-1a", "eu-west-1b"]))),
            (
                "!GetAZs eu-west-1",
                Is(strings(&["eu-west-1a", "eu-west-1b"])),
            ),
            (
                "{Fn::GetAZs: !Ref AWS::Region}",
                Is(strings(&["eu-west-1a", "eu-west-1b"])),
            ),
            (
                "{Fn::GetAZs: !Ref AWS::StackId}",
                Is(unknown("AWS::StackId")),
            ),
            (
                "!GetAZs us-east-1",
                Fails("`Fn::GetAZs` of another region (`us-east-1`) is not supported"),
            ),
            (
                "!GetAZs [a]",
                Fails("Fn::GetAZs expects a string here, found a list"),
            ),
        ]);
        run_offline(&[("!GetAZs ''", Is(unknown("Fn::GetAZs")))]);
    }

    #[test]
    fn import_value_reads_recorded_exports() {
        run(&[
            ("!ImportValue dev-VpcId", Is(s("vpc-123"))),
            ("{Fn::ImportValue: !Sub '${Env}-VpcId'}", Is(s("vpc-123"))),
            ("!ImportValue prod-VpcId", Is(unknown("import prod-VpcId"))),
            ("{Fn::ImportValue: !Ref Logs}", Is(unknown("Logs"))),
            (
                "!ImportValue [a]",
                Fails("Fn::ImportValue expects a string here, found a list"),
            ),
        ]);
        run_offline(&[("!ImportValue dev-VpcId", Is(unknown("import dev-VpcId")))]);
    }
}
