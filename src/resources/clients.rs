//! SDK clients, made once per run and only for the services a run uses.

use aws_config::SdkConfig;
use std::sync::OnceLock;

macro_rules! clients {
    ($($name:ident: $ty:ty = $make:expr;)*) => {
        /// One lazily made client per service, sharing one SDK configuration.
        pub struct Clients {
            pub config: SdkConfig,
            $($name: OnceLock<$ty>,)*
        }

        impl Clients {
            pub fn new(config: SdkConfig) -> Clients {
                Clients { config, $($name: OnceLock::new(),)* }
            }

            $(pub fn $name(&self) -> &$ty {
                self.$name.get_or_init(|| ($make)(&self.config))
            })*
        }
    };
}

clients! {
    s3: aws_sdk_s3::Client = crate::aws::s3_client;
    iam: aws_sdk_iam::Client = aws_sdk_iam::Client::new;
    dynamodb: aws_sdk_dynamodb::Client = aws_sdk_dynamodb::Client::new;
    rds: aws_sdk_rds::Client = aws_sdk_rds::Client::new;
    lambda: aws_sdk_lambda::Client = aws_sdk_lambda::Client::new;
    apigateway: aws_sdk_apigateway::Client = aws_sdk_apigateway::Client::new;
    secretsmanager: aws_sdk_secretsmanager::Client = aws_sdk_secretsmanager::Client::new;
    ec2: aws_sdk_ec2::Client = aws_sdk_ec2::Client::new;
    logs: aws_sdk_cloudwatchlogs::Client = aws_sdk_cloudwatchlogs::Client::new;
    cloudwatch: aws_sdk_cloudwatch::Client = aws_sdk_cloudwatch::Client::new;
    kms: aws_sdk_kms::Client = aws_sdk_kms::Client::new;
    wafv2: aws_sdk_wafv2::Client = aws_sdk_wafv2::Client::new;
    acm: aws_sdk_acm::Client = aws_sdk_acm::Client::new;
    route53: aws_sdk_route53::Client = aws_sdk_route53::Client::new;
    cloudformation: aws_sdk_cloudformation::Client = aws_sdk_cloudformation::Client::new;
    sqs: aws_sdk_sqs::Client = aws_sdk_sqs::Client::new;
    sns: aws_sdk_sns::Client = aws_sdk_sns::Client::new;
    ssm: aws_sdk_ssm::Client = aws_sdk_ssm::Client::new;
    eventbridge: aws_sdk_eventbridge::Client = aws_sdk_eventbridge::Client::new;
    sfn: aws_sdk_sfn::Client = aws_sdk_sfn::Client::new;
    apigatewayv2: aws_sdk_apigatewayv2::Client = aws_sdk_apigatewayv2::Client::new;
    cloudfront: aws_sdk_cloudfront::Client = aws_sdk_cloudfront::Client::new;
}
