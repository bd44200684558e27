//! Test support: an [`Engine`] with fake handlers ([`fake`]) and the memory state store and
//! locker, so plan and apply run end to end without AWS or moto. A [`Harness`] holds one
//! template file in a temporary directory (stack `app`, environment `dev`).

pub mod fake;

use crate::apply::{self, Options, Report, Silent};
use crate::backend::{Backend, BackendNames};
use crate::engine::Engine;
use crate::plan::run::{PlanError, PlanRequest, Planned};
use crate::resources::{Clients, Registry};
use crate::state::memory::MemoryStateStore;
use crate::state::memory_lock::MemoryLocker;
use crate::state::{StateDocument, StateKey, StateStore};
use crate::workspace::Source;
use fake::{Fake, World};
use std::sync::Arc;

/// The types the fakes stand in for (real schemas, fake calls).
const FAKED: &[&str] = &[
    "AWS::EC2::SecurityGroup",
    "AWS::IAM::Role",
    "AWS::Logs::LogGroup",
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
];

pub const STACK: &str = "app";
pub const ENV: &str = "dev";

pub struct Harness {
    pub world: Arc<World>,
    pub store: Arc<MemoryStateStore>,
    pub engine: Arc<Engine>,
    dir: tempfile::TempDir,
}

impl Harness {
    pub fn new() -> Harness {
        let world = Arc::new(World::default());
        let registry = Registry::from_table(
            FAKED
                .iter()
                .map(|type_name| (*type_name, Fake::leak(&world, type_name))),
        );
        let store = Arc::new(MemoryStateStore::new());
        let names = BackendNames {
            bucket: "state".into(),
            lock_table: "locks".into(),
            key_prefix: "fuelflow".into(),
            kms_key_id: None,
        };
        let backend = Backend::new(names, store.clone(), Arc::new(MemoryLocker::new()));
        let engine = Engine {
            clients: Arc::new(Clients::new(offline_sdk_config())),
            backend,
            env: ENV.into(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            parallelism: 4,
            refresh_parallelism: 4,
            registry,
        };
        Harness {
            world,
            store,
            engine: Arc::new(engine),
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    /// Writes the template the next plan reads.
    pub fn template(&self, yaml: &str) {
        std::fs::write(self.dir.path().join("app.yaml"), yaml).expect("the template is written");
    }

    fn source(&self) -> Source {
        Source::Template {
            path: self.dir.path().join("app.yaml"),
            stack_name: Some(STACK.into()),
            parameters: Vec::new(),
        }
    }

    pub async fn try_plan(&self, destroy: bool) -> Result<Planned, PlanError> {
        let request = PlanRequest {
            refresh: true,
            destroy,
            ..PlanRequest::default()
        };
        crate::plan::run::plan(&self.engine, &self.source(), None, &request).await
    }

    /// A plan made as `request` asks (`--replace`, `--exclude`, `--refresh-only` ...).
    pub async fn plan_request(&self, request: PlanRequest) -> Result<Planned, PlanError> {
        crate::plan::run::plan(&self.engine, &self.source(), None, &request).await
    }

    pub async fn plan(&self) -> Planned {
        self.try_plan(false).await.expect("the template plans")
    }

    pub async fn apply_planned(&self, planned: Planned) -> Report {
        let (_stop, stop_rx) = tokio::sync::watch::channel(false);
        apply::apply(
            self.engine.clone(),
            planned,
            Arc::new(Silent),
            stop_rx,
            Options::default(),
        )
        .await
    }

    /// Plans the template and applies the plan.
    pub async fn apply(&self) -> Report {
        let planned = self.plan().await;
        self.apply_planned(planned).await
    }

    pub async fn destroy(&self) -> Report {
        let planned = self.try_plan(true).await.expect("the destroy plans");
        self.apply_planned(planned).await
    }

    pub fn key(&self) -> StateKey {
        StateKey::new(ENV, STACK)
    }

    /// The stored state of the stack.
    pub async fn state(&self) -> StateDocument {
        self.store
            .get(&self.key())
            .await
            .expect("the state reads")
            .expect("a state was written")
            .0
    }

    /// The physical id the stored state records for a resource.
    pub async fn physical_id(&self, logical_id: &str) -> String {
        let state = self.state().await;
        match state.resources.get(logical_id) {
            Some(r) => r.physical_id.clone(),
            None => panic!("{logical_id} is not recorded: {state:#?}"),
        }
    }
}

/// A configuration that makes no call by itself (fakes never use the clients); a request made
/// by mistake fails at once: no credentials, and the endpoint is a closed local port.
fn offline_sdk_config() -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .build()
}

/// The report in one line, for assertion messages.
pub fn summary(report: &Report) -> String {
    format!(
        "applied {}, failures [{}], skipped {:?}, interrupted {}, state error {:?}",
        report.applied,
        report
            .failures
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        report.skipped,
        report.interrupted,
        report.state_error
    )
}
