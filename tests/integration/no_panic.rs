//! Property tests: no input panics the engine (parse + evaluate + graph). Random text, random
//! byte soup with YAML punctuation and tags, and random well-formed templates full of intrinsic
//! functions referring to each other (so references, conditions and cycles are exercised).
//! `PROPTEST_CASES=20000 cargo test --release --test no_panic` runs a longer campaign.

use fuelflow::workspace::{self, Facts};
use proptest::prelude::*;
use serde_json::{Value as J, json};

fn run(text: String) {
    let facts = Facts {
        account_id: Some("123456789012".into()),
        availability_zones: Some(vec!["us-east-1a".into(), "us-east-1b".into()]),
        ..Facts::default()
    };
    let _ = workspace::load_text("fuzz.yaml", text, &[("P".into(), "x".into())], &facts);
}

const NAMES: &[&str] = &[
    "A",
    "B",
    "C",
    "P",
    "Cond",
    "AWS::Region",
    "AWS::NoValue",
    "Missing",
    "A.Arn",
    "B.Endpoint.Address",
];
const INTRINSICS: &[&str] = &[
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::GetAZs",
    "Fn::If",
    "Fn::Equals",
    "Fn::And",
    "Fn::Or",
    "Fn::Not",
    "Fn::FindInMap",
    "Fn::ImportValue",
    "Fn::Base64",
    "Condition",
    "Fn::Cidr",
];

fn leaf() -> impl Strategy<Value = J> {
    prop_oneof![
        prop::sample::select(NAMES).prop_map(|s| json!(s)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<bool>().prop_map(|b| json!(b)),
        "[a-zA-Z0-9${}!.:-]{0,12}".prop_map(|s| json!(s)),
        Just(J::Null),
    ]
}

fn value() -> impl Strategy<Value = J> {
    leaf().prop_recursive(6, 64, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(J::Array),
            (prop::sample::select(INTRINSICS), inner.clone()).prop_map(|(k, v)| json!({ k: v })),
            prop::collection::vec((prop::sample::select(NAMES), inner), 0..3).prop_map(|kv| {
                J::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

const TYPES: &[&str] = &[
    "AWS::S3::Bucket",
    "AWS::IAM::Role",
    "AWS::RDS::DBInstance",
    "AWS::Foo::Bar",
    "Custom::X",
];

fn template() -> impl Strategy<Value = String> {
    let resource = (
        prop::sample::select(TYPES),
        value(),
        prop::option::of(value()),
        prop::option::of(value()),
    );
    (prop::collection::vec(resource, 0..4), value(), value()).prop_map(
        |(resources, condition, output)| {
            let mut rs = serde_json::Map::new();
            for (i, (t, props, depends, cond)) in resources.into_iter().enumerate() {
                let mut r = json!({ "Type": t, "Properties": props });
                if let Some(d) = depends {
                    r["DependsOn"] = d;
                }
                if let Some(c) = cond {
                    r["Condition"] = c;
                }
                rs.insert(["A", "B", "C", "D"][i].to_string(), r);
            }
            json!({
                "Parameters": { "P": { "Type": "String" } },
                "Mappings": { "M": { "K": { "V": "x" } } },
                "Conditions": { "Cond": condition },
                "Resources": rs,
                "Outputs": { "O": { "Value": output, "Export": { "Name": "e" } } },
            })
            .to_string()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "(\\PC|[\\n\\t{}\\[\\]:,!&*|>'\"#-]){0,300}") {
        run(text);
    }

    #[test]
    fn yaml_fragments_never_panic(parts in prop::collection::vec(prop::sample::select(&[
        "Resources:", "\n", "  ", "A:", " Type: AWS::S3::Bucket", " Properties:", " !Ref", " !Sub", " !If", " [", "]",
        " {", "}", ",", " &a", " *a", " - ", " !GetAtt", " x.y", " ${A}", "'", "\"", "|", ">", "---", "#", "\t", "é",
    ][..]), 0..80)) {
        run(parts.concat());
    }

    #[test]
    fn random_templates_never_panic(text in template()) {
        run(text);
    }
}
