//! Template parse + evaluate + graph on arbitrary text: any outcome but a panic (or a hang,
//! or unbounded memory) is fine. Diagnostics are rendered to one line each and a loaded graph
//! to DOT, so their span and label code runs on the same inputs.
#![no_main]

use fuelflow::workspace::{self, Facts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let facts = Facts {
        account_id: Some("123456789012".into()),
        availability_zones: Some(vec!["us-east-1a".into(), "us-east-1b".into()]),
        ..Facts::default()
    };
    let parameters = [("Environment".to_string(), "dev".to_string())];
    match workspace::load_text("fuzz.yaml", text.to_string(), &parameters, &facts) {
        Ok(ws) => {
            let _ = fuelflow::graph::to_dot(&ws.graph);
            for d in &ws.warnings {
                let _ = d.one_line(&ws.sources);
            }
        }
        Err(failure) => {
            for d in &failure.diagnostics {
                let _ = d.one_line(&failure.sources);
            }
        }
    }
});
