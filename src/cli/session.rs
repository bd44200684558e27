//! What AWS-facing commands share: the SDK configuration, the project (if any), the environment
//! and the connected state backend.

use super::{Context, Failed};
use fuelflow::aws::{self, AwsOptions};
use fuelflow::backend::{Backend, BackendNames};
use fuelflow::project::Project;
use fuelflow::workspace::{self, Source};

pub struct Session {
    pub sdk: aws_config::SdkConfig,
    pub project: Option<Project>,
    pub env: String,
    pub region: String,
    pub backend: Backend,
    /// The account id, when naming the backend needed it (saves the run a second STS call).
    pub account_id: Option<String>,
}

/// The project file when in project mode.
pub fn project(ctx: &Context) -> Result<Option<Project>, Failed> {
    match &ctx.source {
        Source::Project { dir, file } => Ok(Some(workspace::read_project(dir, file.as_deref())?.1)),
        Source::Template { .. } => Ok(None),
    }
}

/// The SDK configuration: `--region`, else the environment's region, else the project's, else
/// the standard chain; `--profile`, else the environment's; then the environment's `role_arn`.
pub async fn sdk_config(
    ctx: &Context,
    project: Option<&Project>,
    env: &str,
) -> Result<aws_config::SdkConfig, Failed> {
    let environment = project.and_then(|p| p.environments.get(env));
    let options = AwsOptions {
        endpoint_url: ctx.endpoint_url.clone(),
        region: ctx
            .region
            .clone()
            .or_else(|| environment.and_then(|e| e.region.clone()))
            .or_else(|| project.and_then(|p| p.region.clone())),
        profile: ctx
            .profile
            .clone()
            .or_else(|| environment.and_then(|e| e.profile.clone())),
        assume_role: environment.and_then(|e| e.assume_role.clone()),
        default_session_name: match project {
            Some(p) => format!("fuelflow-{}-{env}", p.name),
            None => format!("fuelflow-{env}"),
        },
    };
    let config = aws::load_config(&options).await;
    if config.region().is_none() {
        return Err(Failed::Message(
            "no AWS region: set `region` in fuelflow.yaml, pass --region, or set AWS_REGION".into(),
        ));
    }
    Ok(config)
}

/// Opens a session: project, environment, SDK configuration and backend.
pub async fn open(ctx: &Context, env: Option<String>) -> Result<Session, Failed> {
    let project = project(ctx)?;
    let env = match (&project, env) {
        (Some(p), Some(env)) => {
            p.environment(&env, None)
                .map_err(|d| Failed::Message(d.message))?;
            env
        }
        (Some(p), None) => {
            let known: Vec<&str> = p.environments.keys().map(String::as_str).collect();
            return Err(Failed::Message(format!(
                "--env is required (environments: {})",
                known.join(", ")
            )));
        }
        (None, env) => env.unwrap_or_else(|| "default".to_string()),
    };
    let sdk = sdk_config(ctx, project.as_ref(), &env).await?;
    let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
    let names = backend_names(ctx, project.as_ref())?;
    let (names, account_id) = if names.needs_account_id() {
        let account = aws::account_id(&sdk)
            .await
            .map_err(|e| Failed::Message(e.to_string()))?;
        (names.resolve(&account, &region), Some(account))
    } else {
        (names.resolve("", &region), None)
    };
    let backend = Backend::connect(&sdk, names);
    Ok(Session {
        sdk,
        project,
        env,
        region,
        backend,
        account_id,
    })
}

fn backend_names(ctx: &Context, project: Option<&Project>) -> Result<BackendNames, Failed> {
    if let Some(p) = project {
        return p.backend.as_ref().map(BackendNames::from).ok_or_else(|| {
            Failed::Message(format!(
                "{} has no `backend` section (bucket, lock_table)",
                p.path.display()
            ))
        });
    }
    match (&ctx.backend_bucket, &ctx.lock_table) {
        (Some(bucket), Some(table)) => Ok(BackendNames {
            bucket: bucket.clone(),
            lock_table: table.clone(),
            key_prefix: "fuelflow".into(),
            kms_key_id: None,
        }),
        _ => Err(Failed::Message(
            "template mode needs a backend: --backend-bucket and --lock-table (or FUELFLOW_BACKEND_BUCKET and FUELFLOW_LOCK_TABLE)".into(),
        )),
    }
}

impl Session {
    /// The stacks a command works on: `--stack`, else every stack of the project (or the template).
    pub fn stacks(&self, ctx: &Context, only: Option<&str>) -> Result<Vec<String>, Failed> {
        let all: Vec<String> = match (&self.project, &ctx.source) {
            (Some(p), _) => p.stacks.keys().cloned().collect(),
            (
                None,
                Source::Template {
                    path, stack_name, ..
                },
            ) => vec![stack_name.clone().unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "stack".into())
            })],
            (None, Source::Project { .. }) => Vec::new(),
        };
        match only {
            None => Ok(all),
            Some(s) if all.iter().any(|a| a == s) => Ok(vec![s.to_string()]),
            Some(s) => Err(Failed::Message(format!(
                "stack `{s}` is not one of: {}",
                all.join(", ")
            ))),
        }
    }

    /// The state of one stack (`None` when never applied).
    pub async fn state(
        &self,
        stack: &str,
    ) -> Result<Option<fuelflow::state::StateDocument>, Failed> {
        let key = self.backend.key(&self.env, stack);
        match self.backend.store.get(&key).await {
            Ok(found) => Ok(found.map(|(doc, _)| doc)),
            Err(e) => Err(Failed::Message(format!(
                "reading the state of stack {stack} ({}): {e}",
                self.env
            ))),
        }
    }
}
