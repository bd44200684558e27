//! A web ACL's rules, actions and visibility settings between the template's JSON and the SDK's
//! types, both ways. fuelflow supports the statements a web ACL in front of an API needs: AWS
//! managed rule groups (`ManagedRuleGroupStatement`, with excluded rules and action overrides),
//! rate limits (`RateBasedStatement`) and IP sets (`IPSetReferenceStatement`). Any other
//! statement, and custom responses or request handling on actions, are refused with the rule's
//! path rather than dropped.

use crate::resources::property::value;
use crate::resources::{ResourceError, Result};
use aws_sdk_wafv2::types::{
    AllowAction, BlockAction, CountAction, DefaultAction, ExcludedRule, IpSetReferenceStatement,
    ManagedRuleGroupStatement, NoneAction, OverrideAction, RateBasedStatement,
    RateBasedStatementAggregateKeyType, Rule, RuleAction, RuleActionOverride, Statement,
    VisibilityConfig,
};
use serde_json::{Map, Value, json};

fn object<'v>(v: &'v Value, path: &str) -> Result<&'v Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| ResourceError::invalid(path, "expected an object"))
}

fn built<T>(r: std::result::Result<T, impl std::fmt::Display>, path: &str) -> Result<T> {
    r.map_err(|e| ResourceError::invalid(path, e))
}

/// An action object (`{"Block": {}}`) as the one key it holds; a non-empty body (custom
/// responses, request handling) is not supported.
fn action_kind<'v>(v: &'v Value, path: &str, kinds: &[&str]) -> Result<&'v str> {
    let o = object(v, path)?;
    let mut keys = o.keys();
    let (Some(kind), None) = (keys.next(), keys.next()) else {
        return Err(ResourceError::invalid(
            path,
            format!("expected one of {kinds:?}"),
        ));
    };
    if !kinds.contains(&kind.as_str()) {
        return Err(ResourceError::invalid(
            path,
            format!("`{kind}` is not one of {kinds:?}"),
        ));
    }
    if o[kind].as_object().is_some_and(|body| !body.is_empty()) {
        return Err(ResourceError::invalid(
            &format!("{path}.{kind}"),
            "custom responses and request handling are not supported by fuelflow yet",
        ));
    }
    Ok(kind)
}

pub fn default_action(v: &Value) -> Result<DefaultAction> {
    let b = DefaultAction::builder();
    Ok(
        match action_kind(v, "DefaultAction", &["Allow", "Block"])? {
            "Allow" => b.allow(AllowAction::builder().build()),
            _ => b.block(BlockAction::builder().build()),
        }
        .build(),
    )
}

fn rule_action(v: &Value, path: &str) -> Result<RuleAction> {
    let b = RuleAction::builder();
    Ok(match action_kind(v, path, &["Allow", "Block", "Count"])? {
        "Allow" => b.allow(AllowAction::builder().build()),
        "Block" => b.block(BlockAction::builder().build()),
        _ => b.count(CountAction::builder().build()),
    }
    .build())
}

fn override_action(v: &Value, path: &str) -> Result<OverrideAction> {
    let b = OverrideAction::builder();
    Ok(match action_kind(v, path, &["None", "Count"])? {
        "None" => b.none(NoneAction::builder().build()),
        _ => b.count(CountAction::builder().build()),
    }
    .build())
}

pub fn visibility_config(v: &Value, path: &str) -> Result<VisibilityConfig> {
    let o = object(v, path)?;
    let flag = |k: &str| -> Result<bool> {
        value::boolean(o.get(k), &format!("{path}.{k}"))?
            .ok_or_else(|| ResourceError::invalid(&format!("{path}.{k}"), "is required"))
    };
    let metric = value::string(o.get("MetricName"), &format!("{path}.MetricName"))?
        .ok_or_else(|| ResourceError::invalid(&format!("{path}.MetricName"), "is required"))?;
    built(
        VisibilityConfig::builder()
            .sampled_requests_enabled(flag("SampledRequestsEnabled")?)
            .cloud_watch_metrics_enabled(flag("CloudWatchMetricsEnabled")?)
            .metric_name(metric)
            .build(),
        path,
    )
}

fn names<T>(
    o: &Map<String, Value>,
    key: &str,
    path: &str,
    make: impl Fn(&Map<String, Value>, &str) -> Result<T>,
) -> Result<Option<Vec<T>>> {
    let Some(list) = o.get(key) else {
        return Ok(None);
    };
    let list = list
        .as_array()
        .ok_or_else(|| ResourceError::invalid(&format!("{path}.{key}"), "expected a list"))?;
    list.iter()
        .enumerate()
        .map(|(i, item)| {
            make(
                object(item, &format!("{path}.{key}[{i}]"))?,
                &format!("{path}.{key}[{i}]"),
            )
        })
        .collect::<Result<Vec<T>>>()
        .map(Some)
}

fn managed_rule_group(o: &Map<String, Value>, path: &str) -> Result<ManagedRuleGroupStatement> {
    let text = |k: &str| value::string(o.get(k), &format!("{path}.{k}"));
    let excluded = names(o, "ExcludedRules", path, |e, p| {
        built(
            ExcludedRule::builder()
                .set_name(value::string(e.get("Name"), p)?)
                .build(),
            p,
        )
    })?;
    let overrides = names(o, "RuleActionOverrides", path, |e, p| {
        let action = e
            .get("ActionToUse")
            .ok_or_else(|| ResourceError::invalid(&format!("{p}.ActionToUse"), "is required"))?;
        built(
            RuleActionOverride::builder()
                .set_name(value::string(e.get("Name"), p)?)
                .action_to_use(rule_action(action, &format!("{p}.ActionToUse"))?)
                .build(),
            p,
        )
    })?;
    built(
        ManagedRuleGroupStatement::builder()
            .set_vendor_name(text("VendorName")?)
            .set_name(text("Name")?)
            .set_version(text("Version")?)
            .set_excluded_rules(excluded)
            .set_rule_action_overrides(overrides)
            .build(),
        path,
    )
}

fn rate_based(o: &Map<String, Value>, path: &str) -> Result<RateBasedStatement> {
    let key = value::string(
        o.get("AggregateKeyType"),
        &format!("{path}.AggregateKeyType"),
    )?
    .unwrap_or_else(|| "IP".into());
    built(
        RateBasedStatement::builder()
            .set_limit(value::integer(o.get("Limit"), &format!("{path}.Limit"))?)
            .set_evaluation_window_sec(value::integer(
                o.get("EvaluationWindowSec"),
                &format!("{path}.EvaluationWindowSec"),
            )?)
            .aggregate_key_type(RateBasedStatementAggregateKeyType::from(key.as_str()))
            .build(),
        path,
    )
}

const STATEMENTS: &[&str] = &[
    "ManagedRuleGroupStatement",
    "RateBasedStatement",
    "IPSetReferenceStatement",
];

fn statement(v: &Value, path: &str) -> Result<Statement> {
    let o = object(v, path)?;
    let mut keys = o.keys();
    let (Some(kind), None) = (keys.next(), keys.next()) else {
        return Err(ResourceError::invalid(
            path,
            "expected exactly one statement",
        ));
    };
    let inner_path = format!("{path}.{kind}");
    let inner = object(&o[kind], &inner_path)?;
    let b = Statement::builder();
    Ok(match kind.as_str() {
        "ManagedRuleGroupStatement" => {
            b.managed_rule_group_statement(managed_rule_group(inner, &inner_path)?)
        }
        "RateBasedStatement" => b.rate_based_statement(rate_based(inner, &inner_path)?),
        "IPSetReferenceStatement" => b.ip_set_reference_statement(built(
            IpSetReferenceStatement::builder()
                .set_arn(value::string(
                    inner.get("Arn"),
                    &format!("{inner_path}.Arn"),
                )?)
                .build(),
            &inner_path,
        )?),
        other => {
            return Err(ResourceError::invalid(
                path,
                format!("`{other}` is not supported by fuelflow yet (supported: {STATEMENTS:?})"),
            ));
        }
    }
    .build())
}

pub fn rules(v: &Value) -> Result<Vec<Rule>> {
    let list = v
        .as_array()
        .ok_or_else(|| ResourceError::invalid("Rules", "expected a list"))?;
    list.iter()
        .enumerate()
        .map(|(i, r)| {
            let path = format!("Rules[{i}]");
            let o = object(r, &path)?;
            let at = |k: &str| format!("{path}.{k}");
            let required = |k: &str| {
                o.get(k)
                    .ok_or_else(|| ResourceError::invalid(&at(k), "is required"))
            };
            let mut b = Rule::builder()
                .set_name(value::string(o.get("Name"), &at("Name"))?)
                .set_priority(value::integer(o.get("Priority"), &at("Priority"))?)
                .statement(statement(required("Statement")?, &at("Statement"))?)
                .visibility_config(visibility_config(
                    required("VisibilityConfig")?,
                    &at("VisibilityConfig"),
                )?);
            if let Some(a) = o.get("Action") {
                b = b.action(rule_action(a, &at("Action"))?);
            }
            if let Some(a) = o.get("OverrideAction") {
                b = b.override_action(override_action(a, &at("OverrideAction"))?);
            }
            built(b.build(), &path)
        })
        .collect()
}

// ---- back to the template's shape ----

pub fn default_action_value(a: &DefaultAction) -> Value {
    if a.block().is_some() {
        json!({"Block": {}})
    } else {
        json!({"Allow": {}})
    }
}

fn rule_action_value(a: &RuleAction) -> Value {
    if a.block().is_some() {
        json!({"Block": {}})
    } else if a.count().is_some() {
        json!({"Count": {}})
    } else if a.captcha().is_some() {
        json!({"Captcha": {}})
    } else if a.challenge().is_some() {
        json!({"Challenge": {}})
    } else {
        json!({"Allow": {}})
    }
}

pub fn visibility_value(v: &VisibilityConfig) -> Value {
    json!({
        "SampledRequestsEnabled": v.sampled_requests_enabled(),
        "CloudWatchMetricsEnabled": v.cloud_watch_metrics_enabled(),
        "MetricName": v.metric_name(),
    })
}

fn statement_value(s: &Statement) -> Value {
    if let Some(m) = s.managed_rule_group_statement() {
        let mut o = Map::new();
        o.insert("VendorName".into(), json!(m.vendor_name()));
        o.insert("Name".into(), json!(m.name()));
        if let Some(v) = m.version() {
            o.insert("Version".into(), json!(v));
        }
        if !m.excluded_rules().is_empty() {
            let names: Vec<Value> = m
                .excluded_rules()
                .iter()
                .map(|e| json!({"Name": e.name()}))
                .collect();
            o.insert("ExcludedRules".into(), Value::Array(names));
        }
        if !m.rule_action_overrides().is_empty() {
            let overrides: Vec<Value> = m
                .rule_action_overrides()
                .iter()
                .map(|r| {
                    let action = r.action_to_use().map(rule_action_value);
                    json!({"Name": r.name(), "ActionToUse": action})
                })
                .collect();
            o.insert("RuleActionOverrides".into(), Value::Array(overrides));
        }
        json!({"ManagedRuleGroupStatement": o})
    } else if let Some(r) = s.rate_based_statement() {
        let mut o = Map::new();
        o.insert("Limit".into(), json!(r.limit()));
        o.insert(
            "AggregateKeyType".into(),
            json!(r.aggregate_key_type().as_str()),
        );
        if r.evaluation_window_sec() != 0 {
            o.insert(
                "EvaluationWindowSec".into(),
                json!(r.evaluation_window_sec()),
            );
        }
        json!({"RateBasedStatement": o})
    } else if let Some(i) = s.ip_set_reference_statement() {
        json!({"IPSetReferenceStatement": {"Arn": i.arn()}})
    } else {
        // A statement fuelflow does not write (made outside it): shown as such, so it diffs.
        json!({"Unsupported": {}})
    }
}

pub fn rules_value(rules: &[Rule]) -> Value {
    let mut list: Vec<Value> = rules
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("Name".into(), json!(r.name()));
            o.insert("Priority".into(), json!(r.priority()));
            if let Some(s) = r.statement() {
                o.insert("Statement".into(), statement_value(s));
            }
            if let Some(a) = r.action() {
                o.insert("Action".into(), rule_action_value(a));
            }
            if let Some(a) = r.override_action() {
                let v = if a.count().is_some() {
                    json!({"Count": {}})
                } else {
                    json!({"None": {}})
                };
                o.insert("OverrideAction".into(), v);
            }
            if let Some(v) = r.visibility_config() {
                o.insert("VisibilityConfig".into(), visibility_value(v));
            }
            Value::Object(o)
        })
        .collect();
    list.sort_by_key(|r| r["Priority"].as_i64());
    Value::Array(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visibility(name: &str) -> Value {
        json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": name})
    }

    #[test]
    fn managed_groups_and_rate_limits_go_both_ways_unchanged() {
        let template = json!([
            {"Name": "common", "Priority": 0, "OverrideAction": {"None": {}},
             "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS",
                 "Name": "AWSManagedRulesCommonRuleSet",
                 "ExcludedRules": [{"Name": "SizeRestrictions_BODY"}]}},
             "VisibilityConfig": visibility("common")},
            {"Name": "rate", "Priority": 1, "Action": {"Block": {}},
             "Statement": {"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}},
             "VisibilityConfig": visibility("rate")}
        ]);
        let sdk = rules(&template).unwrap();
        assert_eq!(rules_value(&sdk), template);
    }

    #[test]
    fn unsupported_statements_and_custom_responses_are_refused_with_their_path() {
        let byte_match = json!([{"Name": "x", "Priority": 0, "Action": {"Block": {}},
            "Statement": {"ByteMatchStatement": {}}, "VisibilityConfig": visibility("x")}]);
        let e = rules(&byte_match).unwrap_err();
        assert!(e.message.contains("Rules[0].Statement"), "{e}");
        assert!(e.message.contains("ByteMatchStatement"), "{e}");
        let custom = json!({"Block": {"CustomResponse": {"ResponseCode": 403}}});
        let e = default_action(&custom).unwrap_err();
        assert!(e.message.contains("DefaultAction.Block"), "{e}");
    }

    #[test]
    fn a_rule_without_visibility_names_the_missing_property() {
        let e = rules(
            &json!([{"Name": "x", "Priority": 0, "Action": {"Block": {}},
            "Statement": {"RateBasedStatement": {"Limit": 100}}}]),
        )
        .unwrap_err();
        assert!(e.message.contains("Rules[0].VisibilityConfig"), "{e}");
    }
}
