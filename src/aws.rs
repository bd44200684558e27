//! The one place that turns the user's `--endpoint-url/--region/--profile` (and the
//! environment's `region`, `profile`, `role_arn`) into SDK clients.
//!
//! Credentials and region come from the standard aws-config chain (environment, profile, SSO,
//! IMDS); `AWS_ENDPOINT_URL` and its per-service variants work as in every AWS tool. An
//! environment's `role_arn` is assumed on top of those credentials (aws-config's
//! `AssumeRoleProvider`, refreshed before it expires).

use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig};

/// Where and as whom fuelflow talks to AWS.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    /// A role to assume with the credentials found (the environment's `role_arn`).
    pub assume_role: Option<crate::project::AssumeRole>,
    /// The session name when the role does not give one.
    pub default_session_name: String,
}

/// Loads the shared SDK configuration. Throttling is retried by the SDK's adaptive retry mode.
pub async fn load_config(options: &AwsOptions) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::adaptive().with_max_attempts(8));
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    match &options.assume_role {
        Some(role) => assuming(config, role, &options.default_session_name).await,
        None => config,
    }
}

/// `config` with the credentials of `role`, assumed with `config`'s own (the call is made when
/// the first request needs them, through `config`'s endpoint and region).
async fn assuming(
    config: SdkConfig,
    role: &crate::project::AssumeRole,
    default_session_name: &str,
) -> SdkConfig {
    let session_name = role
        .session_name
        .clone()
        .unwrap_or_else(|| session_name(default_session_name));
    let mut provider = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
        .configure(&config)
        .session_name(session_name);
    if let Some(id) = &role.external_id {
        provider = provider.external_id(id);
    }
    let provider = provider.build().await;
    config
        .into_builder()
        .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
            provider,
        ))
        .build()
}

/// A valid STS session name: `[\w+=,.@-]`, 2 to 64 characters.
fn session_name(wanted: &str) -> String {
    let mut name: String = wanted
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if name.len() < 2 {
        name = "fuelflow".into();
    }
    name
}

/// An S3 client. With a custom endpoint (moto, MinIO, LocalStack) path-style addressing is used,
/// since virtual-host names such as `bucket.localhost` do not resolve.
pub fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let builder =
        aws_sdk_s3::config::Builder::from(config).force_path_style(config.endpoint_url().is_some());
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// The account id of the caller, from STS `GetCallerIdentity`.
pub async fn account_id(config: &SdkConfig) -> Result<String, AwsError> {
    let out = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("sts:GetCallerIdentity", e))?;
    out.account.ok_or_else(|| {
        AwsError::new(
            "sts:GetCallerIdentity",
            "NoAccount",
            "no account in response",
        )
    })
}

/// The names of the availability zones of the configured region (for `Fn::GetAZs`).
pub async fn availability_zones(config: &SdkConfig) -> Result<Vec<String>, AwsError> {
    let out = aws_sdk_ec2::Client::new(config)
        .describe_availability_zones()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("ec2:DescribeAvailabilityZones", e))?;
    let mut zones: Vec<String> = out
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name().map(str::to_owned))
        .collect();
    zones.sort();
    Ok(zones)
}

/// An AWS call that failed, with the operation, the AWS error code and message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{operation} failed: {code}: {message}")]
pub struct AwsError {
    pub operation: String,
    pub code: String,
    pub message: String,
}

impl AwsError {
    pub fn new(operation: &str, code: &str, message: &str) -> Self {
        AwsError {
            operation: operation.into(),
            code: code.into(),
            message: message.into(),
        }
    }

    /// Builds from any SDK error, keeping the service's error code; transport failures (no
    /// response at all) get a code of their own so the user sees *why* nothing answered.
    pub fn from_sdk<E, R>(operation: &str, err: aws_sdk_sts::error::SdkError<E, R>) -> Self
    where
        E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        use aws_sdk_sts::error::SdkError;
        let (code, message) = match &err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                (
                    e.code().unwrap_or("Unknown").to_owned(),
                    e.message()
                        .map(str::to_owned)
                        .unwrap_or_else(|| e.to_string()),
                )
            }
            SdkError::TimeoutError(_) => ("Timeout".to_owned(), "the request timed out".to_owned()),
            SdkError::DispatchFailure(d) if d.is_user() => (
                "CredentialsOrConfig".to_owned(),
                format!(
                    "no usable AWS credentials or configuration: {}",
                    error_chain(&err)
                ),
            ),
            SdkError::DispatchFailure(_) if error_chain(&err).contains("loading credentials") => (
                "NoCredentials".to_owned(),
                format!(
                    "no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or use SSO): {}",
                    error_chain(&err)
                ),
            ),
            SdkError::DispatchFailure(_) => (
                "DispatchFailure".to_owned(),
                format!("could not reach the endpoint: {}", error_chain(&err)),
            ),
            other => ("RequestFailed".to_owned(), error_chain(other)),
        };
        AwsError {
            operation: operation.into(),
            code,
            message,
        }
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
