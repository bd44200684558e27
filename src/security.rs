//! Security checks `validate` makes on evaluated templates. They are warnings (`--strict` makes
//! them errors), each pointing at the resource or parameter concerned.

use crate::diagnostic::Diagnostic;
use crate::template::Value;
use crate::template::stack::Stack;

/// Ports of the databases fuelflow knows (PostgreSQL, MySQL/MariaDB, SQL Server, Oracle).
const DATABASE_PORTS: &[i64] = &[5432, 3306, 1433, 1521];

pub fn check(stack: &Stack) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (name, p) in &stack.template.parameters {
        let lower = name.to_ascii_lowercase();
        if (lower.contains("password") || lower.contains("secret")) && !p.no_echo {
            found.push(Diagnostic::warning(
                p.span,
                format!("parameter `{name}` looks like a password but has no `NoEcho: true`"),
            ));
        }
    }
    for r in stack.resources.values() {
        let props = &r.properties;
        let id = &r.logical_id;
        let warn = |message: String| Diagnostic::warning(r.span, message);
        match r.resource_type.as_str() {
            "AWS::S3::Bucket" => {
                let block = get(props, &["PublicAccessBlockConfiguration"]);
                let all_blocked = [
                    "BlockPublicAcls",
                    "BlockPublicPolicy",
                    "IgnorePublicAcls",
                    "RestrictPublicBuckets",
                ]
                .iter()
                .all(|k| block.and_then(|b| get(b, &[k])).is_some_and(is_true));
                if !all_blocked && !unknown(block) {
                    found.push(warn(format!("bucket `{id}` does not block public access (set all four PublicAccessBlockConfiguration flags)")));
                }
                if get(props, &["BucketEncryption"]).is_none() {
                    found.push(warn(format!("bucket `{id}` has no BucketEncryption")));
                }
                let name = get(props, &["BucketName"])
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let versioned = get(props, &["VersioningConfiguration", "Status"])
                    .and_then(Value::as_str)
                    == Some("Enabled");
                if (id.to_ascii_lowercase().contains("state") || name.contains("-state"))
                    && !versioned
                {
                    found.push(warn(format!(
                        "state bucket `{id}` is not versioned: a bad write could not be rolled back"
                    )));
                }
            }
            "AWS::RDS::DBInstance" => {
                if !get(props, &["StorageEncrypted"]).is_some_and(is_true)
                    && get(props, &["KmsKeyId"]).is_none()
                {
                    found.push(warn(format!(
                        "database `{id}` is not encrypted (StorageEncrypted: true)"
                    )));
                }
                if get(props, &["PubliclyAccessible"]).is_some_and(is_true) {
                    found.push(warn(format!("database `{id}` is publicly accessible")));
                }
            }
            "AWS::EC2::SecurityGroup" => {
                for rule in get(props, &["SecurityGroupIngress"])
                    .and_then(list)
                    .unwrap_or_default()
                {
                    if let Some(port) = open_database_port(rule) {
                        found.push(warn(format!(
                            "security group `{id}` opens database port {port} to the internet"
                        )));
                    }
                }
            }
            "AWS::EC2::SecurityGroupIngress" => {
                if let Some(port) = open_database_port(props) {
                    found.push(warn(format!(
                        "`{id}` opens database port {port} to the internet"
                    )));
                }
            }
            "AWS::Logs::LogGroup" if get(props, &["RetentionInDays"]).is_none() => {
                found.push(warn(format!(
                    "log group `{id}` keeps logs forever (no RetentionInDays)"
                )));
            }
            "AWS::IAM::Role"
            | "AWS::IAM::Policy"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::IAM::RolePolicy" => {
                let mut documents: Vec<&Value> =
                    get(props, &["PolicyDocument"]).into_iter().collect();
                for p in get(props, &["Policies"]).and_then(list).unwrap_or_default() {
                    documents.extend(get(p, &["PolicyDocument"]));
                }
                if documents.into_iter().any(allows_everything) {
                    found.push(warn(format!(
                        "`{id}` allows every action (`*`) on every resource (`*`)"
                    )));
                }
            }
            _ => {}
        }
    }
    found
}

fn get<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |at, key| match at {
        Value::Map(map) => map.get(*key),
        _ => None,
    })
}

fn list(v: &Value) -> Option<Vec<&Value>> {
    match v {
        Value::List(items) => Some(items.iter().collect()),
        _ => None,
    }
}

fn is_true(v: &Value) -> bool {
    matches!(v, Value::Bool(true)) || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
}

fn unknown(v: Option<&Value>) -> bool {
    v.is_some_and(|v| !v.is_known())
}

fn as_strings(v: &Value) -> Vec<String> {
    match v {
        Value::List(items) => items.iter().filter_map(Value::to_text).collect(),
        other => other.to_text().into_iter().collect(),
    }
}

/// A database port reachable from anywhere (`0.0.0.0/0` or `::/0`), if the rule opens one.
fn open_database_port(rule: &Value) -> Option<i64> {
    let anywhere = ["CidrIp", "CidrIpv6"].iter().any(|k| {
        get(rule, &[k])
            .and_then(Value::as_str)
            .is_some_and(|c| c == "0.0.0.0/0" || c == "::/0")
    });
    if !anywhere {
        return None;
    }
    let protocol = get(rule, &["IpProtocol"])
        .and_then(Value::to_text)
        .unwrap_or_default();
    let port = |k: &str| {
        get(rule, &[k])
            .and_then(Value::to_text)
            .and_then(|t| t.parse::<i64>().ok())
    };
    let (from, to) = match (port("FromPort"), port("ToPort")) {
        _ if protocol == "-1" => (0, 65535),
        (Some(f), Some(t)) if f >= 0 => (f, t),
        _ => (0, 65535),
    };
    DATABASE_PORTS
        .iter()
        .copied()
        .find(|p| (from..=to).contains(p))
}

fn allows_everything(document: &Value) -> bool {
    let statements = match get(document, &["Statement"]) {
        Some(Value::List(items)) => items.iter().collect::<Vec<_>>(),
        Some(single) => vec![single],
        None => Vec::new(),
    };
    statements.into_iter().any(|s| {
        get(s, &["Effect"]).and_then(Value::as_str) == Some("Allow")
            && get(s, &["Action"]).is_some_and(|a| as_strings(a).iter().any(|x| x == "*"))
            && get(s, &["Resource"]).is_some_and(|r| as_strings(r).iter().any(|x| x == "*"))
    })
}

#[cfg(test)]
mod tests {
    use crate::workspace::{Facts, load_text};

    fn warnings(template: &str) -> Vec<String> {
        let ws = load_text("t.yaml", template.to_string(), &[], &Facts::default())
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
        super::check(&ws.stacks[0])
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn insecure_resources_are_flagged() {
        let w = warnings(
            "Parameters:\n  DbPassword: {Type: String, Default: x}\nResources:\n  B: {Type: AWS::S3::Bucket}\n  L: {Type: AWS::Logs::LogGroup}\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties: {DBInstanceClass: db.t3.micro, Engine: postgres, PubliclyAccessible: true}\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: 0.0.0.0/0}]\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: 'sts:AssumeRole'}]}\n      Policies: [{PolicyName: all, PolicyDocument: {Statement: [{Effect: Allow, Action: '*', Resource: '*'}]}}]\n",
        );
        let all = w.join("\n");
        for expected in [
            "`DbPassword`",
            "does not block public access",
            "no BucketEncryption",
            "keeps logs forever",
            "not encrypted",
            "publicly accessible",
            "port 5432",
            "every action",
        ] {
            assert!(all.contains(expected), "missing {expected}:\n{all}");
        }
    }

    #[test]
    fn secure_resources_pass() {
        let w = warnings(
            "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketEncryption: {ServerSideEncryptionConfiguration: [{ServerSideEncryptionByDefault: {SSEAlgorithm: AES256}}]}\n      PublicAccessBlockConfiguration: {BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true}\n  L:\n    Type: AWS::Logs::LogGroup\n    Properties: {RetentionInDays: 14}\n",
        );
        assert!(w.is_empty(), "{w:?}");
    }
}
