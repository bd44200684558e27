//! Destroying a stack whose export another stack still imports would break that stack: refused
//! before anything is deleted.

use super::error::OpError;
use crate::plan::run::Recorded;
use crate::project::Project;
use crate::template::eval::RefKind;
use crate::workspace::{self, Source};
use std::collections::BTreeMap;

/// The templates checked as `validate` checks them, before any AWS call or lock: a run over
/// templates that cannot work fails here, not after it locked the stacks and read the account.
/// (`selected`: stack keys; empty: all of them.)
pub fn templates_valid(
    source: &Source,
    env: Option<&str>,
    selected: &[String],
    region: Option<String>,
) -> Result<(), OpError> {
    run_valid(source, env, selected, region, &[])
}

/// [`templates_valid`], and every id given to an option (`("--replace", ids)`) names one
/// resource of the selected stacks: refused before any AWS call or lock otherwise.
pub fn run_valid(
    source: &Source,
    env: Option<&str>,
    selected: &[String],
    region: Option<String>,
    ids: &[(&str, &[String])],
) -> Result<(), OpError> {
    let ws = workspace::load_offline(source, env, selected, region)
        .map_err(|failure| OpError::Template(super::TemplateErrors(failure)))?;
    ids_known(&ws, ids)
}

/// [`run_valid`], keeping what it parsed and evaluated for the run's plan
/// ([`super::Scope::checked`]); `registry`: the engine's handlers.
pub fn run_checked(
    source: &Source,
    env: Option<&str>,
    selected: &[String],
    region: Option<String>,
    ids: &[(&str, &[String])],
    registry: crate::resources::Registry,
) -> Result<workspace::Checked, OpError> {
    let checked = workspace::Checked::load(source, env, selected, region, registry)
        .map_err(|failure| OpError::Template(super::TemplateErrors(failure)))?;
    checked
        .with_workspace(|ws| ids_known(ws, ids))
        .unwrap_or(Ok(()))?;
    Ok(checked)
}

fn ids_known(ws: &workspace::Workspace, ids: &[(&str, &[String])]) -> Result<(), OpError> {
    let problems: Vec<String> = ids
        .iter()
        .flat_map(|(option, ids)| crate::plan::target::unknown_ids(ws, option, ids))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(crate::plan::PlanError::Refused(problems).into())
    }
}

/// An export recorded by a stack about to be destroyed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Export<'a> {
    name: &'a str,
    stack: &'a str,
}

/// A `Fn::ImportValue` of a stack that stays.
#[derive(Debug, Clone, Copy)]
struct Import<'a> {
    stack: &'a str,
    logical_id: &'a str,
    export: &'a str,
}

/// Refuses to destroy `destroyed` (stack keys) while a stack of the project that is not destroyed
/// imports one of their recorded exports. Templates that do not load are not a reason to refuse.
pub fn refuse_imported_exports(
    source: &Source,
    project: Option<&Project>,
    env: &str,
    region: &str,
    destroyed: &[&str],
    states: &BTreeMap<String, Recorded>,
) -> Result<(), OpError> {
    let Some(project) = project else {
        return Ok(());
    };
    let exports = exports_of(destroyed, states);
    if exports.is_empty() {
        return Ok(());
    }
    let others: Vec<String> = project
        .stacks
        .keys()
        .filter(|k| !destroyed.contains(&k.as_str()))
        .cloned()
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    let Ok(ws) = workspace::load_offline(source, Some(env), &others, Some(region.to_string()))
    else {
        return Ok(());
    };
    let imports = ws.stacks.iter().flat_map(|stack| {
        stack.resources.values().flat_map(move |r| {
            r.references
                .iter()
                .filter(|x| x.kind == RefKind::ImportValue)
                .map(move |x| Import {
                    stack: &stack.id.key,
                    logical_id: &r.logical_id,
                    export: &x.target,
                })
        })
    });
    match first_in_use(&exports, imports) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

fn exports_of<'a>(destroyed: &[&str], states: &'a BTreeMap<String, Recorded>) -> Vec<Export<'a>> {
    states
        .iter()
        .filter(|(stack, _)| destroyed.contains(&stack.as_str()))
        .flat_map(|(stack, recorded)| {
            recorded
                .doc
                .outputs
                .values()
                .filter_map(move |o| o.export_name.as_deref().map(|name| Export { name, stack }))
        })
        .collect()
}

fn first_in_use<'a>(
    exports: &[Export<'a>],
    mut imports: impl Iterator<Item = Import<'a>>,
) -> Option<OpError> {
    imports.find_map(|import| {
        let export = exports.iter().find(|e| e.name == import.export)?;
        Some(OpError::ExportInUse {
            exporter: export.stack.to_string(),
            export: export.name.to_string(),
            importer: import.stack.to_string(),
            logical_id: import.logical_id.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateDocument;
    use crate::state::model::OutputState;

    fn states(exports: &[(&str, &str)]) -> BTreeMap<String, Recorded> {
        let mut states = BTreeMap::new();
        for stack in ["net", "app"] {
            let mut doc = StateDocument::new(format!("p-{stack}-dev"));
            for (name, exporter) in exports.iter().filter(|(_, s)| *s == stack) {
                doc.outputs.insert(
                    format!("{name}Output"),
                    OutputState {
                        value: serde_json::json!("value"),
                        export_name: Some(name.to_string()),
                        sensitive: false,
                    },
                );
                assert_eq!(*exporter, stack);
            }
            states.insert(stack.to_string(), Recorded { doc, etag: None });
        }
        states
    }

    #[test]
    fn only_the_destroyed_stacks_exports_count() {
        let states = states(&[("net-bucket", "net"), ("app-url", "app")]);
        assert_eq!(
            exports_of(&["net"], &states),
            [Export {
                name: "net-bucket",
                stack: "net"
            }]
        );
        assert!(exports_of(&[], &states).is_empty());
    }

    #[test]
    fn an_import_of_a_destroyed_export_is_named() {
        let exports = [Export {
            name: "net-bucket",
            stack: "net",
        }];
        let import = |export| Import {
            stack: "app",
            logical_id: "Logs",
            export,
        };
        assert!(first_in_use(&exports, [import("other")].into_iter()).is_none());
        let e = first_in_use(
            &exports,
            [import("other"), import("net-bucket")].into_iter(),
        )
        .expect("in use");
        assert_eq!(
            e.to_string(),
            "cannot destroy stack net: its export `net-bucket` is imported by app.Logs; destroy that stack first"
        );
    }

    /// The templates of the stacks that stay are read for their imports.
    #[test]
    fn the_project_templates_are_searched_for_imports() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write(
            "fuelflow.yaml",
            "project: p\nregion: us-east-1\nbackend:\n  bucket: b\n  lock_table: t\nstacks:\n  net: net.yaml\n  app: app.yaml\nenvironments:\n  dev: {}\n",
        );
        write(
            "net.yaml",
            "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\nOutputs:\n  Name:\n    Value: !Ref Bucket\n    Export:\n      Name: net-bucket\n",
        );
        write(
            "app.yaml",
            "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: !ImportValue net-bucket\n",
        );
        let source = Source::Project {
            dir: dir.path().to_path_buf(),
            file: None,
        };
        let project = workspace::read_project(dir.path(), None)
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostics))
            .1;
        let states = states(&[("net-bucket", "net")]);
        let refuse = |destroyed: &[&str]| {
            refuse_imported_exports(
                &source,
                Some(&project),
                "dev",
                "us-east-1",
                destroyed,
                &states,
            )
        };
        let e = refuse(&["net"]).expect_err("app imports net's export");
        assert!(matches!(e, OpError::ExportInUse { ref importer, .. } if importer == "app"));
        refuse(&["net", "app"]).expect("both go");
        refuse(&["app"]).expect("nothing imports app");
    }
}
