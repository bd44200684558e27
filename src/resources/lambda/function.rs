//! `AWS::Lambda::Function`: a zip-packaged function (inline `ZipFile`, S3 object, or a local
//! folder or file that fuelflow packages itself). Physical id: the function name.

use super::code::{CODE_SHA_KEY, Code, resolve_code};
use crate::resources::Owner;
use crate::resources::property::{self, changed};
use crate::resources::sdk_error;
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, TypicalSeconds,
};
use aws_sdk_lambda::Client;
use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::types::{
    ApplicationLogLevel, Architecture, Environment, LogFormat, LoggingConfig, Runtime,
    SystemLogLevel, VpcConfig,
};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

pub struct Function;

/// How long a new role may take to become assumable by Lambda (IAM is eventually consistent).
const ROLE_PROPAGATION: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(300);

fn environment(props: &Props) -> Result<Option<Environment>> {
    let Some(env) = property::object(props, "Environment")? else {
        return Ok(None);
    };
    let variables: HashMap<String, String> = env
        .get("Variables")
        .and_then(Value::as_object)
        .map(|vars| {
            vars.iter()
                .filter_map(|(k, v)| Some((k.clone(), crate::resources::text(v)?)))
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(
        Environment::builder()
            .set_variables(Some(variables))
            .build(),
    ))
}

fn vpc_config(props: &Props) -> Result<Option<VpcConfig>> {
    let Some(vpc) = property::object(props, "VpcConfig")? else {
        return Ok(None);
    };
    let vpc = vpc.clone();
    Ok(Some(
        VpcConfig::builder()
            .set_subnet_ids(Some(property::strings(&vpc, "SubnetIds")?))
            .set_security_group_ids(Some(property::strings(&vpc, "SecurityGroupIds")?))
            .build(),
    ))
}

fn logging_config(props: &Props) -> Result<Option<LoggingConfig>> {
    let Some(logging) = property::object(props, "LoggingConfig")? else {
        return Ok(None);
    };
    let logging = logging.clone();
    Ok(Some(
        LoggingConfig::builder()
            .set_log_format(
                property::string(&logging, "LogFormat").map(|s| LogFormat::from(s.as_str())),
            )
            .set_application_log_level(
                property::string(&logging, "ApplicationLogLevel")
                    .map(|s| ApplicationLogLevel::from(s.as_str())),
            )
            .set_system_log_level(
                property::string(&logging, "SystemLogLevel")
                    .map(|s| SystemLogLevel::from(s.as_str())),
            )
            .set_log_group(property::string(&logging, "LogGroup"))
            .build(),
    ))
}

fn architectures(props: &Props) -> Result<Option<Vec<Architecture>>> {
    if !props.contains_key("Architectures") {
        return Ok(None);
    }
    Ok(Some(
        property::strings(props, "Architectures")?
            .iter()
            .map(|a| Architecture::from(a.as_str()))
            .collect(),
    ))
}

fn runtime(props: &Props) -> Option<Runtime> {
    property::string(props, "Runtime").map(|r| Runtime::from(r.as_str()))
}

/// IAM has not yet propagated a role created moments ago.
fn role_not_yet_assumable(e: &ResourceError) -> bool {
    e.code == "InvalidParameterValueException" && e.message.contains("cannot be assumed by Lambda")
}

async fn wait_active(client: &Client, name: &str) -> Result<()> {
    client
        .wait_until_function_active_v2()
        .function_name(name)
        .wait(WAIT)
        .await
        .map(|_| ())
        .map_err(|e| ResourceError::new("FunctionNotActive", format!("{name}: {e}")))
}

async fn wait_updated(client: &Client, name: &str) -> Result<()> {
    client
        .wait_until_function_updated_v2()
        .function_name(name)
        .wait(WAIT)
        .await
        .map(|_| ())
        .map_err(|e| ResourceError::new("FunctionUpdateFailed", format!("{name}: {e}")))
}

async fn set_concurrency(client: &Client, name: &str, reserved: Option<i32>) -> Result<()> {
    match reserved {
        Some(n) => client
            .put_function_concurrency()
            .function_name(name)
            .reserved_concurrent_executions(n)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error("lambda:PutFunctionConcurrency", e)),
        None => client
            .delete_function_concurrency()
            .function_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error("lambda:DeleteFunctionConcurrency", e)),
    }
}

/// The props with Lambda's defaults filled in, so a property the template leaves out compares
/// equal to a live value that is just the default (no MemorySize against a live 128).
fn with_defaults(props: &Props) -> Props {
    let mut p = props.clone();
    for (key, default) in [
        ("MemorySize", json!(128)),
        ("Timeout", json!(3)),
        ("Architectures", json!(["x86_64"])),
    ] {
        p.entry(key).or_insert(default);
    }
    p
}

fn arn_attributes(arn: Option<&str>) -> Attributes {
    arn.map(|arn| Attributes::from([("Arn".to_string(), json!(arn))]))
        .unwrap_or_default()
}

impl Function {
    /// Sends every configuration property of `new`; one the template dropped goes back to
    /// Lambda's default.
    async fn update_configuration(&self, client: &Client, name: &str, new: &Props) -> Result<()> {
        let empty_vpc = VpcConfig::builder()
            .set_subnet_ids(Some(vec![]))
            .set_security_group_ids(Some(vec![]))
            .build();
        let no_variables = Environment::builder()
            .set_variables(Some(HashMap::new()))
            .build();
        client
            .update_function_configuration()
            .function_name(name)
            .set_runtime(runtime(new))
            .set_handler(property::string(new, "Handler"))
            .set_role(property::string(new, "Role"))
            .memory_size(property::integer(new, "MemorySize")?.unwrap_or(128))
            .timeout(property::integer(new, "Timeout")?.unwrap_or(3))
            .description(property::string(new, "Description").unwrap_or_default())
            .environment(environment(new)?.unwrap_or(no_variables))
            .vpc_config(vpc_config(new)?.unwrap_or(empty_vpc))
            .set_logging_config(logging_config(new)?)
            .set_layers(Some(property::strings(new, "Layers")?))
            .send()
            .await
            .map_err(|e| sdk_error("lambda:UpdateFunctionConfiguration", e))?;
        Ok(())
    }

    async fn live_code_sha256(&self, client: &Client, name: &str) -> Result<String> {
        Ok(client
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map_err(|e| sdk_error("lambda:GetFunctionConfiguration", e))?
            .code_sha256
            .unwrap_or_default())
    }
}

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "Description",
    "VpcConfig",
    "ReservedConcurrentExecutions",
    "FunctionName",
    "Runtime",
    "Layers",
    "Tags",
    "MemorySize",
    "Timeout",
    "Handler",
    "Code",
    "Role",
    "LoggingConfig",
    "Environment",
    "Architectures",
];

impl Resource for Function {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    /// A function waits until Active; in a VPC its network interfaces take seconds more.
    fn typical_seconds(&self) -> TypicalSeconds {
        TypicalSeconds {
            create: 10,
            update: 5,
            delete: 5,
        }
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("FunctionName")
    }

    fn needs_template_dir(&self) -> bool {
        true
    }

    /// Packaged code (inline or a local folder) compares by the `CodeSha256` it will have; code
    /// in S3 cannot be hashed here and compares as written.
    fn compare_view(&self, mut props: Props) -> Result<Props> {
        if let Some(sha) = super::code::desired_code_sha256(&props)? {
            props.insert("Code".into(), json!({ CODE_SHA_KEY: sha }));
        }
        props.remove(super::code::TEMPLATE_DIR_KEY);
        Ok(props)
    }

    fn name_rules(&self) -> (usize, bool) {
        (64, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let client = ctx.clients.lambda();
        let name = property::required(props, "FunctionName")?;
        let code = resolve_code(props)?;
        let request = client
            .create_function()
            .function_name(&name)
            .set_runtime(runtime(props))
            .role(property::required(props, "Role")?)
            .set_handler(property::string(props, "Handler"))
            .code(code.function_code())
            .set_memory_size(property::integer(props, "MemorySize")?)
            .set_timeout(property::integer(props, "Timeout")?)
            .set_description(property::string(props, "Description"))
            .set_environment(environment(props)?)
            .set_vpc_config(vpc_config(props)?)
            .set_architectures(architectures(props)?)
            .set_logging_config(logging_config(props)?)
            .set_layers(
                props
                    .contains_key("Layers")
                    .then(|| property::strings(props, "Layers"))
                    .transpose()?,
            )
            .set_tags(Some(ctx.tags_with_ownership(props).into_iter().collect()));

        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_secs(1);
        let out = loop {
            match request.clone().send().await {
                Ok(out) => break out,
                Err(e) => {
                    let e = sdk_error("lambda:CreateFunction", e);
                    if !role_not_yet_assumable(&e) {
                        return Err(e);
                    }
                    if started.elapsed() + pause > ROLE_PROPAGATION {
                        return Err(e.retryable());
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(10));
                }
            }
        };
        wait_active(client, &name).await?;
        if let Some(reserved) = property::integer(props, "ReservedConcurrentExecutions")? {
            set_concurrency(client, &name, Some(reserved)).await?;
        }
        Ok(Created {
            physical_id: name,
            attributes: arn_attributes(out.function_arn()),
        })
    }

    async fn read(&self, ctx: &Ctx, name: &str, desired: &Props) -> Result<Option<Live>> {
        let out = match ctx
            .clients
            .lambda()
            .get_function()
            .function_name(name)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(sdk_error("lambda:GetFunction", e)),
        };
        let Some(config) = out.configuration() else {
            return Ok(None);
        };
        let mut p = Props::new();
        p.insert(
            "FunctionName".into(),
            json!(config.function_name().unwrap_or(name)),
        );
        // Code in S3 cannot be compared with what is deployed without downloading it: it reads
        // back as written. Packaged code compares by hash.
        let code = match desired.get("Code") {
            Some(Value::Object(c)) if c.contains_key("S3Bucket") => Value::Object(c.clone()),
            _ => json!({ CODE_SHA_KEY: config.code_sha256().unwrap_or_default() }),
        };
        p.insert("Code".into(), code);
        if let Some(runtime) = config.runtime() {
            p.insert("Runtime".into(), json!(runtime.as_str()));
        }
        for (key, value) in [("Handler", config.handler()), ("Role", config.role())] {
            if let Some(v) = value {
                p.insert(key.into(), json!(v));
            }
        }
        if let Some(d) = config.description().filter(|d| !d.is_empty()) {
            p.insert("Description".into(), json!(d));
        }
        if let Some(m) = config.memory_size() {
            p.insert("MemorySize".into(), json!(m));
        }
        if let Some(t) = config.timeout() {
            p.insert("Timeout".into(), json!(t));
        }
        if let Some(vars) = config.environment().and_then(|e| e.variables()) {
            if !vars.is_empty() {
                p.insert("Environment".into(), json!({ "Variables": vars }));
            }
        }
        if let Some(vpc) = config.vpc_config().filter(|v| !v.subnet_ids().is_empty()) {
            p.insert(
                "VpcConfig".into(),
                json!({"SubnetIds": vpc.subnet_ids(), "SecurityGroupIds": vpc.security_group_ids()}),
            );
        }
        if !config.architectures().is_empty() {
            let archs: Vec<&str> = config.architectures().iter().map(|a| a.as_str()).collect();
            p.insert("Architectures".into(), json!(archs));
        }
        if !config.layers().is_empty() {
            let layers: Vec<&str> = config.layers().iter().filter_map(|l| l.arn()).collect();
            p.insert("Layers".into(), json!(layers));
        }
        // Lambda always reports a logging configuration; it is only managed when the template
        // sets one.
        if let Some(logging) = config
            .logging_config()
            .filter(|_| desired.contains_key("LoggingConfig"))
        {
            let mut live = serde_json::Map::new();
            let entries = [
                ("LogFormat", logging.log_format().map(|v| v.as_str())),
                (
                    "ApplicationLogLevel",
                    logging.application_log_level().map(|v| v.as_str()),
                ),
                (
                    "SystemLogLevel",
                    logging.system_log_level().map(|v| v.as_str()),
                ),
                ("LogGroup", logging.log_group()),
            ];
            for (key, value) in entries {
                if let Some(v) = value {
                    live.insert(key.into(), json!(v));
                }
            }
            let live = Value::Object(live);
            let shaped = property::shape_like(&live, &desired["LoggingConfig"]);
            p.insert("LoggingConfig".into(), shaped);
        }
        if let Some(n) = out
            .concurrency()
            .and_then(|c| c.reserved_concurrent_executions())
        {
            p.insert("ReservedConcurrentExecutions".into(), json!(n));
        }
        if desired.contains_key("Tags") {
            p.insert(
                "Tags".into(),
                property::tags_value(out.tags().into_iter().flatten()),
            );
        }
        Ok(Some(Live {
            properties: p,
            attributes: arn_attributes(config.function_arn()),
        }))
    }

    async fn update(&self, ctx: &Ctx, name: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let client = ctx.clients.lambda();
        let (old, new) = (&with_defaults(old), &with_defaults(new));
        const CONFIGURATION: &[&str] = &[
            "Runtime",
            "Handler",
            "Role",
            "MemorySize",
            "Timeout",
            "Environment",
            "VpcConfig",
            "LoggingConfig",
            "Layers",
            "Description",
        ];
        if property::any_changed(old, new, CONFIGURATION) {
            self.update_configuration(client, name, new).await?;
            wait_updated(client, name).await?;
        }
        let code = resolve_code(new)?;
        let code_changed = match &code {
            // Compared with what is deployed: the same local path may hold new code.
            Code::Zip(_, sha) => self.live_code_sha256(client, name).await? != *sha,
            Code::S3 { .. } => changed(old, new, "Code"),
        };
        if code_changed || changed(old, new, "Architectures") {
            let code = code.function_code();
            client
                .update_function_code()
                .function_name(name)
                .set_zip_file(code.zip_file().cloned())
                .set_s3_bucket(code.s3_bucket().map(str::to_owned))
                .set_s3_key(code.s3_key().map(str::to_owned))
                .set_s3_object_version(code.s3_object_version().map(str::to_owned))
                .set_architectures(architectures(new)?)
                .send()
                .await
                .map_err(|e| sdk_error("lambda:UpdateFunctionCode", e))?;
            wait_updated(client, name).await?;
        }
        if changed(old, new, "ReservedConcurrentExecutions") {
            set_concurrency(
                client,
                name,
                property::integer(new, "ReservedConcurrentExecutions")?,
            )
            .await?;
        }
        let arn = client
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map_err(|e| sdk_error("lambda:GetFunctionConfiguration", e))?
            .function_arn
            .unwrap_or_default();
        let (set, removed) = property::tag_changes(old, new);
        if !set.is_empty() {
            client
                .tag_resource()
                .resource(&arn)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(|e| sdk_error("lambda:TagResource", e))?;
        }
        if !removed.is_empty() {
            client
                .untag_resource()
                .resource(&arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("lambda:UntagResource", e))?;
        }
        Ok(arn_attributes(Some(&arn)))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        property::deleted(
            "lambda:DeleteFunction",
            ctx.clients
                .lambda()
                .delete_function()
                .function_name(physical_id)
                .send()
                .await,
            |s| s.is_resource_not_found_exception(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(name) = property::string(props, "FunctionName") else {
            return Ok(None);
        };
        match ctx
            .clients
            .lambda()
            .get_function()
            .function_name(&name)
            .send()
            .await
        {
            Ok(_) => Ok(Some(name)),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(sdk_error("lambda:GetFunction", e)),
        }
    }

    async fn owner(&self, ctx: &Ctx, name: &str) -> Result<Option<Owner>> {
        match ctx
            .clients
            .lambda()
            .get_function()
            .function_name(name)
            .send()
            .await
        {
            Ok(out) => Ok(Owner::from_tags(out.tags().into_iter().flatten())),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(sdk_error("lambda:GetFunction", e)),
        }
    }
}
