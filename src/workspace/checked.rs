//! The offline check a run makes before any AWS call, kept for its plan (see [`Checked`]).

use super::{Facts, Failure, Source, Templates, Workspace, drop_elsewhere, region_of};
use crate::template::eval::{Lookup, NothingExists};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// A run's templates checked offline, as `validate` checks them, before any AWS call: kept for
/// the run's plan, which evaluates the same parsed files, and takes the offline workspace
/// itself when that evaluation asked nothing of what exists and read no AWS fact (the plan's
/// own evaluation would come out the same, so it is not made twice).
pub struct Checked {
    pub templates: Templates,
    offline: Mutex<Option<Offline>>,
}

struct Offline {
    workspace: Workspace,
    /// Whether the evaluation asked its lookup anything or read the account or the zones.
    asked: bool,
}

impl std::fmt::Debug for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Checked { .. }")
    }
}

impl Checked {
    /// Reads, parses and evaluates offline (nothing deployed, no AWS facts) with `registry`,
    /// the handlers the run's engine has.
    pub fn load(
        source: &Source,
        env: Option<&str>,
        selected: &[String],
        region: Option<String>,
        registry: crate::resources::Registry,
    ) -> Result<Checked, Failure> {
        let templates = Templates::read(source, env, selected)?;
        let facts = Facts {
            region,
            registry,
            ..Facts::default()
        };
        let recording = Recording::new(&NothingExists);
        let workspace = templates.evaluate(&facts, &recording)?;
        let asked = recording.asked();
        Ok(Checked {
            templates,
            offline: Mutex::new(Some(Offline { workspace, asked })),
        })
    }

    /// The offline workspace.
    pub fn with_workspace<T>(&self, f: impl FnOnce(&Workspace) -> T) -> Option<T> {
        let offline = self.offline.lock().unwrap_or_else(|e| e.into_inner());
        offline.as_ref().map(|o| f(&o.workspace))
    }

    /// The offline workspace, once, as `templates.evaluate(facts, lookup)` would make it with
    /// any `lookup`: `None` when its evaluation depended on what exists or on AWS facts, or ran
    /// in another region (then it is dropped on another thread: freeing a large workspace
    /// takes a while).
    pub fn take_workspace(&self, facts: &Facts, env: Option<&str>) -> Option<Workspace> {
        let taken = self
            .offline
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        let region = region_of(facts, self.templates.project.as_ref());
        if taken.asked || taken.workspace.region != region {
            drop_elsewhere(taken.workspace);
            return None;
        }
        let mut workspace = taken.workspace;
        // Read by nothing evaluated so far; what apply evaluates later reads them.
        for stack in &mut workspace.stacks {
            stack.pseudo.account_id = facts.account_id.clone();
            stack.pseudo.availability_zones = facts.availability_zones.clone();
        }
        workspace.env = env.map(str::to_string);
        workspace.registry = facts.registry.clone();
        Some(workspace)
    }
}

/// A lookup that notes whether anything was asked of it (or an AWS fact was read).
struct Recording<'a> {
    inner: &'a dyn Lookup,
    asked: AtomicBool,
}

impl<'a> Recording<'a> {
    fn new(inner: &'a dyn Lookup) -> Recording<'a> {
        Recording {
            inner,
            asked: AtomicBool::new(false),
        }
    }

    fn asked(&self) -> bool {
        self.asked.load(Ordering::Relaxed)
    }

    fn ask(&self) -> &dyn Lookup {
        self.asked.store(true, Ordering::Relaxed);
        self.inner
    }
}

impl Lookup for Recording<'_> {
    fn physical_id(&self, stack: &str, logical_id: &str) -> Option<crate::template::Value> {
        self.ask().physical_id(stack, logical_id)
    }
    fn attribute(
        &self,
        stack: &str,
        logical_id: &str,
        attribute: &str,
    ) -> Option<crate::template::Value> {
        self.ask().attribute(stack, logical_id, attribute)
    }
    fn export(&self, name: &str) -> Option<crate::template::Value> {
        self.ask().export(name)
    }
    fn ssm_parameter(&self, name: &str) -> Option<String> {
        self.ask().ssm_parameter(name)
    }
    fn fact_read(&self) {
        self.ask().fact_read();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The offline check of `text` as a template file, and the plan's facts.
    fn checked(text: &str) -> (tempfile::TempDir, Checked, Facts) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.yaml");
        std::fs::write(&path, text).unwrap();
        let source = Source::Template {
            path,
            stack_name: None,
            parameters: Vec::new(),
        };
        let registry = crate::resources::Registry::builtin();
        let checked = Checked::load(&source, None, &[], None, registry.clone())
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
        let facts = Facts {
            region: Some("us-east-1".into()),
            account_id: Some("123456789012".into()),
            availability_zones: Some(vec!["us-east-1a".into()]),
            registry,
        };
        (dir, checked, facts)
    }

    #[test]
    fn an_evaluation_that_asked_nothing_is_the_plans_with_the_facts_filled_in() {
        let (_dir, checked, facts) = checked(
            "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: my-bucket}\n",
        );
        let ws = checked.take_workspace(&facts, None).expect("reused");
        assert_eq!(
            ws.stacks[0].pseudo.account_id.as_deref(),
            Some("123456789012")
        );
        assert_eq!(ws.stacks[0].resources["B"].properties, {
            let again = checked
                .templates
                .evaluate(&facts, &NothingExists)
                .ok()
                .unwrap();
            again.stacks[0].resources["B"].properties.clone()
        });
        assert!(checked.take_workspace(&facts, None).is_none(), "taken once");
    }

    #[test]
    fn an_evaluation_that_read_what_exists_or_an_aws_fact_is_made_again() {
        for text in [
            "Resources:\n  A: {Type: AWS::S3::Bucket}\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: !Ref A}\n",
            "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: !Sub 'b-${AWS::AccountId}'}\n",
            "Resources:\n  B:\n    Type: AWS::S3::Bucket\nOutputs:\n  Z: {Value: !Select [0, !GetAZs '']}\n",
        ] {
            let (_dir, checked, facts) = checked(text);
            assert!(checked.take_workspace(&facts, None).is_none(), "{text}");
        }
        let (_dir, checked, mut facts) = checked("Resources:\n  B: {Type: AWS::S3::Bucket}\n");
        facts.region = Some("eu-west-1".into());
        assert!(
            checked.take_workspace(&facts, None).is_none(),
            "another region"
        );
    }
}
