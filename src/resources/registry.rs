//! Which handler manages which type: a table, held by the [`Engine`](crate::engine::Engine) as a
//! [`Registry`] so tests can put fake handlers in place of the real ones.

use super::secretsmanager;
use super::{Handler, apigateway, cloudwatch, dynamodb, ec2, iam, lambda, logs, rds, s3};
use super::{acm, apigatewayv2, kms, route53, wafv2};
use super::{cloudfront, events, sns, sqs, ssm, stepfunctions};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Every type fuelflow manages, one line each.
pub static BUILTIN: &[(&str, &dyn Handler)] = &[
    ("AWS::ApiGateway::Account", &apigateway::account::Account),
    ("AWS::ApiGateway::ApiKey", &apigateway::api_key::ApiKey),
    (
        "AWS::ApiGateway::Authorizer",
        &apigateway::authorizer::Authorizer,
    ),
    (
        "AWS::ApiGateway::BasePathMapping",
        &apigateway::base_path_mapping::BasePathMapping,
    ),
    (
        "AWS::ApiGateway::Deployment",
        &apigateway::deployment::Deployment,
    ),
    (
        "AWS::ApiGateway::DomainName",
        &apigateway::domain_name::DomainName,
    ),
    (
        "AWS::ApiGateway::GatewayResponse",
        &apigateway::gateway_response::GatewayResponse,
    ),
    ("AWS::ApiGateway::Method", &apigateway::method::Method),
    ("AWS::ApiGateway::Model", &apigateway::model::Model),
    (
        "AWS::ApiGateway::RequestValidator",
        &apigateway::request_validator::RequestValidator,
    ),
    (
        "AWS::ApiGateway::Resource",
        &apigateway::resource::PathResource,
    ),
    ("AWS::ApiGateway::RestApi", &apigateway::rest_api::RestApi),
    ("AWS::ApiGateway::Stage", &apigateway::stage::Stage),
    (
        "AWS::ApiGateway::UsagePlan",
        &apigateway::usage_plan::UsagePlan,
    ),
    (
        "AWS::ApiGateway::UsagePlanKey",
        &apigateway::usage_plan_key::UsagePlanKey,
    ),
    ("AWS::ApiGatewayV2::Api", &apigatewayv2::api::Api),
    (
        "AWS::ApiGatewayV2::Authorizer",
        &apigatewayv2::authorizer::Authorizer,
    ),
    (
        "AWS::ApiGatewayV2::Integration",
        &apigatewayv2::integration::Integration,
    ),
    ("AWS::ApiGatewayV2::Route", &apigatewayv2::route::Route),
    ("AWS::ApiGatewayV2::Stage", &apigatewayv2::stage::Stage),
    (
        "AWS::CertificateManager::Certificate",
        &acm::certificate::Certificate,
    ),
    (
        "AWS::CloudFront::Distribution",
        &cloudfront::distribution::Distribution,
    ),
    ("AWS::CloudWatch::Alarm", &cloudwatch::alarm::Alarm),
    ("AWS::DynamoDB::Table", &dynamodb::table::Table),
    ("AWS::EC2::EIP", &ec2::eip::Eip),
    (
        "AWS::EC2::InternetGateway",
        &ec2::internet_gateway::InternetGateway,
    ),
    ("AWS::EC2::NatGateway", &ec2::nat_gateway::NatGateway),
    ("AWS::EC2::NetworkAcl", &ec2::network_acl::NetworkAcl),
    (
        "AWS::EC2::NetworkAclEntry",
        &ec2::network_acl_entry::NetworkAclEntry,
    ),
    ("AWS::EC2::Route", &ec2::route::Route),
    ("AWS::EC2::RouteTable", &ec2::route_table::RouteTable),
    (
        "AWS::EC2::SecurityGroup",
        &ec2::security_group::SecurityGroup,
    ),
    (
        "AWS::EC2::SecurityGroupEgress",
        &ec2::security_group_egress::SECURITY_GROUP_EGRESS,
    ),
    (
        "AWS::EC2::SecurityGroupIngress",
        &ec2::security_group_ingress::SECURITY_GROUP_INGRESS,
    ),
    ("AWS::EC2::Subnet", &ec2::subnet::Subnet),
    (
        "AWS::EC2::SubnetRouteTableAssociation",
        &ec2::subnet_route_table_association::SubnetRouteTableAssociation,
    ),
    ("AWS::EC2::VPC", &ec2::vpc::Vpc),
    ("AWS::EC2::VPCEndpoint", &ec2::vpc_endpoint::VpcEndpoint),
    (
        "AWS::EC2::VPCGatewayAttachment",
        &ec2::vpc_gateway_attachment::VpcGatewayAttachment,
    ),
    ("AWS::Events::Rule", &events::rule::Rule),
    ("AWS::IAM::Group", &iam::group::Group),
    (
        "AWS::IAM::InstanceProfile",
        &iam::instance_profile::InstanceProfile,
    ),
    (
        "AWS::IAM::ManagedPolicy",
        &iam::managed_policy::ManagedPolicy,
    ),
    ("AWS::IAM::OIDCProvider", &iam::oidc_provider::OidcProvider),
    ("AWS::IAM::Policy", &iam::policy::Policy),
    ("AWS::IAM::Role", &iam::role::Role),
    ("AWS::IAM::RolePolicy", &iam::role_policy::RolePolicy),
    (
        "AWS::IAM::ServiceLinkedRole",
        &iam::service_linked_role::ServiceLinkedRole,
    ),
    ("AWS::IAM::User", &iam::user::User),
    (
        "AWS::IAM::UserToGroupAddition",
        &iam::user_to_group_addition::UserToGroupAddition,
    ),
    ("AWS::KMS::Alias", &kms::alias::Alias),
    ("AWS::KMS::Key", &kms::key::Key),
    ("AWS::Lambda::Alias", &lambda::alias::Alias),
    (
        "AWS::Lambda::EventInvokeConfig",
        &lambda::event_invoke_config::EventInvokeConfig,
    ),
    (
        "AWS::Lambda::EventSourceMapping",
        &lambda::event_source_mapping::EventSourceMapping,
    ),
    ("AWS::Lambda::Function", &lambda::function::Function),
    (
        "AWS::Lambda::LayerVersion",
        &lambda::layer_version::LayerVersion,
    ),
    ("AWS::Lambda::Permission", &lambda::permission::Permission),
    ("AWS::Lambda::Url", &lambda::url::Url),
    ("AWS::Lambda::Version", &lambda::version::Version),
    ("AWS::Logs::LogGroup", &logs::log_group::LogGroup),
    (
        "AWS::Logs::MetricFilter",
        &logs::metric_filter::MetricFilter,
    ),
    (
        "AWS::Logs::SubscriptionFilter",
        &logs::subscription_filter::SubscriptionFilter,
    ),
    ("AWS::RDS::DBInstance", &rds::db_instance::DbInstance),
    (
        "AWS::RDS::DBSubnetGroup",
        &rds::db_subnet_group::DbSubnetGroup,
    ),
    (
        "AWS::Route53::HostedZone",
        &route53::hosted_zone::HostedZone,
    ),
    ("AWS::Route53::RecordSet", &route53::record_set::RecordSet),
    ("AWS::S3::Bucket", &s3::bucket::Bucket),
    ("AWS::S3::BucketPolicy", &s3::bucket_policy::BucketPolicy),
    (
        "AWS::SecretsManager::Secret",
        &secretsmanager::secret::Secret,
    ),
    ("AWS::SNS::Subscription", &sns::subscription::Subscription),
    ("AWS::SNS::Topic", &sns::topic::Topic),
    ("AWS::SNS::TopicPolicy", &sns::topic_policy::TopicPolicy),
    ("AWS::SQS::Queue", &sqs::queue::Queue),
    ("AWS::SQS::QueuePolicy", &sqs::queue_policy::QueuePolicy),
    ("AWS::SSM::Parameter", &ssm::parameter::Parameter),
    (
        "AWS::StepFunctions::StateMachine",
        &stepfunctions::state_machine::StateMachine,
    ),
    ("AWS::WAFv2::WebACL", &wafv2::web_acl::WebAcl),
    (
        "AWS::WAFv2::WebACLAssociation",
        &wafv2::web_acl_association::WebAclAssociation,
    ),
];

/// Types in the schema table that have no handler on purpose: read-only data sources, which
/// the engine resolves itself and never creates or deletes.
pub const WITHOUT_HANDLER: &[&str] = &["Fuelflow::Data::DefaultVpc"];

/// The handlers of one run, by type name.
#[derive(Clone)]
pub struct Registry {
    handlers: Arc<HashMap<String, &'static dyn Handler>>,
}

impl Registry {
    /// The real handlers ([`BUILTIN`]).
    pub fn builtin() -> Registry {
        static BUILT: OnceLock<Registry> = OnceLock::new();
        BUILT
            .get_or_init(|| Registry::from_table(BUILTIN.iter().copied()))
            .clone()
    }

    /// A registry of exactly these handlers (tests give fakes; a leaked `Box` is `'static`).
    pub fn from_table<'t>(
        table: impl IntoIterator<Item = (&'t str, &'static dyn Handler)>,
    ) -> Registry {
        Registry {
            handlers: Arc::new(
                table
                    .into_iter()
                    .map(|(name, h)| (name.to_string(), h))
                    .collect(),
            ),
        }
    }

    pub fn get(&self, type_name: &str) -> Option<&'static dyn Handler> {
        self.handlers.get(type_name).copied()
    }

    pub fn types(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut types: Vec<&str> = self.types().collect();
        types.sort();
        f.debug_struct("Registry").field("types", &types).finish()
    }
}

impl Default for Registry {
    fn default() -> Registry {
        Registry::builtin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_handled_type_has_a_schema_and_only_data_sources_have_no_handler() {
        let handled: BTreeSet<&str> = BUILTIN.iter().map(|(t, _)| *t).collect();
        assert_eq!(handled.len(), BUILTIN.len(), "a type is registered twice");
        for t in &handled {
            assert!(
                crate::schema::lookup(t).is_some(),
                "{t} has a handler but no schema"
            );
        }
        let without: BTreeSet<&str> = crate::schema::supported_types()
            .filter(|t| !handled.contains(t))
            .collect();
        assert_eq!(without, WITHOUT_HANDLER.iter().copied().collect());
    }

    /// The README's table of managed properties, made from the handlers.
    fn managed_properties_table() -> String {
        let mut rows: Vec<(&str, &dyn Handler)> = BUILTIN.to_vec();
        rows.sort_by_key(|(t, _)| *t);
        let mut table = String::from("| type | properties fuelflow manages |\n|---|---|\n");
        for (type_name, handler) in rows {
            let mut props = handler.managed_properties().to_vec();
            props.sort();
            let props: Vec<String> = props.iter().map(|p| format!("`{p}`")).collect();
            table.push_str(&format!("| `{type_name}` | {} |\n", props.join(", ")));
        }
        table
    }

    /// Fails when README.md's table is stale; `FUELFLOW_BLESS=1` rewrites it.
    #[test]
    fn readme_lists_the_properties_each_type_manages() {
        const START: &str = "<!-- managed-properties:start (generated: FUELFLOW_BLESS=1 cargo test --lib readme) -->\n";
        const END: &str = "<!-- managed-properties:end -->";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let (Some(a), Some(b)) = (readme.find(START), readme.find(END)) else {
            panic!("README.md has no managed-properties markers");
        };
        let current = &readme[a + START.len()..b];
        let wanted = managed_properties_table();
        if current != wanted {
            if std::env::var_os("FUELFLOW_BLESS").is_some() {
                let updated = format!("{}{wanted}{}", &readme[..a + START.len()], &readme[b..]);
                std::fs::write(path, updated).unwrap();
            } else {
                panic!(
                    "README.md's managed-properties table is stale: FUELFLOW_BLESS=1 cargo test --lib readme"
                );
            }
        }
    }

    #[test]
    fn every_managed_property_is_in_the_schema() {
        for (type_name, handler) in BUILTIN {
            let schema = crate::schema::lookup(type_name).unwrap();
            for p in handler.managed_properties() {
                assert!(
                    schema.properties.properties.iter().any(|s| s.name == *p),
                    "{type_name}: managed property {p} is not in the schema"
                );
            }
            if let Some(name) = handler.name_property() {
                assert!(
                    handler.managed_properties().contains(&name),
                    "{type_name}: {name}"
                );
            }
        }
    }
}
