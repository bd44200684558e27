//! Every project in `examples/` runs against moto as its README says: bootstrap, apply, an empty
//! re-plan, destroy. Each runs on its own emulator (the examples use fixed names).

use crate::support::{MotoServer, fuelflow, stderr, stdout};

fn copy(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn run_example(name: &str) {
    let moto = MotoServer::start();
    let dir = tempfile::tempdir().unwrap();
    copy(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name),
        dir.path(),
    );
    for (args, code) in [
        (&["bootstrap", "--env", "dev", "--auto-approve"][..], 0),
        (&["apply", "--env", "dev", "--auto-approve"], 0),
        (&["plan", "--env", "dev", "--detailed-exitcode"], 0),
        (&["output", "--env", "dev"], 0),
        (&["destroy", "--env", "dev", "--auto-approve"], 0),
        (&["plan", "--env", "dev", "--detailed-exitcode"], 2),
    ] {
        let out = fuelflow(dir.path(), args, Some(&moto));
        assert_eq!(
            out.status.code(),
            Some(code),
            "{name}: {args:?}\n{}\n{}",
            stdout(&out),
            stderr(&out)
        );
    }
}

#[test]
fn static_site() {
    run_example("static-site");
}

#[test]
fn function_api() {
    run_example("function-api");
}

#[test]
fn postgres() {
    run_example("postgres");
}
