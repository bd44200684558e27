//! Loading what the user asked for: a project (`fuelflow.yaml` + stacks, one environment) or a
//! single template, parsed, evaluated and put in one resource graph. Nothing here calls AWS:
//! values that need AWS (the account id, availability zones) are passed in or stay unknown.

mod checked;
pub use checked::Checked;

use crate::diagnostic::Diagnostic;
use crate::graph::{self, ResourceGraph};
use crate::project::{self, Project};
use crate::source::{FileId, SourceMap};
use crate::template::eval::{Lookup, NothingExists, Pseudo};
use crate::template::model::Template;
use crate::template::params::Given;
use crate::template::stack::{self, Stack, StackId};
use crate::template::{model, yaml};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Templates larger than this are refused before parsing (CloudFormation's own limit is 1 MB).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone)]
pub enum Source {
    /// `fuelflow.yaml` in `dir` (or the explicit `--project` file).
    Project { dir: PathBuf, file: Option<PathBuf> },
    /// `-t/--template FILE` with `--stack-name` and `--parameter KEY=VALUE`.
    Template {
        path: PathBuf,
        stack_name: Option<String>,
        parameters: Vec<(String, String)>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// `--region`, else the project's region, else the SDK's, else us-east-1.
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub availability_zones: Option<Vec<String>>,
    /// The handlers, for the facts of each type (implicit dependencies).
    pub registry: crate::resources::Registry,
}

pub struct Workspace {
    pub sources: SourceMap,
    pub project: Option<Project>,
    pub env: Option<String>,
    pub region: String,
    pub stacks: Vec<Stack>,
    pub graph: ResourceGraph,
    /// The handlers the graph was built with (the engine's).
    pub registry: crate::resources::Registry,
    /// Warnings found while loading (errors make loading fail instead).
    pub warnings: Vec<Diagnostic>,
}

/// Loading failed: every problem found, and the files they point into.
pub struct Failure {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the project file only (for commands that need the backend or the environment list).
pub fn read_project(dir: &Path, file: Option<&Path>) -> Result<(SourceMap, Project), Failure> {
    let mut sources = SourceMap::new();
    let Some(path) = project::locate(dir, file) else {
        let d = Diagnostic::without_span(format!(
            "no {} in {} (use -C DIR, --project FILE, or -t TEMPLATE for a single template)",
            project::FILE_NAME,
            crate::source::display_path(dir)
        ));
        return Err(Failure {
            sources,
            diagnostics: vec![d],
        });
    };
    let id = match read_file(&mut sources, &path) {
        Ok(id) => id,
        Err(d) => {
            return Err(Failure {
                sources,
                diagnostics: vec![d],
            });
        }
    };
    match project::read(&sources, id) {
        Ok(project) => Ok((sources, project)),
        Err(diagnostics) => Err(Failure {
            sources,
            diagnostics,
        }),
    }
}

/// Loads, evaluates and graphs the selected stacks of one environment (or the one template).
pub fn load(
    source: &Source,
    env: Option<&str>,
    selected: &[String],
    facts: &Facts,
    lookup: &dyn Lookup,
) -> Result<Workspace, Failure> {
    Templates::read(source, env, selected)?.into_workspace(facts, lookup)
}

/// The files of a run read and parsed, not evaluated yet: a plan evaluates them several times
/// (offline first, then with what exists, again once SSM parameters or data sources are
/// known), and parsing is most of the cost of an evaluation, so they are parsed once.
pub struct Templates {
    sources: SourceMap,
    project: Option<Project>,
    env: Option<String>,
    stacks: Vec<Parsed>,
}

/// One selected stack's template, parsed.
struct Parsed {
    spec: Spec,
    /// The template, when the file was read and parsed.
    template: Option<Arc<Template>>,
    /// What reading and parsing it found (reported at every evaluation, in this order).
    errors: Vec<Diagnostic>,
}

impl Templates {
    /// Reads and parses the selected stacks of one environment (or the one template).
    pub fn read(
        source: &Source,
        env: Option<&str>,
        selected: &[String],
    ) -> Result<Templates, Failure> {
        let (mut sources, project, specs) = match source {
            Source::Project { dir, file } => {
                let (sources, project) = read_project(dir, file.as_deref())?;
                let specs = match project_specs(&project, env, selected) {
                    Ok(specs) => specs,
                    Err(d) => {
                        return Err(Failure {
                            sources,
                            diagnostics: vec![d],
                        });
                    }
                };
                (sources, Some(project), specs)
            }
            Source::Template {
                path,
                stack_name,
                parameters,
            } => {
                let name = stack_name.clone().unwrap_or_else(|| {
                    path.file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "stack".into())
                });
                let spec = Spec {
                    id: StackId {
                        key: name.clone(),
                        name,
                    },
                    path: path.clone(),
                    given: given(parameters),
                    strict: true,
                };
                (SourceMap::new(), None, vec![spec])
            }
        };
        let stacks = specs
            .into_iter()
            .map(|spec| match read_file(&mut sources, &spec.path) {
                Ok(file) => parse(&sources, file, spec),
                Err(d) => Parsed {
                    spec,
                    template: None,
                    errors: vec![d],
                },
            })
            .collect();
        Ok(Templates {
            sources,
            project,
            env: env.map(str::to_string),
            stacks,
        })
    }

    /// One template held in memory.
    fn of_text(name: &str, text: String, parameters: &[(String, String)]) -> Templates {
        let mut sources = SourceMap::new();
        let file = sources.add(name, text);
        let spec = Spec {
            id: StackId {
                key: "stack".into(),
                name: "stack".into(),
            },
            path: PathBuf::from(name),
            given: given(parameters),
            strict: true,
        };
        let parsed = parse(&sources, file, spec);
        Templates {
            sources,
            project: None,
            env: None,
            stacks: vec![parsed],
        }
    }

    /// Evaluates and graphs the templates (the files are copied into the workspace).
    pub fn evaluate(&self, facts: &Facts, lookup: &dyn Lookup) -> Result<Workspace, Failure> {
        let mut sources = SourceMap::new();
        for (_, file) in self.sources.files() {
            sources.add(file.path.clone(), file.text.clone());
        }
        evaluate_all(
            sources,
            self.project.clone(),
            self.env.as_deref(),
            &self.stacks,
            facts,
            lookup,
        )
    }

    /// [`Templates::evaluate`], the files moved into the workspace.
    pub fn into_workspace(self, facts: &Facts, lookup: &dyn Lookup) -> Result<Workspace, Failure> {
        let Templates {
            sources,
            project,
            env,
            stacks,
        } = self;
        evaluate_all(sources, project, env.as_deref(), &stacks, facts, lookup)
    }

    /// Whether these are the templates `read(source, env, selected)` gives, for the source they
    /// were read from.
    pub fn are(&self, env: Option<&str>, selected: &[String]) -> bool {
        let Some(project) = &self.project else {
            // A single template: the one file whatever the selection (the environment only
            // names the workspace's).
            return true;
        };
        let keys = project
            .stacks
            .values()
            .filter(|s| selected.is_empty() || selected.contains(&s.key))
            .map(|s| s.key.as_str());
        self.env.as_deref() == env && keys.eq(self.stacks.iter().map(|p| p.spec.id.key.as_str()))
    }
}

fn region_of(facts: &Facts, project: Option<&Project>) -> String {
    facts
        .region
        .clone()
        .or_else(|| project.and_then(|p| p.region.clone()))
        .unwrap_or_else(|| "us-east-1".to_string())
}

fn given(parameters: &[(String, String)]) -> IndexMap<String, Given> {
    parameters
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                Given {
                    value: v.clone(),
                    span: None,
                },
            )
        })
        .collect()
}

/// Parses and reads one template file.
fn parse(sources: &SourceMap, file: FileId, spec: Spec) -> Parsed {
    let mut errors = Vec::new();
    let template = match yaml::parse(file, sources.get(file)) {
        Ok(root) => model::read(file, &root, &mut errors).map(Arc::new),
        Err(e) => {
            errors = e;
            None
        }
    };
    Parsed {
        spec,
        template,
        errors,
    }
}

fn evaluate_all(
    sources: SourceMap,
    project: Option<Project>,
    env: Option<&str>,
    parsed: &[Parsed],
    facts: &Facts,
    lookup: &dyn Lookup,
) -> Result<Workspace, Failure> {
    let region = region_of(facts, project.as_ref());
    let mut errors = Vec::new();
    let mut stacks = Vec::new();
    for p in parsed {
        errors.extend(p.errors.iter().cloned());
        if let Some(template) = &p.template {
            stacks.push(evaluate_stack(
                p,
                template.clone(),
                &region,
                facts,
                lookup,
                &mut errors,
            ));
        }
    }
    finish(
        sources,
        project,
        env,
        region,
        stacks,
        errors,
        &facts.registry,
    )
}

/// Loads one template held in memory (for tests, fuzzing and benchmarks).
pub fn load_text(
    name: &str,
    text: String,
    parameters: &[(String, String)],
    facts: &Facts,
) -> Result<Workspace, Failure> {
    Templates::of_text(name, text, parameters).into_workspace(facts, &NothingExists)
}

/// Evaluates one parsed template.
fn evaluate_stack(
    parsed: &Parsed,
    template: Arc<Template>,
    region: &str,
    facts: &Facts,
    lookup: &dyn Lookup,
    errors: &mut Vec<Diagnostic>,
) -> Stack {
    let spec = &parsed.spec;
    let file = template.file;
    let mut pseudo = Pseudo::new(&spec.id.name, region);
    pseudo.account_id = facts.account_id.clone();
    pseudo.availability_zones = facts.availability_zones.clone();
    let mut stack_errors = Vec::new();
    let stack = stack::evaluate(
        spec.id.clone(),
        template,
        pseudo,
        &spec.given,
        spec.strict,
        lookup,
        &mut stack_errors,
    );
    if spec.strict {
        // Parameter errors of template mode have no span: say which file they are about.
        for d in stack_errors.iter_mut().filter(|d| d.span.is_none()) {
            d.span = Some(crate::source::Span::new(file, 0, 0));
        }
    }
    errors.extend(stack_errors);
    stack
}

/// Properties the type's schema knows but its handler does not manage: refused here, at
/// validate, so they never fail an apply half-way or get dropped silently.
fn unmanaged_properties(stack: &Stack, registry: &crate::resources::Registry) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for r in stack.template.resources.values() {
        let (Some(handler), Some(entries)) = (
            registry.get(&r.type_name.value),
            r.properties.as_ref().and_then(|p| p.as_map()),
        ) else {
            continue;
        };
        let managed = handler.managed_properties();
        let schema = crate::schema::lookup(&r.type_name.value);
        for (key, _) in entries {
            let known =
                schema.is_some_and(|s| s.properties.properties.iter().any(|p| p.name == key.name));
            // Unknown names are the schema check's to report (with a suggestion).
            if known && !managed.contains(&key.name.as_str()) {
                errors.push(
                    Diagnostic::error(
                        key.span,
                        format!(
                            "property `{}` of `{}` ({}) is not supported by fuelflow yet",
                            key.name, r.logical_id, r.type_name.value
                        ),
                    )
                    .with_note(format!("supported: {}", managed.join(", "))),
                );
            }
        }
    }
    errors
}

/// Lambda code paths confined to the project directory (the template's in template mode).
fn local_code_errors(
    sources: &SourceMap,
    project: Option<&Project>,
    stack: &Stack,
) -> Vec<Diagnostic> {
    let template_file = &sources.get(stack.template.file).path;
    let dir_of = |p: &Path| match p.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let template_dir = dir_of(template_file);
    let root = project.map_or_else(|| template_dir.clone(), |p| dir_of(&p.path));
    crate::resources::lambda::code::local_code_errors(&stack.template, &template_dir, &root)
}

/// Splits warnings from errors and builds the graph when there are no errors.
fn finish(
    sources: SourceMap,
    project: Option<Project>,
    env: Option<&str>,
    region: String,
    stacks: Vec<Stack>,
    errors: Vec<Diagnostic>,
    registry: &crate::resources::Registry,
) -> Result<Workspace, Failure> {
    let mut errors = errors;
    for stack in &stacks {
        errors.extend(unmanaged_properties(stack, registry));
        errors.extend(local_code_errors(&sources, project.as_ref(), stack));
    }
    let (errors, warnings): (Vec<_>, Vec<_>) = errors.into_iter().partition(Diagnostic::is_error);
    if !errors.is_empty() {
        return Err(Failure {
            sources,
            diagnostics: errors.into_iter().chain(warnings).collect(),
        });
    }
    match graph::build(&stacks, registry) {
        Ok(graph) => Ok(Workspace {
            sources,
            project,
            env: env.map(str::to_string),
            region,
            stacks,
            graph,
            warnings,
            registry: registry.clone(),
        }),
        Err(diagnostics) => Err(Failure {
            sources,
            diagnostics,
        }),
    }
}

/// Loads with nothing deployed and no AWS facts (what `validate` and `graph` see).
pub fn load_offline(
    source: &Source,
    env: Option<&str>,
    selected: &[String],
    region: Option<String>,
) -> Result<Workspace, Failure> {
    let facts = Facts {
        region,
        ..Facts::default()
    };
    load(source, env, selected, &facts, &NothingExists)
}

/// Drops `value` on a thread of its own: a workspace or plan of many resources takes a while to
/// free, and nothing needs to wait for that.
pub fn drop_elsewhere<T: Send + 'static>(value: T) {
    // Without a thread to be had, it is dropped here, with the closure the error returns.
    let _ = std::thread::Builder::new()
        .name("drop".into())
        .spawn(move || drop(value));
}

struct Spec {
    id: StackId,
    path: PathBuf,
    given: IndexMap<String, Given>,
    strict: bool,
}

fn project_specs(
    project: &Project,
    env: Option<&str>,
    selected: &[String],
) -> Result<Vec<Spec>, Diagnostic> {
    let environment = match env {
        Some(name) => Some(project.environment(name, None)?),
        None => None,
    };
    for s in selected {
        if !project.stacks.contains_key(s) {
            let known: Vec<&str> = project.stacks.keys().map(String::as_str).collect();
            let mut d = Diagnostic::without_span(format!(
                "stack `{s}` is not listed in {}",
                project::FILE_NAME
            ));
            if let Some(best) = crate::suggest::closest(s, known.iter().copied()) {
                d = d.with_note(format!("did you mean `{best}`?"));
            }
            return Err(d.with_note(format!("stacks: {}", known.join(", "))));
        }
    }
    let env_name = env.unwrap_or("default");
    Ok(project
        .stacks
        .values()
        .filter(|s| selected.is_empty() || selected.contains(&s.key))
        .map(|s| Spec {
            id: StackId {
                key: s.key.clone(),
                name: project.stack_name(&s.key, env_name),
            },
            path: s.template.clone(),
            given: environment
                .map(|e| e.parameters.clone())
                .unwrap_or_default(),
            strict: false,
        })
        .collect())
}

/// Reads a file into the source map, refusing huge and non-UTF-8 files with a clear message.
pub fn read_file(sources: &mut SourceMap, path: &Path) -> Result<FileId, Diagnostic> {
    let shown = crate::source::display_path(path);
    let bytes = crate::source::read_bounded(path, MAX_FILE_BYTES)
        .map_err(|e| Diagnostic::without_span(format!("cannot read {shown}: {e}")))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(sources.add(path, text)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let id = sources.add(path, text);
            let at = crate::source::Span::new(id, valid, valid + 1);
            Err(Diagnostic::error(
                at,
                format!("{shown} is not valid UTF-8 (byte {valid})"),
            ))
        }
    }
}

impl Facts {
    /// Looks up what plan-time evaluation needs from AWS: the account id (STS) and the region's
    /// availability zones (EC2), concurrently.
    pub async fn from_aws(config: &aws_config::SdkConfig) -> Result<Facts, crate::aws::AwsError> {
        let (account, zones) = tokio::join!(
            crate::aws::account_id(config),
            crate::aws::availability_zones(config)
        );
        Ok(Facts {
            region: config.region().map(|r| r.to_string()),
            account_id: Some(account?),
            availability_zones: Some(zones?),
            registry: crate::resources::Registry::builtin(),
        })
    }
}
