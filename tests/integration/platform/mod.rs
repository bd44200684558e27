//! The repository's platform (`fuelflow.yaml`, `stacks/`, `functions/`) copied into a temp dir
//! and run through the CLI against a private moto (the platform's names are fixed, so it cannot
//! share a server with other tests), plus the SDK clients the checks use.

pub mod live;

use crate::support::{MotoServer, fuelflow, stderr, stdout};
use std::path::Path;
use std::process::Output;

pub struct Platform {
    pub moto: MotoServer,
    dir: tempfile::TempDir,
}

impl Platform {
    /// A copy of the repo's project (never written in place) and a fresh emulator.
    pub fn new() -> Platform {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(repo.join("fuelflow.yaml"), dir.path().join("fuelflow.yaml")).unwrap();
        for sub in ["stacks", "functions"] {
            copy_dir(&repo.join(sub), &dir.path().join(sub));
        }
        Platform {
            moto: MotoServer::start(),
            dir,
        }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        fuelflow(self.dir.path(), args, Some(&self.moto))
    }

    /// Runs and insists on exit code `code`, returning stdout.
    pub fn expect(&self, code: i32, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "fuelflow {}\nstdout:\n{}\nstderr:\n{}",
            args.join(" "),
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    /// Sets `key: value` among the parameters of environment `env` in the copy's project file
    /// (the line goes right after the environment's `Environment:` parameter).
    pub fn set_parameter(&self, env: &str, key: &str, value: &str) {
        let path = self.dir.path().join("fuelflow.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let anchor = format!("      Environment: {env}\n");
        assert!(text.contains(&anchor), "no `{anchor}` in fuelflow.yaml");
        let with = format!("{anchor}      {key}: \"{value}\"\n");
        std::fs::write(&path, text.replacen(&anchor, &with, 1)).unwrap();
    }

    /// The copy's folder: what fuelflow packages and deploys.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub async fn clients(&self) -> Clients {
        Clients::new(&self.moto.sdk_config().await)
    }
}

pub struct Clients {
    pub s3: aws_sdk_s3::Client,
    pub iam: aws_sdk_iam::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub rds: aws_sdk_rds::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub apigw: aws_sdk_apigateway::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
}

impl Clients {
    fn new(config: &aws_config::SdkConfig) -> Clients {
        Clients {
            s3: fuelflow::aws::s3_client(config),
            iam: aws_sdk_iam::Client::new(config),
            ec2: aws_sdk_ec2::Client::new(config),
            rds: aws_sdk_rds::Client::new(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
            lambda: aws_sdk_lambda::Client::new(config),
            logs: aws_sdk_cloudwatchlogs::Client::new(config),
            apigw: aws_sdk_apigateway::Client::new(config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(config),
            dynamodb: aws_sdk_dynamodb::Client::new(config),
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            // node_modules included: the function's dependencies are vendored (pg), and
            // deployed as they are in the repository.
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A policy document as IAM returns it (percent-encoded JSON).
pub fn decode_policy(text: &str) -> serde_json::Value {
    let raw = text.as_bytes();
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            bytes.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    serde_json::from_slice(&bytes).unwrap()
}
