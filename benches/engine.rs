//! Engine-only benchmark: parse + evaluate + graph of a generated template of N resources
//! (default 5,000), no AWS. Each measurement runs in a fresh child process so its peak RSS
//! (VmHWM) belongs to that one load and nothing else.
//!
//!   cargo bench --bench engine -- [--resources N] [--runs K] [--write FILE]
//!
//! `--write FILE` only writes the generated template (for timing `fuelflow validate -t FILE`).
//! Targets (issue 2): under 0.5 s and under 100 MB peak.

use fuelflow::workspace::{Facts, load_text};
use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let resources: usize = value("--resources").map_or(5000, |v| v.parse().expect("--resources N"));
    let runs: usize = value("--runs").map_or(7, |v| v.parse().expect("--runs K"));
    if let Some(file) = value("--write") {
        std::fs::write(&file, template(resources)).expect("write the template");
        return;
    }
    if args.iter().any(|a| a == "--once") {
        once(resources);
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    let mut times = Vec::new();
    let mut peaks = Vec::new();
    let mut baseline = 0;
    for _ in 0..runs {
        let out = Command::new(&exe)
            .args(["--once", "--resources", &resources.to_string()])
            .output()
            .expect("run a measurement");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8_lossy(&out.stdout);
        let nums: Vec<f64> = line
            .split_whitespace()
            .map(|n| n.parse().expect("child output"))
            .collect();
        times.push(nums[0]);
        peaks.push(nums[1] as u64);
        baseline = nums[2] as u64;
    }
    times.sort_by(f64::total_cmp);
    peaks.sort();
    println!(
        "engine: parse+evaluate+graph of {resources} resources, {runs} fresh processes: best {:.3} s, median {:.3} s; peak RSS {:.1} MB (median; process baseline before the template {:.1} MB)",
        times[0],
        times[runs / 2],
        peaks[runs / 2] as f64 / 1024.0,
        baseline as f64 / 1024.0
    );
}

/// One measurement: generate, load, report `seconds peak_kb baseline_kb`.
fn once(resources: usize) {
    let text = template(resources);
    let baseline = vm_hwm_kb();
    let facts = Facts {
        region: Some("us-east-1".into()),
        account_id: Some("123456789012".into()),
        availability_zones: Some(vec!["us-east-1a".into(), "us-east-1b".into()]),
        registry: fuelflow::resources::Registry::builtin(),
    };
    let start = Instant::now();
    let ws = match load_text("bench.yaml", text, &[("Env".into(), "prod".into())], &facts) {
        Ok(ws) => ws,
        Err(f) => {
            for d in f.diagnostics.iter().take(5) {
                eprintln!("{d:?}");
            }
            panic!("the generated template does not load");
        }
    };
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(ws.stacks[0].resources.len(), resources);
    println!("{elapsed} {} {baseline}", vm_hwm_kb());
}

fn vm_hwm_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A template of `n` resources in groups of four: a bucket, a role whose inline policy names
/// the bucket through GetAtt and Sub, a log group and an alarm; with parameters, conditions,
/// `Fn::If` and DependsOn so every evaluation path is exercised.
fn template(n: usize) -> String {
    let mut t = String::with_capacity(n * 700);
    t.push_str(
        "AWSTemplateFormatVersion: '2010-09-09'\n\
         Parameters:\n  Env:\n    Type: String\n    AllowedValues: [dev, prod]\n  \
         Retention:\n    Type: Number\n    Default: 14\n\
         Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n  \
         NotProd: !Not [!Condition IsProd]\n\
         Resources:\n",
    );
    for i in 0..n {
        let g = i / 4;
        match i % 4 {
            0 => write!(
                t,
                "  Bucket{g}:\n    Type: AWS::S3::Bucket\n    Properties:\n      \
                 BucketName: !Sub 'bench-${{Env}}-data-{g}'\n      \
                 VersioningConfiguration:\n        Status: !If [IsProd, Enabled, Suspended]\n      \
                 BucketEncryption:\n        ServerSideEncryptionConfiguration:\n          \
                 - ServerSideEncryptionByDefault: {{SSEAlgorithm: AES256}}\n      \
                 PublicAccessBlockConfiguration: {{BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true}}\n      \
                 Tags:\n        - Key: team\n          Value: !Ref Env\n"
            ),
            1 => write!(
                t,
                "  Role{g}:\n    Type: AWS::IAM::Role\n    Properties:\n      \
                 RoleName: !Sub 'bench-${{Env}}-role-{g}'\n      \
                 AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          \
                 - Effect: Allow\n            Principal: {{Service: lambda.amazonaws.com}}\n            Action: sts:AssumeRole\n      \
                 Policies:\n        - PolicyName: data\n          PolicyDocument:\n            Version: '2012-10-17'\n            Statement:\n              \
                 - Effect: Allow\n                Action: [s3:GetObject, s3:PutObject]\n                Resource: !Sub '${{Bucket{g}.Arn}}/*'\n              \
                 - Effect: Allow\n                Action: s3:ListBucket\n                Resource: !GetAtt Bucket{g}.Arn\n"
            ),
            2 => write!(
                t,
                "  Logs{g}:\n    Type: AWS::Logs::LogGroup\n    DependsOn: Role{g}\n    Properties:\n      \
                 LogGroupName: !Sub '/bench/${{AWS::StackName}}/{g}'\n      \
                 RetentionInDays: !If [IsProd, 90, !Ref Retention]\n"
            ),
            _ => write!(
                t,
                "  Alarm{g}:\n    Type: AWS::CloudWatch::Alarm\n    Condition: IsProd\n    Properties:\n      \
                 AlarmName: !Join ['-', [bench, !Ref Env, alarm, '{g}']]\n      \
                 Namespace: AWS/S3\n      MetricName: NumberOfObjects\n      \
                 Dimensions:\n        - Name: BucketName\n          Value: !Ref Bucket{g}\n      \
                 Statistic: Average\n      Period: 86400\n      EvaluationPeriods: 1\n      \
                 Threshold: 1000000\n      ComparisonOperator: GreaterThanThreshold\n"
            ),
        }
        .expect("write to a String");
    }
    t.push_str("Outputs:\n  FirstBucket:\n    Value: !Ref Bucket0\n    Condition: IsProd\n");
    t
}
