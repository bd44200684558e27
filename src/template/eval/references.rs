//! `Ref` and `Fn::GetAtt`: parameters, pseudo parameters, physical ids and attributes, each
//! reference to a resource recorded for the graph.

use super::{Evaluator, PSEUDO_PARAMETERS, RefKind, Reference, Text};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::suggest::closest;
use crate::template::value::Value;
use crate::template::yaml::{Kind, Node};

impl Evaluator<'_> {
    pub(super) fn reference(&mut self, arg: &Node) -> Option<Value> {
        let Some(name) = arg.as_str() else {
            self.error(
                arg.span,
                format!(
                    "`Ref` takes the name of a parameter or resource, found {}",
                    arg.describe()
                ),
            );
            return Some(Value::Null);
        };
        if name == "AWS::NoValue" {
            return None;
        }
        Some(self.named_value(name, arg.span, RefKind::Ref))
    }

    /// The value of a parameter, pseudo parameter or resource by name (for `Ref` and `Fn::Sub`).
    pub(super) fn named_value(&mut self, name: &str, span: Span, kind: RefKind) -> Value {
        let pseudo = self.scope.pseudo;
        match name {
            "AWS::AccountId" => {
                self.scope.lookup.fact_read();
                return pseudo
                    .account_id
                    .clone()
                    .map_or_else(|| Value::Unknown(name.into()), Value::String);
            }
            "AWS::Region" => return Value::String(pseudo.region.clone()),
            "AWS::StackName" => return Value::String(pseudo.stack_name.clone()),
            "AWS::StackId" => return Value::Unknown(name.into()),
            "AWS::Partition" => return Value::String(pseudo.partition.clone()),
            "AWS::URLSuffix" => return Value::String(pseudo.url_suffix.clone()),
            "AWS::NotificationARNs" => return Value::List(Vec::new()),
            _ => {}
        }
        if let Some(value) = self.scope.parameters.get(name) {
            return value.clone();
        }
        if self.scope.template.resources.contains_key(name) {
            self.note_resource(name, None, kind, span);
            return self
                .scope
                .lookup
                .physical_id(&self.scope.pseudo.stack_name, name)
                .unwrap_or_else(|| Value::Unknown(name.into()));
        }
        let candidates = self
            .scope
            .template
            .parameters
            .keys()
            .chain(self.scope.template.resources.keys())
            .map(String::as_str)
            .chain(PSEUDO_PARAMETERS.iter().copied());
        let mut d = Diagnostic::error(
            span,
            format!("`{name}` is not a parameter, resource or pseudo parameter"),
        );
        if let Some(best) = closest(name, candidates) {
            d = d.with_note(format!("did you mean `{best}`?"));
        }
        self.errors.push(d);
        Value::Null
    }

    pub(super) fn note_resource(
        &mut self,
        name: &str,
        attribute: Option<&str>,
        kind: RefKind,
        span: Span,
    ) {
        if let Some(condition) = self.scope.excluded.get(name) {
            self.errors.push(Diagnostic::error(
                span,
                format!("`{name}` is not created (its condition `{condition}` is false) but is referenced here"),
            ).with_note("guard the reference with `Fn::If` on the same condition"));
        }
        self.references.push(Reference {
            target: name.to_string(),
            attribute: attribute.map(str::to_string),
            kind,
            span,
        });
    }

    pub(super) fn get_att(&mut self, arg: &Node) -> Value {
        let (resource, attribute) = match &arg.kind {
            Kind::String(s) => match s.split_once('.') {
                Some((r, a)) => (r.to_string(), a.to_string()),
                None => {
                    self.error(
                        arg.span,
                        format!("`Fn::GetAtt` needs `Resource.Attribute`, found `{s}`"),
                    );
                    return Value::Null;
                }
            },
            Kind::Seq(items) if items.len() == 2 => {
                let Some(r) = items[0].as_str() else {
                    self.error(items[0].span, "`Fn::GetAtt` needs a resource name first");
                    return Value::Null;
                };
                match self.text(&items[1], "Fn::GetAtt") {
                    Text::Known(a) => (r.to_string(), a),
                    _ => return Value::Unknown(format!("{r}.?")),
                }
            }
            _ => {
                self.error(
                    arg.span,
                    "`Fn::GetAtt` takes `Resource.Attribute` or [Resource, Attribute]",
                );
                return Value::Null;
            }
        };
        self.attribute(&resource, &attribute, arg.span, RefKind::GetAtt)
    }

    pub(super) fn attribute(
        &mut self,
        resource: &str,
        attribute: &str,
        span: Span,
        kind: RefKind,
    ) -> Value {
        let template = self.scope.template;
        let Some(r) = template.resources.get(resource) else {
            let mut d = Diagnostic::error(
                span,
                format!("`{resource}` is not a resource of this template"),
            );
            if let Some(best) = closest(resource, template.resources.keys().map(String::as_str)) {
                d = d.with_note(format!("did you mean `{best}`?"));
            }
            self.errors.push(d);
            return Value::Null;
        };
        if (self.scope.has_attribute)(&r.type_name.value, attribute) == Some(false) {
            let known = crate::schema::attributes(&r.type_name.value);
            let mut d = Diagnostic::error(
                span,
                format!(
                    "`{}` has no attribute `{attribute}` (resource `{resource}`)",
                    r.type_name.value
                ),
            );
            if let Some(best) = closest(attribute, known.iter().copied()) {
                d = d.with_note(format!("did you mean `{best}`?"));
            }
            self.errors.push(d.with_note(format!(
                "attributes of {}: {}",
                r.type_name.value,
                known.join(", ")
            )));
            return Value::Null;
        }
        self.note_resource(resource, Some(attribute), kind, span);
        self.scope
            .lookup
            .attribute(&self.scope.pseudo.stack_name, resource, attribute)
            .unwrap_or_else(|| Value::Unknown(format!("{resource}.{attribute}")))
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::*;

    #[test]
    fn ref_names_parameters_pseudo_parameters_and_resources() {
        run(&[
            ("!Ref Env", Is(s("dev"))),
            ("!Ref Subnets", Is(strings(&["subnet-a", "subnet-b"]))),
            ("!Ref Count", Is(n("3"))),
            ("!Ref AWS::Region", Is(s("eu-west-1"))),
            ("!Ref AWS::StackName", Is(s("app-dev"))),
            ("!Ref AWS::AccountId", Is(s("123456789012"))),
            ("!Ref AWS::Partition", Is(s("aws"))),
            ("!Ref AWS::URLSuffix", Is(s("amazonaws.com"))),
            ("!Ref AWS::StackId", Is(unknown("AWS::StackId"))),
            ("!Ref AWS::NotificationARNs", Is(strings(&[]))),
            ("!Ref AWS::NoValue", Gone),
            ("!Ref Bucket", Is(s("app-bucket"))),
            ("!Ref Logs", Is(unknown("Logs"))),
            (
                "!Ref Buckte",
                Fails("`Buckte` is not a parameter, resource or pseudo parameter"),
            ),
            ("!Ref Buckte", Fails("did you mean `Bucket`?")),
            ("!Ref AWS::Regin", Fails("did you mean `AWS::Region`?")),
            (
                "{Ref: [a, b]}",
                Fails("`Ref` takes the name of a parameter or resource, found a list"),
            ),
            (
                "!Ref ProdOnly",
                Fails("`ProdOnly` is not created (its condition `IsProd` is false)"),
            ),
        ]);
    }

    #[test]
    fn ref_offline_leaves_the_account_and_resources_unknown() {
        run_offline(&[
            ("!Ref AWS::AccountId", Is(unknown("AWS::AccountId"))),
            ("!Ref AWS::Region", Is(s("eu-west-1"))),
            ("!Ref Bucket", Is(unknown("Bucket"))),
        ]);
    }

    #[test]
    fn get_att_reads_attributes_of_resources_that_have_them() {
        run(&[
            ("!GetAtt Bucket.Arn", Is(s("arn:aws:s3:::app-bucket"))),
            ("!GetAtt [Bucket, Arn]", Is(s("arn:aws:s3:::app-bucket"))),
            ("!GetAtt Logs.Arn", Is(unknown("Logs.Arn"))),
            ("!GetAtt [Logs, !Ref AWS::StackId]", Is(unknown("Logs.?"))),
            (
                "!GetAtt Bucket",
                Fails("`Fn::GetAtt` needs `Resource.Attribute`, found `Bucket`"),
            ),
            (
                "!GetAtt Nope.Arn",
                Fails("`Nope` is not a resource of this template"),
            ),
            ("!GetAtt Buckt.Arn", Fails("did you mean `Bucket`?")),
            (
                "!GetAtt Bucket.Nope",
                Fails("`AWS::S3::Bucket` has no attribute `Nope` (resource `Bucket`)"),
            ),
            ("!GetAtt Bucket.Arnn", Fails("did you mean `Arn`?")),
            (
                "!GetAtt [[x], Arn]",
                Fails("`Fn::GetAtt` needs a resource name first"),
            ),
            (
                "{Fn::GetAtt: {a: b}}",
                Fails("`Fn::GetAtt` takes `Resource.Attribute` or [Resource, Attribute]"),
            ),
            (
                "!GetAtt [Bucket, [Arn]]",
                Fails("Fn::GetAtt expects a string here, found a list"),
            ),
            (
                "!GetAtt ProdOnly.Arn",
                Fails("`ProdOnly` is not created (its condition `IsProd` is false)"),
            ),
        ]);
    }

    #[test]
    fn get_att_offline_waits_for_the_resource() {
        run_offline(&[("!GetAtt Bucket.Arn", Is(unknown("Bucket.Arn")))]);
    }

    #[test]
    fn references_to_resources_are_recorded_with_their_kind() {
        run_references(&[
            ("!Ref Bucket", &["Ref Bucket"]),
            ("!Ref Env", &[]),
            ("!Ref AWS::Region", &[]),
            ("!GetAtt Bucket.Arn", &["Fn::GetAtt Bucket.Arn"]),
            ("!GetAtt [Logs, Arn]", &["Fn::GetAtt Logs.Arn"]),
            ("!GetAtt Bucket.Nope", &[]),
            (
                "!Sub '${Bucket}/${Logs.Arn}'",
                &["Fn::Sub Bucket", "Fn::Sub Logs.Arn"],
            ),
            ("!Sub ['${B}', {B: !Ref Bucket}]", &["Ref Bucket"]),
            ("!ImportValue dev-VpcId", &["Fn::ImportValue dev-VpcId"]),
            ("[!Ref Bucket, !Ref Logs]", &["Ref Bucket", "Ref Logs"]),
        ]);
    }
}
