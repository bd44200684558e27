//! The code of a zip-packaged function as the template gives it: inline `ZipFile` (zipped as
//! CloudFormation does), an S3 object, or a local folder or file (packaged deterministically,
//! so its `CodeSha256` is known before anything is sent).

use super::package;
use crate::resources::property;
use crate::resources::{Props, ResourceError, Result};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::FunctionCode;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The engine passes the template's directory under this key, to resolve local code paths.
pub const TEMPLATE_DIR_KEY: &str = "fuelflow:TemplateDir";
/// `Code: {fuelflow:LocalPath: ./dir}`, the long form of `Code: ./dir`.
pub const LOCAL_PATH_KEY: &str = "fuelflow:LocalPath";
/// How `read` reports the live code: `Code: {fuelflow:CodeSha256: <base64 sha256>}`.
pub const CODE_SHA_KEY: &str = "fuelflow:CodeSha256";

/// The code a template asks for.
pub(super) enum Code {
    /// Packaged here (inline source or a local path): the zip and its CodeSha256.
    Zip(Vec<u8>, String),
    S3 {
        bucket: String,
        key: String,
        version: Option<String>,
    },
}

impl Code {
    pub(super) fn function_code(&self) -> FunctionCode {
        match self {
            Code::Zip(bytes, _) => FunctionCode::builder()
                .zip_file(Blob::new(bytes.clone()))
                .build(),
            Code::S3 {
                bucket,
                key,
                version,
            } => FunctionCode::builder()
                .s3_bucket(bucket)
                .s3_key(key)
                .set_s3_object_version(version.clone())
                .build(),
        }
    }
}

/// The `CodeSha256` the desired code will have once deployed, when fuelflow packages it
/// (inline or local code); `None` for code in S3 (its hash is only known to Lambda).
pub fn desired_code_sha256(props: &Props) -> Result<Option<String>> {
    Ok(match resolve_code(props)? {
        Code::Zip(_, sha) => Some(sha),
        Code::S3 { .. } => None,
    })
}

pub(super) fn resolve_code(props: &Props) -> Result<Code> {
    let local = |path: &str| -> Result<Code> {
        let (bytes, sha) = package::package(&local_path(props, path))?;
        Ok(Code::Zip(bytes, sha))
    };
    match props.get("Code") {
        Some(Value::String(path)) => local(path),
        Some(Value::Object(code)) => {
            if let Some(path) = code.get(LOCAL_PATH_KEY).and_then(Value::as_str) {
                return local(path);
            }
            if let Some(source) = code.get("ZipFile").and_then(Value::as_str) {
                let (bytes, sha) = package::package_inline(&inline_file_name(props)?, source)?;
                return Ok(Code::Zip(bytes, sha));
            }
            let text = |k: &str| code.get(k).and_then(crate::resources::text);
            match (text("S3Bucket"), text("S3Key")) {
                (Some(bucket), Some(key)) => Ok(Code::S3 {
                    bucket,
                    key,
                    version: text("S3ObjectVersion"),
                }),
                _ => Err(ResourceError::invalid(
                    "Code",
                    "needs ZipFile, S3Bucket and S3Key, or a local path (container images are not supported)",
                )),
            }
        }
        _ => Err(ResourceError::invalid(
            "Code",
            "is required: a local path, {ZipFile} or {S3Bucket, S3Key}",
        )),
    }
}

/// A local code path, relative to the template's directory.
fn local_path(props: &Props, path: &str) -> PathBuf {
    let path = Path::new(path);
    match props.get(TEMPLATE_DIR_KEY).and_then(Value::as_str) {
        Some(dir) if path.is_relative() => Path::new(dir).join(path),
        _ => path.to_path_buf(),
    }
}

/// `validate`'s check of the local code paths of `template`'s functions: relative to
/// `template_dir`, inside `root` (the project directory, or the template's in template mode)
/// lexically and once symlinks are resolved, regular files only, within Lambda's size limits.
/// Errors point at the path as written.
pub fn local_code_errors(
    template: &crate::template::model::Template,
    template_dir: &Path,
    root: &Path,
) -> Vec<crate::diagnostic::Diagnostic> {
    let mut errors = Vec::new();
    for r in template.resources.values() {
        if r.type_name.value != "AWS::Lambda::Function" {
            continue;
        }
        let Some(code) = r.properties.as_ref().and_then(|p| node_at(p, "Code")) else {
            continue;
        };
        let written = code
            .as_str()
            .map(|_| code)
            .or_else(|| node_at(code, LOCAL_PATH_KEY));
        let Some((path, node)) = written.and_then(|n| n.as_str().map(|s| (s, n))) else {
            continue;
        };
        if let Err(message) = check_local_path(path, template_dir, root) {
            errors.push(crate::diagnostic::Diagnostic::error(
                node.span,
                format!("`{}` Code `{path}`: {message}", r.logical_id),
            ));
        }
    }
    errors
}

fn node_at<'a>(
    node: &'a crate::template::yaml::Node,
    key: &str,
) -> Option<&'a crate::template::yaml::Node> {
    node.as_map()?
        .iter()
        .find(|(k, _)| k.name == key)
        .map(|(_, v)| v)
}

/// One local code path: see [`local_code_errors`]. A path that does not exist is left to the
/// apply (it may be built before), unless it already climbs out of `root` as written.
pub fn check_local_path(
    written: &str,
    template_dir: &Path,
    root: &Path,
) -> std::result::Result<(), String> {
    let path = Path::new(written);
    if path.is_absolute() {
        return Err("absolute paths are refused; write it relative to the template".into());
    }
    let root = std::path::absolute(root).map_err(|e| e.to_string())?;
    let joined = std::path::absolute(template_dir.join(path)).map_err(|e| e.to_string())?;
    if !lexically_normal(&joined).starts_with(lexically_normal(&root)) {
        return Err(format!(
            "climbs out of the project directory {}; code must live inside it",
            root.display()
        ));
    }
    if !joined.exists() {
        return Ok(());
    }
    let real_root = std::fs::canonicalize(&root).map_err(|e| e.to_string())?;
    package::check_source(&joined, Some(&real_root))
}

/// `a/./b/../c` as `a/c`, without touching the file system.
fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// CloudFormation stores inline code as `index.js` for Node.js and `index.py` for Python.
fn inline_file_name(props: &Props) -> Result<String> {
    let runtime = property::string(props, "Runtime").unwrap_or_default();
    if runtime.starts_with("nodejs") {
        Ok("index.js".into())
    } else if runtime.starts_with("python") {
        Ok("index.py".into())
    } else {
        Err(ResourceError::invalid(
            "Code.ZipFile",
            format!("inline code needs a nodejs or python runtime, not `{runtime}`"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(v: Value) -> Props {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn local_paths_are_relative_to_the_template() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("fn")).unwrap();
        std::fs::write(dir.path().join("fn/index.py"), "x = 1\n").unwrap();
        let (_, expected) = package::package(&dir.path().join("fn")).unwrap();
        let base = dir.path().to_str().unwrap();
        for code in [json!("./fn"), json!({"fuelflow:LocalPath": "fn"})] {
            let p = props(json!({"Code": code, "fuelflow:TemplateDir": base}));
            assert_eq!(desired_code_sha256(&p).unwrap(), Some(expected.clone()));
        }
    }

    #[test]
    fn code_paths_stay_inside_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        std::fs::create_dir_all(root.join("stacks/fn")).unwrap();
        std::fs::write(root.join("stacks/fn/index.py"), "x = 1\n").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "outside").unwrap();
        let stacks = root.join("stacks");
        assert_eq!(check_local_path("./fn", &stacks, &root), Ok(()));
        assert_eq!(check_local_path("../stacks/fn", &stacks, &root), Ok(()));
        assert_eq!(check_local_path("not-built-yet", &stacks, &root), Ok(()));
        let climbs = check_local_path("../../../etc", &stacks, &root).unwrap_err();
        assert!(
            climbs.contains("climbs out of the project directory"),
            "{climbs}"
        );
        let absolute = check_local_path("/etc/passwd", &stacks, &root).unwrap_err();
        assert!(
            absolute.contains("absolute paths are refused"),
            "{absolute}"
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("stacks/fn/leak"))
                .unwrap();
            let link = check_local_path("fn", &stacks, &root).unwrap_err();
            assert!(
                link.contains("leads outside the project directory"),
                "{link}"
            );
            std::os::unix::fs::symlink("/etc", root.join("stacks/etc")).unwrap();
            let link = check_local_path("etc", &stacks, &root).unwrap_err();
            assert!(
                link.contains("leads outside the project directory"),
                "{link}"
            );
        }
    }

    #[test]
    fn special_files_and_oversized_zips_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        #[cfg(unix)]
        {
            std::fs::create_dir(root.join("fifo-dir")).unwrap();
            let fifo = root.join("fifo-dir/pipe");
            if std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .is_ok_and(|s| s.success())
            {
                let e = check_local_path("fifo-dir", root, root).unwrap_err();
                assert!(
                    e.contains("is a FIFO; only regular files are packaged"),
                    "{e}"
                );
                let e = package::package(&root.join("fifo-dir")).unwrap_err();
                assert!(e.message.contains("a FIFO"), "{}", e.message);
            }
        }
        // A sparse file: 60 MB on paper, nothing on disk, never read.
        let big = std::fs::File::create(root.join("big.zip")).unwrap();
        big.set_len(60 * 1024 * 1024).unwrap();
        let e = check_local_path("big.zip", root, root).unwrap_err();
        assert!(
            e.contains("Lambda's limit for a zip uploaded directly is 50 MB"),
            "{e}"
        );
        let e = package::package(&root.join("big.zip")).unwrap_err();
        assert!(e.message.contains("50 MB"), "{}", e.message);
        std::fs::create_dir(root.join("huge")).unwrap();
        let huge = std::fs::File::create(root.join("huge/blob.bin")).unwrap();
        huge.set_len(300 * 1024 * 1024).unwrap();
        let e = check_local_path("huge", root, root).unwrap_err();
        assert!(e.contains("Lambda's limit is 250 MB"), "{e}");
    }

    #[test]
    fn inline_code_is_named_after_the_runtime() {
        let source = "exports.handler = async () => 1;";
        let node = props(json!({"Runtime": "nodejs20.x", "Code": {"ZipFile": source}}));
        let (_, expected) = package::package_inline("index.js", source).unwrap();
        assert_eq!(desired_code_sha256(&node).unwrap(), Some(expected));
        let java = props(json!({"Runtime": "java21", "Code": {"ZipFile": source}}));
        assert_eq!(
            desired_code_sha256(&java).unwrap_err().code,
            "InvalidProperty"
        );
    }

    #[test]
    fn s3_code_has_no_local_hash_and_missing_code_is_an_error() {
        let s3 = props(json!({"Code": {"S3Bucket": "b", "S3Key": "k.zip"}}));
        assert_eq!(desired_code_sha256(&s3).unwrap(), None);
        assert!(desired_code_sha256(&Props::new()).is_err());
        assert!(desired_code_sha256(&props(json!({"Code": {"ImageUri": "x"}}))).is_err());
    }
}
