//! `fuelflow.yaml`: the project name, region, state backend, stacks and environments.
//! Unknown keys are errors with their position, like every other mistake in the user's files.

use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use crate::template::model::unknown_key;
use crate::template::params::Given;
use crate::template::yaml::{self, Key, Kind, Node};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "fuelflow.yaml";

#[derive(Debug, Clone)]
pub struct Project {
    pub file: FileId,
    pub path: PathBuf,
    pub name: String,
    pub region: Option<String>,
    pub backend: Option<Backend>,
    pub stacks: IndexMap<String, StackEntry>,
    pub environments: IndexMap<String, Environment>,
}

#[derive(Debug, Clone)]
pub struct Backend {
    /// May contain `${AWS::AccountId}` and `${AWS::Region}`.
    pub bucket: String,
    pub lock_table: String,
    pub key_prefix: String,
    pub kms_key_id: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct StackEntry {
    pub key: String,
    pub template: PathBuf,
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub name: String,
    pub span: Span,
    pub parameters: IndexMap<String, Given>,
    /// Usage assumptions for cost estimates (`lambda_requests_per_month: 1000000`).
    pub usage: IndexMap<String, f64>,
    /// The environment's region (over the project's `region`; `--region` still wins).
    pub region: Option<String>,
    /// The AWS profile whose credentials the environment uses (`--profile` still wins).
    pub profile: Option<String>,
    /// A role assumed for every call of the environment (its account: state, locks, resources).
    pub assume_role: Option<AssumeRole>,
}

/// `role_arn` (+ `external_id`, `session_name`) of an environment: assumed through STS with the
/// credentials the profile or the standard chain gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub external_id: Option<String>,
    /// Default: `fuelflow-<project>-<env>` (what CloudTrail shows as the session).
    pub session_name: Option<String>,
}

impl Project {
    /// The full stack name: `<project>-<stack>-<env>`.
    pub fn stack_name(&self, stack_key: &str, env: &str) -> String {
        format!("{}-{stack_key}-{env}", self.name)
    }

    pub fn environment(
        &self,
        name: &str,
        span_hint: Option<Span>,
    ) -> Result<&Environment, Diagnostic> {
        self.environments.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.environments.keys().map(String::as_str).collect();
            let message = format!("environment `{name}` is not defined in {FILE_NAME}");
            let mut d = match span_hint {
                Some(span) => Diagnostic::error(span, message),
                None => Diagnostic::without_span(message),
            };
            if let Some(best) = crate::suggest::closest(name, known.iter().copied()) {
                d = d.with_note(format!("did you mean `{best}`?"));
            }
            d.with_note(format!("environments: {}", known.join(", ")))
        })
    }
}

/// Finds the project file: `--project FILE`, else `fuelflow.yaml` in `dir`.
pub fn locate(dir: &Path, explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(path) => Some(dir.join(path)),
        None => Some(dir.join(FILE_NAME)).filter(|p| p.is_file()),
    }
}

/// A stack or environment name must fit in a CloudFormation-style stack name.
fn is_valid_stack_part(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.len() <= 64
}

/// Reads and checks a project file already loaded into `sources`.
pub fn read(sources: &SourceMap, file: FileId) -> Result<Project, Vec<Diagnostic>> {
    let source = sources.get(file);
    let root = yaml::parse(file, source)?;
    let mut errors = Vec::new();
    let base = source.path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut project = Project {
        file,
        path: source.path.clone(),
        name: String::new(),
        region: None,
        backend: None,
        stacks: IndexMap::new(),
        environments: IndexMap::new(),
    };
    let Some(entries) = root.as_map() else {
        return Err(vec![Diagnostic::error(
            root.span,
            format!("{FILE_NAME} must be a mapping"),
        )]);
    };
    let mut saw_project = false;
    for (key, value) in entries {
        match key.name.as_str() {
            "project" => {
                saw_project = true;
                if let Some(name) = text(value, "project", &mut errors) {
                    if !is_valid_stack_part(&name) {
                        errors.push(Diagnostic::error(value.span, format!("project name `{name}` must start with a letter and contain only letters, digits and `-`")));
                    }
                    project.name = name;
                }
            }
            "region" => project.region = text(value, "region", &mut errors),
            "backend" => project.backend = read_backend(value, &mut errors),
            "stacks" => {
                for (k, v) in map(value, "stacks", &mut errors) {
                    if !is_valid_stack_part(&k.name) {
                        errors.push(Diagnostic::error(k.span, format!("stack name `{}` must start with a letter and contain only letters, digits and `-`", k.name)));
                    }
                    if let Some(path) = text(v, &format!("stacks.{}", k.name), &mut errors) {
                        let template = base.join(&path);
                        if !template.is_file() {
                            errors.push(Diagnostic::error(
                                v.span,
                                format!("template `{path}` of stack `{}` does not exist", k.name),
                            ));
                        }
                        project.stacks.insert(
                            k.name.clone(),
                            StackEntry {
                                key: k.name.clone(),
                                template,
                                span: v.span,
                            },
                        );
                    }
                }
            }
            "environments" => {
                for (k, v) in map(value, "environments", &mut errors) {
                    if !is_valid_stack_part(&k.name) {
                        errors.push(Diagnostic::error(k.span, format!("environment name `{}` must start with a letter and contain only letters, digits and `-`", k.name)));
                    }
                    project
                        .environments
                        .insert(k.name.clone(), read_environment(k, v, &mut errors));
                }
            }
            other => errors.push(unknown_key(
                key,
                other,
                "key",
                &["project", "region", "backend", "stacks", "environments"],
            )),
        }
    }
    if !saw_project {
        errors.push(Diagnostic::error(
            root.span,
            format!("{FILE_NAME} has no `project` name"),
        ));
    }
    if project.stacks.is_empty() && errors.is_empty() {
        errors.push(Diagnostic::error(
            root.span,
            format!("{FILE_NAME} lists no `stacks`"),
        ));
    }
    if errors.is_empty() {
        Ok(project)
    } else {
        Err(errors)
    }
}

fn text(node: &Node, what: &str, errors: &mut Vec<Diagnostic>) -> Option<String> {
    match &node.kind {
        Kind::String(s) | Kind::Number(s) => Some(s.clone()),
        _ => {
            errors.push(Diagnostic::error(
                node.span,
                format!("`{what}` must be a string, found {}", node.describe()),
            ));
            None
        }
    }
}

fn map<'n>(node: &'n Node, what: &str, errors: &mut Vec<Diagnostic>) -> &'n [(Key, Node)] {
    match &node.kind {
        Kind::Map(entries) => entries,
        Kind::Null => &[],
        _ => {
            errors.push(Diagnostic::error(
                node.span,
                format!("`{what}` must be a mapping, found {}", node.describe()),
            ));
            &[]
        }
    }
}

fn read_backend(node: &Node, errors: &mut Vec<Diagnostic>) -> Option<Backend> {
    let (mut bucket, mut lock_table, mut key_prefix, mut kms_key_id) = (None, None, None, None);
    for (k, v) in map(node, "backend", errors) {
        let what = format!("backend.{}", k.name);
        match k.name.as_str() {
            "bucket" => bucket = text(v, &what, errors),
            "lock_table" => lock_table = text(v, &what, errors),
            "key_prefix" => key_prefix = text(v, &what, errors),
            "kms_key_id" => kms_key_id = text(v, &what, errors),
            other => errors.push(unknown_key(
                k,
                other,
                "backend key",
                &["bucket", "lock_table", "key_prefix", "kms_key_id"],
            )),
        }
    }
    let missing: Vec<&str> = [
        ("bucket", bucket.is_none()),
        ("lock_table", lock_table.is_none()),
    ]
    .into_iter()
    .filter_map(|(name, missing)| missing.then_some(name))
    .collect();
    if !missing.is_empty() {
        errors.push(Diagnostic::error(
            node.span,
            format!("`backend` needs {}", missing.join(" and ")),
        ));
        return None;
    }
    Some(Backend {
        bucket: bucket?,
        lock_table: lock_table?,
        key_prefix: key_prefix.unwrap_or_else(|| "fuelflow".to_string()),
        kms_key_id,
        span: node.span,
    })
}

fn read_environment(key: &Key, node: &Node, errors: &mut Vec<Diagnostic>) -> Environment {
    let mut env = Environment {
        name: key.name.clone(),
        span: key.span,
        ..Environment::default()
    };
    let (mut role_arn, mut external_id, mut session_name) = (None, None, None);
    for (k, v) in map(node, &format!("environments.{}", key.name), errors) {
        let what = format!("environments.{}.{}", key.name, k.name);
        match k.name.as_str() {
            "region" => env.region = text(v, &what, errors),
            "profile" => env.profile = text(v, &what, errors),
            "role_arn" => {
                role_arn = text(v, &what, errors);
                if let Some(arn) = role_arn.as_deref().filter(|a| !is_role_arn(a)) {
                    errors.push(Diagnostic::error(
                        v.span,
                        format!("`{what}` must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), found `{arn}`"),
                    ));
                }
            }
            "external_id" => external_id = Some((text(v, &what, errors), v.span)),
            "session_name" => session_name = Some((text(v, &what, errors), v.span)),
            "parameters" => {
                for (pk, pv) in map(v, "parameters", errors) {
                    match &pv.kind {
                        Kind::Seq(items) => {
                            let parts: Option<Vec<String>> =
                                items.iter().map(Node::scalar_text).collect();
                            match parts {
                                Some(parts) => {
                                    env.parameters.insert(
                                        pk.name.clone(),
                                        Given {
                                            value: parts.join(","),
                                            span: Some(pv.span),
                                        },
                                    );
                                }
                                None => errors.push(Diagnostic::error(
                                    pv.span,
                                    format!(
                                        "parameter `{}` must be a string or a list of strings",
                                        pk.name
                                    ),
                                )),
                            }
                        }
                        _ => match pv.scalar_text() {
                            Some(value) => {
                                env.parameters.insert(
                                    pk.name.clone(),
                                    Given {
                                        value,
                                        span: Some(pv.span),
                                    },
                                );
                            }
                            None => errors.push(Diagnostic::error(
                                pv.span,
                                format!(
                                    "parameter `{}` must be a string, found {}",
                                    pk.name,
                                    pv.describe()
                                ),
                            )),
                        },
                    }
                }
            }
            "usage" => {
                for (uk, uv) in map(v, "usage", errors) {
                    match uv.scalar_text().and_then(|t| t.parse::<f64>().ok()) {
                        Some(n) => {
                            env.usage.insert(uk.name.clone(), n);
                        }
                        None => errors.push(Diagnostic::error(
                            uv.span,
                            format!("usage `{}` must be a number", uk.name),
                        )),
                    }
                }
            }
            other => errors.push(unknown_key(
                k,
                other,
                &format!("key of environment `{}`", key.name),
                &[
                    "parameters",
                    "usage",
                    "region",
                    "profile",
                    "role_arn",
                    "external_id",
                    "session_name",
                ],
            )),
        }
    }
    match role_arn {
        Some(role_arn) => {
            env.assume_role = Some(AssumeRole {
                role_arn,
                external_id: external_id.and_then(|(id, _)| id),
                session_name: session_name.and_then(|(name, _)| name),
            })
        }
        None => {
            for (given, span) in [external_id, session_name].into_iter().flatten() {
                if given.is_some() {
                    errors.push(Diagnostic::error(
                        span,
                        format!(
                            "`external_id` and `session_name` of environment `{}` need a `role_arn`",
                            key.name
                        ),
                    ));
                }
            }
        }
    }
    env
}

impl AssumeRole {
    /// The trust policy the role needs so that `from_account` (the account fuelflow runs with
    /// before assuming it) may assume it, with the external id when one is given.
    pub fn trust_policy(&self, from_account: &str) -> serde_json::Value {
        let mut statement = serde_json::json!({
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{from_account}:root")},
            "Action": "sts:AssumeRole"
        });
        if let Some(id) = &self.external_id {
            statement["Condition"] = serde_json::json!({"StringEquals": {"sts:ExternalId": id}});
        }
        serde_json::json!({"Version": "2012-10-17", "Statement": [statement]})
    }
}

/// `arn:<partition>:iam::<12 digits>:role/<path/name>`.
fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", account, resource]
        if !partition.is_empty()
            && account.len() == 12
            && account.chars().all(|c| c.is_ascii_digit())
            && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a project file with one stack whose template exists (this file).
    fn read_text(environments: &str) -> Result<Project, Vec<Diagnostic>> {
        let mut sources = SourceMap::new();
        let dir = env!("CARGO_MANIFEST_DIR");
        let text = format!(
            "project: demo\nbackend: {{bucket: b, lock_table: t}}\nstacks:\n  app: src/project.rs\nenvironments:\n{environments}"
        );
        let file = sources.add(format!("{dir}/fuelflow.yaml"), text);
        read(&sources, file)
    }

    #[test]
    fn an_environment_has_its_own_region_profile_and_role() {
        let project = read_text(
            "  dev: {region: eu-west-1, profile: dev}\n  prod:\n    role_arn: arn:aws:iam::210987654321:role/deployer\n    external_id: x-1\n    session_name: ci\n",
        )
        .unwrap();
        let dev = &project.environments["dev"];
        assert_eq!(dev.region.as_deref(), Some("eu-west-1"));
        assert_eq!(dev.profile.as_deref(), Some("dev"));
        assert_eq!(dev.assume_role, None);
        let prod = &project.environments["prod"];
        assert_eq!(
            prod.assume_role,
            Some(AssumeRole {
                role_arn: "arn:aws:iam::210987654321:role/deployer".into(),
                external_id: Some("x-1".into()),
                session_name: Some("ci".into()),
            })
        );
        assert_eq!(prod.region, None);
    }

    #[test]
    fn a_bad_role_arn_and_an_external_id_without_a_role_are_errors() {
        let errors =
            read_text("  dev: {role_arn: 'arn:aws:iam::12:user/me'}\n  prod: {external_id: x}\n")
                .unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].contains("must be an IAM role ARN"),
            "{messages:?}"
        );
        assert!(messages[1].contains("need a `role_arn`"), "{messages:?}");
    }

    #[test]
    fn the_trust_policy_names_the_calling_account_and_the_external_id() {
        let role = AssumeRole {
            role_arn: "arn:aws:iam::210987654321:role/deployer".into(),
            external_id: Some("x-1".into()),
            session_name: None,
        };
        let policy = role.trust_policy("123456789012");
        let statement = &policy["Statement"][0];
        assert_eq!(
            statement["Principal"]["AWS"],
            "arn:aws:iam::123456789012:root"
        );
        assert_eq!(
            statement["Condition"]["StringEquals"]["sts:ExternalId"],
            "x-1"
        );
        let plain = AssumeRole {
            external_id: None,
            ..role
        };
        assert!(
            plain
                .trust_policy("1")
                .to_string()
                .find("Condition")
                .is_none()
        );
    }
}
