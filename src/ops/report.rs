//! The machine-readable reports (`plan --json`, `apply --json`): their shape is a documented
//! contract, so it is spelled out here as types.

use crate::apply::Report;
use crate::engine::ResourceFailure;
use crate::plan::{Action, Plan, PropertyChange, Summary};
use serde::Serialize;
use serde_json::Value;

/// `plan --json`: the plan, one entry per change across the stacks.
#[derive(Debug, Serialize)]
pub struct PlanReport<'a> {
    pub format_version: u32,
    pub env: &'a str,
    pub destroy: bool,
    pub summary: Summary,
    pub changes: Vec<ChangeReport<'a>>,
    pub outputs: Vec<OutputReport<'a>>,
    /// `--refresh-only`: the changes are live values to record in the state.
    pub refresh_only: bool,
    /// What `--exclude` left out, with why.
    pub excluded: Vec<ExcludedReport<'a>>,
}

#[derive(Debug, Serialize)]
pub struct ExcludedReport<'a> {
    pub stack: &'a str,
    pub logical_id: &'a str,
    pub because: &'a str,
    /// What the plan would have done to it (`null`: nothing).
    pub left_out: Option<Action>,
}

#[derive(Debug, Serialize)]
pub struct ChangeReport<'a> {
    pub stack: &'a str,
    pub stack_name: &'a str,
    pub logical_id: &'a str,
    #[serde(rename = "type")]
    pub resource_type: &'a str,
    pub action: Action,
    pub physical_id: Option<&'a str>,
    pub replace_because: &'a [String],
    pub reason: Option<&'a str>,
    /// Changed outside fuelflow (a drifted property, or deleted outside fuelflow).
    pub drift: bool,
    pub properties: &'a [PropertyChange],
}

#[derive(Debug, Serialize)]
pub struct OutputReport<'a> {
    pub stack: &'a str,
    pub name: &'a str,
    pub value: &'a Value,
}

impl<'a> PlanReport<'a> {
    pub fn of(plan: &'a Plan) -> PlanReport<'a> {
        let changes = plan.stacks.iter().flat_map(|stack| {
            stack.changes.iter().map(move |c| ChangeReport {
                stack: &stack.stack,
                stack_name: &stack.stack_name,
                logical_id: &c.logical_id,
                resource_type: &c.resource_type,
                action: c.action,
                physical_id: c.physical_id.as_deref(),
                replace_because: &c.replace_because,
                reason: c.reason.as_deref(),
                drift: c.properties.iter().any(|p| p.drift)
                    || c.reason.as_deref() == Some("deleted outside fuelflow"),
                properties: &c.properties,
            })
        });
        let outputs = plan.stacks.iter().flat_map(|stack| {
            stack.outputs.iter().map(move |(name, value)| OutputReport {
                stack: &stack.stack,
                name,
                value,
            })
        });
        let excluded = plan.stacks.iter().flat_map(|stack| {
            stack.excluded.iter().map(move |e| ExcludedReport {
                stack: &stack.stack,
                logical_id: &e.logical_id,
                because: &e.because,
                left_out: e.left_out,
            })
        });
        PlanReport {
            format_version: plan.format_version,
            env: &plan.env,
            destroy: plan.destroy,
            summary: plan.summary(),
            changes: changes.collect(),
            outputs: outputs.collect(),
            refresh_only: plan.refresh_only,
            excluded: excluded.collect(),
        }
    }
}

/// `apply --json`: what an apply (or destroy) did.
#[derive(Debug, Default, Serialize)]
pub struct ApplyReport {
    pub applied: usize,
    pub failures: Vec<ResourceFailure>,
    pub skipped: Vec<Skipped>,
    pub interrupted: bool,
    /// The state could not be saved (the backend was unreachable).
    pub state_error: Option<String>,
}

/// A resource not attempted because something it depends on failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// `stack.LogicalId`.
    pub resource: String,
    pub because: String,
}

impl ApplyReport {
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty()
            && self.skipped.is_empty()
            && !self.interrupted
            && self.state_error.is_none()
    }
}

impl From<Report> for ApplyReport {
    fn from(r: Report) -> ApplyReport {
        ApplyReport {
            applied: r.applied,
            failures: r.failures,
            skipped: r
                .skipped
                .into_iter()
                .map(|(resource, because)| Skipped { resource, because })
                .collect(),
            interrupted: r.interrupted,
            state_error: r.state_error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Change, StackPlan};
    use serde_json::json;

    fn plan() -> Plan {
        let change = |logical_id: &str, action, reason: Option<&str>, drift| Change {
            stack: "app".into(),
            logical_id: logical_id.into(),
            resource_type: "AWS::S3::Bucket".into(),
            action,
            physical_id: Some(format!("{logical_id}-id")),
            properties: vec![PropertyChange {
                path: "BucketName".into(),
                before: json!("a"),
                after: json!("b"),
                forces_replacement: true,
                drift,
                sensitive: false,
            }],
            replace_because: vec!["BucketName".into()],
            reason: reason.map(String::from),
        };
        Plan {
            format_version: 1,
            env: "dev".into(),
            destroy: false,
            estimated_seconds: None,
            refresh_only: false,
            stacks: vec![StackPlan {
                stack: "app".into(),
                stack_name: "proj-app-dev".into(),
                lineage: Some("l".into()),
                serial: 3,
                changes: vec![
                    change("Data", Action::Replace, None, false),
                    change(
                        "Logs",
                        Action::Create,
                        Some("deleted outside fuelflow"),
                        false,
                    ),
                    change("Site", Action::Update, None, true),
                ],
                outputs: vec![("Url".into(), json!("https://x"))],
                excluded: Vec::new(),
            }],
        }
    }

    #[test]
    fn the_plan_report_keeps_the_documented_shape() {
        let plan = plan();
        let report = serde_json::to_value(PlanReport::of(&plan)).unwrap();
        assert_eq!(
            report["summary"],
            json!({"add": 2, "change": 1, "destroy": 1})
        );
        let drift: Vec<&Value> = report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["drift"])
            .collect();
        assert_eq!(drift, [&json!(false), &json!(true), &json!(true)]);
        let keys: Vec<&String> = report.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "format_version",
                "env",
                "destroy",
                "summary",
                "changes",
                "outputs",
                "refresh_only",
                "excluded"
            ]
        );
    }

    #[test]
    fn the_apply_report_names_failures_and_skips() {
        let report = ApplyReport::from(Report {
            applied: 2,
            failures: vec![ResourceFailure {
                stack: "proj-app-dev".into(),
                logical_id: "Data".into(),
                resource_type: "AWS::S3::Bucket".into(),
                operation: "create".into(),
                code: "BucketAlreadyExists".into(),
                message: "taken".into(),
            }],
            skipped: vec![("app.Policy".into(), "app.Data".into())],
            interrupted: false,
            state_error: None,
        });
        assert!(!report.succeeded());
        assert_eq!(
            serde_json::to_string(&report).unwrap(),
            json!({
                "applied": 2,
                "failures": [{"stack": "proj-app-dev", "logical_id": "Data", "type": "AWS::S3::Bucket",
                    "operation": "create", "code": "BucketAlreadyExists", "message": "taken"}],
                "skipped": [{"resource": "app.Policy", "because": "app.Data"}],
                "interrupted": false,
                "state_error": null,
            })
            .to_string()
        );
    }
}
