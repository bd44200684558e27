//! The integration tests, in one test binary: every file below was its own binary once, and each
//! linked the whole AWS SDK again (minutes of link time and gigabytes of disk on a 2-core CI
//! machine). Each file still gets its own moto server (`MotoServer::shared` is per source file).
//! Run one file's tests with `cargo test --test integration resources_s3::`.

mod platform;
mod support;

mod accounts;
mod api_postgres;
mod apigateway_deployments;
mod bootstrap;
mod cdn;
mod cfn_lint;
mod cli_backend;
mod compute_tier;
mod conformance;
mod corpus;
mod corpus_deploy;
mod cost;
mod crash_safety;
mod custom_domain;
mod data_source;
mod data_tier;
mod examples;
mod handler_conformance;
mod import;
mod invalid_templates;
mod language_extensions;
mod lifecycle;
mod lock;
mod multi_stack;
mod no_panic;
mod plan_drift;
mod plan_show;
mod plan_time_evaluation;
mod platform_e2e;
mod platform_network;
mod platform_prod;
mod platform_templates;
mod reconcile;
mod recovery_creates;
mod recovery_guards;
mod reliability_concurrency;
mod reliability_faults;
mod reliability_state_format;
mod resources_apigateway;
mod resources_apigateway_extras;
mod resources_apigatewayv2;
mod resources_dynamodb;
mod resources_ec2;
mod resources_iam;
mod resources_iam_oidc;
mod resources_lambda;
mod resources_lambda_extras;
mod resources_observability;
mod resources_rds;
mod resources_s3;
mod resources_s3_configs;
mod resources_secrets;
mod round_trips;
mod ssm_references;
mod state_mv;
mod state_store;
mod targeted;
mod template_secrets;
mod update_replace;
mod validate_checks;
