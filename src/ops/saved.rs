//! A saved plan (`plan --out FILE`, `apply FILE`): the plan and the states it was made against,
//! carried out only if nothing moved since.

use super::error::{OpError, Stale};
use crate::plan::Plan;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub fuelflow_version: String,
    pub plan: Plan,
}

impl SavedPlan {
    /// `plan` as saved by this version of fuelflow.
    pub fn new(plan: Plan) -> SavedPlan {
        SavedPlan {
            fuelflow_version: env!("CARGO_PKG_VERSION").into(),
            plan,
        }
    }

    pub fn write(&self, path: &Path) -> Result<(), OpError> {
        let text = serde_json::to_vec_pretty(self).unwrap_or_default();
        std::fs::write(path, text).map_err(|error| OpError::WritePlan {
            path: path.to_path_buf(),
            error,
        })
    }

    pub fn read(path: &Path) -> Result<SavedPlan, OpError> {
        let text = std::fs::read(path).map_err(|error| OpError::ReadPlan {
            path: path.to_path_buf(),
            error,
        })?;
        serde_json::from_slice(&text).map_err(|error| OpError::NotAPlan {
            path: path.to_path_buf(),
            error,
        })
    }

    /// What the plan was asked for beyond the templates, added to `replace`, `exclude` and
    /// `refresh_only` (as `stack.LogicalId`), so it can be made again the same way.
    pub fn requested(
        &self,
        replace: &mut Vec<String>,
        exclude: &mut Vec<String>,
        refresh_only: &mut bool,
    ) {
        *refresh_only |= self.plan.refresh_only;
        for stack in &self.plan.stacks {
            let qualified = |id: &str| format!("{}.{id}", stack.stack);
            replace.extend(
                stack
                    .changes
                    .iter()
                    .filter(|c| c.reason.as_deref() == Some(crate::plan::REPLACE_REQUESTED))
                    .map(|c| qualified(&c.logical_id)),
            );
            exclude.extend(
                stack
                    .excluded
                    .iter()
                    .filter(|e| e.because == "--exclude")
                    .map(|e| qualified(&e.logical_id)),
            );
        }
    }

    /// Whether this plan still holds: the same states (lineage and serial) and the same changes
    /// computed again `now`.
    pub fn check(&self, now: &Plan) -> Result<(), Stale> {
        for (old, new) in self.plan.stacks.iter().zip(&now.stacks) {
            if old.stack != new.stack || old.lineage != new.lineage || old.serial != new.serial {
                return Err(Stale::StateMoved {
                    stack: old.stack.clone(),
                    then: old.serial,
                    now: new.serial,
                });
            }
        }
        if self.plan.env != now.env || self.plan.stacks != now.stacks {
            return Err(Stale::ChangesDiffer);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, Change, StackPlan};

    fn plan(serial: u64, actions: &[Action]) -> Plan {
        Plan {
            format_version: 1,
            env: "dev".into(),
            destroy: false,
            estimated_seconds: None,
            refresh_only: false,
            stacks: vec![StackPlan {
                stack: "app".into(),
                stack_name: "proj-app-dev".into(),
                lineage: Some("lineage-1".into()),
                serial,
                changes: actions
                    .iter()
                    .map(|&action| Change {
                        stack: "app".into(),
                        logical_id: "Data".into(),
                        resource_type: "AWS::S3::Bucket".into(),
                        action,
                        physical_id: None,
                        properties: Vec::new(),
                        replace_because: Vec::new(),
                        reason: None,
                    })
                    .collect(),
                outputs: Vec::new(),
                excluded: Vec::new(),
            }],
        }
    }

    #[test]
    fn a_saved_plan_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.plan");
        let saved = SavedPlan::new(plan(4, &[Action::Create]));
        saved.write(&path).unwrap();
        let read = SavedPlan::read(&path).unwrap();
        assert_eq!(read, saved);
        assert_eq!(read.fuelflow_version, env!("CARGO_PKG_VERSION"));
        assert_eq!(read.check(&plan(4, &[Action::Create])), Ok(()));
    }

    #[test]
    fn a_saved_plan_is_made_again_as_it_was_asked() {
        let mut asked = plan(4, &[Action::Replace]);
        asked.stacks[0].changes[0].reason = Some(crate::plan::REPLACE_REQUESTED.into());
        asked.stacks[0].excluded = vec![
            crate::plan::Excluded {
                logical_id: "Logs".into(),
                because: "--exclude".into(),
                left_out: Some(Action::Update),
            },
            crate::plan::Excluded {
                logical_id: "Policy".into(),
                because: "depends on app.Logs (excluded)".into(),
                left_out: None,
            },
        ];
        let (mut replace, mut exclude, mut refresh_only) = (Vec::new(), Vec::new(), false);
        SavedPlan::new(asked).requested(&mut replace, &mut exclude, &mut refresh_only);
        assert_eq!(replace, ["app.Data"]);
        assert_eq!(exclude, ["app.Logs"], "dependents follow by themselves");
        assert!(!refresh_only);
        let mut accepted = plan(4, &[Action::Update]);
        accepted.refresh_only = true;
        SavedPlan::new(accepted).requested(&mut replace, &mut exclude, &mut refresh_only);
        assert!(refresh_only);
    }

    #[test]
    fn a_plan_made_against_another_serial_is_stale() {
        let saved = SavedPlan::new(plan(4, &[Action::Create]));
        let stale = saved.check(&plan(5, &[Action::Create])).unwrap_err();
        assert_eq!(
            stale,
            Stale::StateMoved {
                stack: "app".into(),
                then: 4,
                now: 5
            }
        );
        assert!(stale.to_string().starts_with(
            "stale plan: the state of stack app changed since the plan was saved (serial 4 then, 5 now)"
        ));
    }

    #[test]
    fn a_plan_whose_changes_differ_now_is_stale() {
        let saved = SavedPlan::new(plan(4, &[Action::Create]));
        assert_eq!(
            saved.check(&plan(4, &[Action::Update])),
            Err(Stale::ChangesDiffer)
        );
        assert_eq!(saved.check(&plan(4, &[])), Err(Stale::ChangesDiffer));
        let mut other_env = plan(4, &[Action::Create]);
        other_env.env = "prod".into();
        assert_eq!(saved.check(&other_env), Err(Stale::ChangesDiffer));
    }

    #[test]
    fn a_file_that_is_not_a_plan_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "hello").unwrap();
        let e = SavedPlan::read(&path).unwrap_err();
        assert!(matches!(e, OpError::NotAPlan { .. }), "{e}");
        assert!(e.to_string().contains("notes.txt is not a fuelflow plan"));
        let missing = SavedPlan::read(&dir.path().join("gone.plan")).unwrap_err();
        assert!(missing.to_string().starts_with("reading the plan "));
    }
}
