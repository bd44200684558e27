//! A throwaway fuelflow project for the reliability tests: one stack `app` of buckets and roles,
//! run through the CLI against an endpoint (moto, or the fault proxy in front of it), and read
//! back with the SDK straight from moto: the live resources, the state object and the lock item.

use super::MotoServer;
use fuelflow::backend::{Backend, BackendNames};
use fuelflow::state::StateDocument;
use std::path::Path;
use std::process::{Command, Output};

pub struct Project {
    pub dir: tempfile::TempDir,
    /// Prefix of every name: project, backend, buckets and roles.
    pub name: String,
    pub endpoint: String,
}

/// `count` buckets and `count` roles; each role is tagged with its bucket's name, so every role
/// waits for a bucket. Even buckets are named by the template, odd ones get a generated name.
pub fn buckets_and_roles(name: &str, count: usize) -> String {
    let mut t = String::from("Resources:\n");
    for i in 0..count {
        let bucket_name = if i % 2 == 0 {
            format!("      BucketName: {name}-b{i}\n")
        } else {
            String::new()
        };
        t.push_str(&format!(
            "  Bucket{i}:\n    Type: AWS::S3::Bucket\n    Properties:\n{bucket_name}      Tags: [{{Key: n, Value: '{i}'}}]\n"
        ));
        t.push_str(&format!(
            "  Role{i}:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: {name}-r{i}\n      AssumeRolePolicyDocument: {{Version: '2012-10-17', Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: 'sts:AssumeRole'}}]}}\n      Tags: [{{Key: bucket, Value: !Ref Bucket{i}}}]\n"
        ));
    }
    t
}

impl Project {
    /// A project with `template` as stack `app`, bootstrapped directly against moto.
    pub fn new(prefix: &str, moto: &MotoServer, template: impl Fn(&str) -> String) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let name = super::short_name(prefix);
        std::fs::write(
            dir.path().join("fuelflow.yaml"),
            format!("project: {name}\nregion: us-east-1\nbackend: {{bucket: {name}-state, lock_table: {name}-locks}}\nstacks:\n  app: app.yaml\nenvironments:\n  dev: {{}}\n"),
        )
        .unwrap();
        std::fs::write(dir.path().join("app.yaml"), template(&name)).unwrap();
        let p = Project {
            dir,
            name,
            endpoint: moto.endpoint(),
        };
        let out = p.run(&["bootstrap", "--env", "dev", "--auto-approve"]);
        assert!(out.status.success(), "{}", super::stderr(&out));
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write_template(&self, text: &str) {
        std::fs::write(self.path().join("app.yaml"), text).unwrap();
    }

    /// The CLI, pointed at `self.endpoint`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fuelflow"));
        cmd.current_dir(self.path())
            .args(args)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env("NO_COLOR", "1");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run fuelflow")
    }

    pub fn state_bucket(&self) -> String {
        format!("{}-state", self.name)
    }

    pub fn lock_table(&self) -> String {
        format!("{}-locks", self.name)
    }

    /// The backend, read directly from moto (not through any proxy).
    pub fn backend(&self, config: &aws_config::SdkConfig) -> Backend {
        Backend::connect(
            config,
            BackendNames {
                bucket: self.state_bucket(),
                lock_table: self.lock_table(),
                key_prefix: "fuelflow".into(),
                kms_key_id: None,
            },
        )
    }

    pub async fn state(&self, config: &aws_config::SdkConfig) -> Option<StateDocument> {
        let backend = self.backend(config);
        backend
            .store
            .get(&backend.key("dev", "app"))
            .await
            .expect("the state reads and parses")
            .map(|(doc, _)| doc)
    }

    /// Every item of the lock table (a finished run leaves none).
    pub async fn lock_items(&self, config: &aws_config::SdkConfig) -> usize {
        let ddb = aws_sdk_dynamodb::Client::new(config);
        let out = ddb
            .scan()
            .table_name(self.lock_table())
            .send()
            .await
            .unwrap();
        out.items().len()
    }

    /// Names of the live roles of this project.
    pub async fn live_roles(&self, config: &aws_config::SdkConfig) -> Vec<String> {
        let iam = aws_sdk_iam::Client::new(config);
        let mut names = Vec::new();
        let mut pages = iam.list_roles().into_paginator().send();
        while let Some(page) = pages.next().await {
            for r in page.unwrap().roles() {
                if r.role_name().starts_with(&format!("{}-r", self.name)) {
                    names.push(r.role_name().to_string());
                }
            }
        }
        names.sort();
        names
    }

    /// Names of the live buckets of this project's stack (named or generated), not the backend.
    pub async fn live_buckets(&self, config: &aws_config::SdkConfig) -> Vec<String> {
        let s3 = fuelflow::aws::s3_client(config);
        let out = s3.list_buckets().send().await.unwrap();
        let stack = format!("{}-app-dev", self.name);
        let mut names: Vec<String> = out
            .buckets()
            .iter()
            .filter_map(|b| b.name())
            .filter(|b| b.starts_with(&format!("{}-b", self.name)) || b.starts_with(&stack))
            .map(str::to_string)
            .collect();
        names.sort();
        names
    }

    /// The physical ids recorded in state for resources of `resource_type`, sorted.
    pub fn recorded(state: &StateDocument, resource_type: &str) -> Vec<String> {
        let mut ids: Vec<String> = state
            .resources
            .values()
            .filter(|r| r.resource_type == resource_type)
            .map(|r| r.physical_id.clone())
            .collect();
        ids.sort();
        ids
    }
}

pub fn code(out: &Output) -> Option<i32> {
    out.status.code()
}
