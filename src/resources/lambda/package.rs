//! Lambda deployment packages: a local folder or file zipped deterministically, or inline code
//! zipped the way CloudFormation does, with the `CodeSha256` AWS will report for it.
//!
//! Deterministic means the bytes depend only on file names, contents and the executable bit:
//! entries sorted, every timestamp 1980-01-01, modes 0644/0755, no extra fields. So the hash
//! changes exactly when the code does, and the engine can plan a code update from it.

use crate::resources::{ResourceError, Result};
use sha2::{Digest, Sha256};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Lambda's limit for a zip uploaded directly (`ZipFile`): 50 MB.
pub const MAX_ZIPPED_BYTES: u64 = 50 * 1024 * 1024;
/// Lambda's limit for the unzipped code of a function: 250 MB.
pub const MAX_UNZIPPED_BYTES: u64 = 250 * 1024 * 1024;

/// Checks what packaging `path` would read, without reading it: regular files and folders only
/// (no FIFO, device or socket), every file inside `root` once symlinks are resolved (when given),
/// and Lambda's size limits (an existing `.zip`: its size and its entries' unzipped sizes).
pub fn check_source(path: &Path, root: Option<&Path>) -> std::result::Result<(), String> {
    let mut unzipped = 0u64;
    walk(path, root, &mut unzipped)?;
    if unzipped > MAX_UNZIPPED_BYTES {
        return Err(format!(
            "{} holds {} MB unzipped; Lambda's limit is 250 MB (put larger code in S3 or a container image)",
            path.display(),
            unzipped / 1024 / 1024
        ));
    }
    Ok(())
}

/// Adds the unzipped size of everything under `path` to `total`, refusing what cannot be read
/// safely; stops early once over the limit.
fn walk(path: &Path, root: Option<&Path>, total: &mut u64) -> std::result::Result<(), String> {
    let shown = path.display();
    if let Some(root) = root {
        let real = std::fs::canonicalize(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
        if !real.starts_with(root) {
            return Err(format!(
                "{shown} leads outside the project directory {} (to {}); code must live inside it",
                root.display(),
                real.display()
            ));
        }
    }
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if meta.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {shown}: {e}"))?;
            walk(&entry.path(), root, total)?;
            if *total > MAX_UNZIPPED_BYTES {
                return Ok(());
            }
        }
        return Ok(());
    }
    if !meta.is_file() {
        return Err(format!(
            "{shown} is {}; only regular files are packaged",
            crate::source::file_kind(&meta)
        ));
    }
    if has_zip_extension(path) {
        if meta.len() > MAX_ZIPPED_BYTES {
            return Err(format!(
                "{shown} is {} MB; Lambda's limit for a zip uploaded directly is 50 MB (put it in S3: Code: {{S3Bucket, S3Key}})",
                meta.len() / 1024 / 1024
            ));
        }
        *total += zip_unzipped_size(path)?;
    } else {
        *total += meta.len();
    }
    Ok(())
}

/// The sum of the entries' sizes an existing zip declares (read from its central directory);
/// a file that is not a readable zip counts as its own size (Lambda will judge it).
fn zip_unzipped_size(path: &Path) -> std::result::Result<u64, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let own_size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let Ok(mut archive) = zip::ZipArchive::new(file) else {
        return Ok(own_size);
    };
    let mut total = 0u64;
    for i in 0..archive.len() {
        if let Ok(entry) = archive.by_index_raw(i) {
            total = total.saturating_add(entry.size());
        }
    }
    Ok(total)
}

/// Zips `path` (a folder, a single file, or an existing `.zip` taken as is) and returns the
/// package with its `CodeSha256` (base64 of the SHA-256 of the zip bytes). Lambda's limits are
/// checked before anything is read, and on the zip built.
pub fn package(path: &Path) -> Result<(Vec<u8>, String)> {
    check_source(path, None).map_err(|m| ResourceError::invalid("Code", m))?;
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
    let bytes = if meta.is_file() && has_zip_extension(path) {
        read(path)?
    } else if meta.is_file() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        zip_entries(vec![(name, path.to_path_buf())])?
    } else {
        let mut files = Vec::new();
        collect_files(path, path, &mut files)?;
        zip_entries(files)?
    };
    if bytes.len() as u64 > MAX_ZIPPED_BYTES {
        return Err(ResourceError::invalid(
            "Code",
            format!(
                "the zip of {} is {} MB; Lambda's limit for a direct upload is 50 MB (put it in S3: Code: {{S3Bucket, S3Key}})",
                path.display(),
                bytes.len() / 1024 / 1024
            ),
        ));
    }
    let sha = code_sha256(&bytes);
    Ok((bytes, sha))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    crate::source::read_bounded(path, MAX_UNZIPPED_BYTES)
        .map_err(|e| ResourceError::invalid("Code", format!("cannot read {}: {e}", path.display())))
}

/// Inline source zipped as a single file, as CloudFormation does for `Code.ZipFile`.
pub fn package_inline(file_name: &str, source: &str) -> Result<(Vec<u8>, String)> {
    let bytes = zip_bytes(vec![(
        file_name.to_string(),
        source.as_bytes().to_vec(),
        false,
    )])?;
    let sha = code_sha256(&bytes);
    Ok((bytes, sha))
}

/// What Lambda reports as `CodeSha256` for these bytes.
pub fn code_sha256(bytes: &[u8]) -> String {
    aws_smithy_types::base64::encode(Sha256::digest(bytes))
}

fn has_zip_extension(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Every file under `dir` as (name inside the zip with `/` separators, path on disk).
fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| io_error(dir, e))?.path();
        // Follows symlinks, so a linked shared module is packaged as its contents.
        let meta = std::fs::metadata(&path).map_err(|e| io_error(&path, e))?;
        if meta.is_dir() {
            collect_files(root, &path, out)?;
        } else {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, path));
        }
    }
    Ok(())
}

fn zip_entries(files: Vec<(String, PathBuf)>) -> Result<Vec<u8>> {
    let mut entries = Vec::with_capacity(files.len());
    for (name, path) in files {
        let contents = read(&path)?;
        entries.push((name, contents, is_executable(&path)));
    }
    zip_bytes(entries)
}

fn zip_bytes(mut entries: Vec<(String, Vec<u8>, bool)>) -> Result<Vec<u8>> {
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, contents, executable) in entries {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(DateTime::default())
            .unix_permissions(if executable { 0o755 } else { 0o644 });
        writer
            .start_file(name.as_str(), options)
            .map_err(zip_error)?;
        writer
            .write_all(&contents)
            .map_err(|e| zip_error(e.into()))?;
    }
    Ok(writer.finish().map_err(zip_error)?.into_inner())
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_path: &Path) -> bool {
    false
}

fn io_error(path: &Path, e: std::io::Error) -> ResourceError {
    ResourceError::invalid("Code", format!("cannot read {}: {e}", path.display()))
}

fn zip_error(e: zip::result::ZipError) -> ResourceError {
    ResourceError::new("PackageFailed", format!("cannot build the zip: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn sample_folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("index.js"),
            "exports.handler = async () => 1;\n",
        )
        .unwrap();
        fs::create_dir(dir.path().join("lib")).unwrap();
        fs::write(dir.path().join("lib/util.js"), "module.exports = 2;\n").unwrap();
        dir
    }

    #[test]
    fn same_folder_twice_gives_identical_bytes_and_hash() {
        let dir = sample_folder();
        let (a, hash_a) = package(dir.path()).unwrap();
        let (b, hash_b) = package(dir.path()).unwrap();
        assert_eq!(a, b);
        assert_eq!(hash_a, hash_b);
        assert_eq!(hash_a, code_sha256(&a));
    }

    #[test]
    fn touching_mtime_only_keeps_the_hash() {
        let dir = sample_folder();
        let (_, before) = package(dir.path()).unwrap();
        let file = fs::File::options()
            .write(true)
            .open(dir.path().join("index.js"))
            .unwrap();
        file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(3600))
            .unwrap();
        drop(file);
        let (_, after) = package(dir.path()).unwrap();
        assert_eq!(before, after);
    }

    #[test]
    fn editing_a_file_changes_the_hash() {
        let dir = sample_folder();
        let (_, before) = package(dir.path()).unwrap();
        fs::write(dir.path().join("lib/util.js"), "module.exports = 3;\n").unwrap();
        let (_, after) = package(dir.path()).unwrap();
        assert_ne!(before, after);
    }

    #[test]
    fn the_same_tree_in_another_place_gives_the_same_hash() {
        let a = sample_folder();
        let b = sample_folder();
        assert_eq!(package(a.path()).unwrap().1, package(b.path()).unwrap().1);
    }

    #[cfg(unix)]
    #[test]
    fn the_executable_bit_is_part_of_the_package() {
        use std::os::unix::fs::PermissionsExt;
        let dir = sample_folder();
        let (_, before) = package(dir.path()).unwrap();
        let script = dir.path().join("index.js");
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        let (_, after) = package(dir.path()).unwrap();
        assert_ne!(before, after);
    }

    #[test]
    fn entries_are_sorted_with_slash_separators() {
        let dir = sample_folder();
        let (bytes, _) = package(dir.path()).unwrap();
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let names: Vec<&str> = archive.file_names().collect();
        assert_eq!(names, vec!["index.js", "lib/util.js"]);
    }

    #[test]
    fn a_zip_file_is_taken_as_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("code.zip");
        fs::write(&path, b"PK-not-really").unwrap();
        let (bytes, sha) = package(&path).unwrap();
        assert_eq!(bytes, b"PK-not-really");
        assert_eq!(sha, code_sha256(b"PK-not-really"));
    }
}
