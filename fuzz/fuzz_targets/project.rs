//! The project file parser (`fuelflow.yaml`) on arbitrary text: `project::read` either gives a
//! project or diagnostics (rendered to one line each, so their spans are exercised); then every
//! environment is looked up and every stack named, as the CLI does. Any outcome but a panic (or
//! a hang, or unbounded memory) is fine.
#![no_main]

use fuelflow::source::SourceMap;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = SourceMap::new();
    let file = sources.add("fuelflow.yaml", text.to_string());
    match fuelflow::project::read(&sources, file) {
        Ok(project) => {
            for env in project.environments.keys() {
                let _ = project.environment(env, None);
                for stack in project.stacks.keys() {
                    let _ = project.stack_name(stack, env);
                }
            }
            let _ = project.environment("no-such-environment", None);
        }
        Err(diagnostics) => {
            for d in &diagnostics {
                let _ = d.one_line(&sources);
            }
        }
    }
});
