//! `validate --format json|sarif`: the diagnostics of every environment as one document for CI.
//! SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html) is what GitHub
//! code scanning reads (`github/codeql-action/upload-sarif`).

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceMap, Span, display_path};
use serde_json::{Value, json};

/// One environment's outcome (`None` for a template without a project).
pub struct Outcome<'a> {
    pub env: Option<&'a str>,
    pub sources: &'a SourceMap,
    pub diagnostics: &'a [Diagnostic],
}

fn place(sources: &SourceMap, span: Span) -> (String, usize, usize, usize, usize) {
    let file = sources.get(span.file);
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end.max(span.start));
    (display_path(&file.path), line, column, end_line, end_column)
}

fn severity(d: &Diagnostic) -> &'static str {
    match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `{"valid": bool, "environments": [{"environment", "valid", "diagnostics": [...]}]}`; each
/// diagnostic has `severity`, `message`, `file`, `line`, `column`, `notes` and `related` places.
pub fn json(outcomes: &[Outcome]) -> Value {
    let environments: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let diagnostics: Vec<Value> = o
                .diagnostics
                .iter()
                .map(|d| {
                    let mut v =
                        json!({"severity": severity(d), "message": d.message, "notes": d.notes});
                    if let Some(span) = d.span {
                        let (file, line, column, end_line, end_column) = place(o.sources, span);
                        v["file"] = json!(file);
                        v["line"] = json!(line);
                        v["column"] = json!(column);
                        v["end_line"] = json!(end_line);
                        v["end_column"] = json!(end_column);
                    }
                    v["related"] = d
                        .related
                        .iter()
                        .map(|(span, text)| {
                            let (file, line, column, ..) = place(o.sources, *span);
                            json!({"file": file, "line": line, "column": column, "message": text})
                        })
                        .collect();
                    v
                })
                .collect();
            json!({
                "environment": o.env,
                "valid": !o.diagnostics.iter().any(Diagnostic::is_error),
                "diagnostics": diagnostics,
            })
        })
        .collect();
    json!({
        "valid": environments.iter().all(|e| e["valid"] == true),
        "environments": environments,
    })
}

/// A SARIF 2.1.0 log with one run; each diagnostic is a result (rule `fuelflow/error` or
/// `fuelflow/warning`), its environment in the message and in `properties`.
pub fn sarif(outcomes: &[Outcome]) -> Value {
    let mut results = Vec::new();
    for o in outcomes {
        for d in o.diagnostics {
            let mut text = d.message.clone();
            for n in &d.notes {
                text.push_str(&format!("\n{n}"));
            }
            if let Some(env) = o.env {
                text.push_str(&format!("\n(environment `{env}`)"));
            }
            let mut result = json!({
                "ruleId": format!("fuelflow/{}", severity(d)),
                "level": severity(d),
                "message": {"text": text},
                "properties": {"environment": o.env},
            });
            if let Some(span) = d.span {
                let (file, line, column, end_line, end_column) = place(o.sources, span);
                result["locations"] = json!([{"physicalLocation": {
                    "artifactLocation": {"uri": file},
                    "region": {"startLine": line, "startColumn": column,
                               "endLine": end_line, "endColumn": end_column},
                }}]);
            }
            result["relatedLocations"] = d
                .related
                .iter()
                .enumerate()
                .map(|(i, (span, label))| {
                    let (file, line, column, ..) = place(o.sources, *span);
                    json!({"id": i, "message": {"text": label}, "physicalLocation": {
                        "artifactLocation": {"uri": file},
                        "region": {"startLine": line, "startColumn": column},
                    }})
                })
                .collect();
            results.push(result);
        }
    }
    let rule = |id: &str, text: &str| json!({"id": id, "shortDescription": {"text": text}});
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "fuelflow",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": [rule("fuelflow/error", "fuelflow validate error"),
                          rule("fuelflow/warning", "fuelflow validate warning")],
            }},
            "results": results,
        }],
    })
}
