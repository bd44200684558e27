//! Diagnostics printed with the source line they point at (codespan style).

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::termcolor::{BufferedStandardStream, ColorChoice};
use codespan_reporting::term::{self, Styles, StylesWriter};
use fuelflow::diagnostic::{Diagnostic, Severity};
use fuelflow::source::{FileId, SourceMap, display_path};
use std::ops::Range;

struct View<'a>(&'a SourceMap);

impl<'a> Files<'a> for View<'a> {
    type FileId = FileId;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<String, FilesError> {
        Ok(display_path(&self.0.get(id).path))
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.0.get(id).text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let starts = self.0.get(id).line_starts();
        Ok(starts
            .partition_point(|&s| s <= byte_index)
            .saturating_sub(1))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.0.get(id);
        let starts = file.line_starts();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len() - 1,
        })?;
        let end = starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(file.text.len());
        Ok(start..end)
    }
}

/// Prints diagnostics to stderr, errors and warnings alike, with colors when allowed.
pub fn print(sources: &SourceMap, diagnostics: &[Diagnostic], color: bool) {
    // Buffered: a run with 100,000 warnings would otherwise make millions of small writes.
    let mut writer = BufferedStandardStream::stderr(if color {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    });
    let config = term::Config::default();
    let styles = Styles::default();
    let view = View(sources);
    for d in diagnostics {
        let report = match d.severity {
            Severity::Error => Report::error(),
            Severity::Warning => Report::warning(),
        };
        let mut labels = Vec::new();
        if let Some(span) = d.span {
            labels.push(Label::primary(span.file, clamp(sources, span)));
        }
        for (span, text) in &d.related {
            labels.push(Label::secondary(span.file, clamp(sources, *span)).with_message(text));
        }
        // Related places also as `file:line:col` notes, so they can be found without the snippet.
        let mut notes = d.notes.clone();
        notes.extend(
            d.related
                .iter()
                .map(|(span, text)| format!("{}: {text}", sources.location(*span))),
        );
        let report = report
            .with_message(&d.message)
            .with_labels(labels)
            .with_notes(notes);
        let mut out = StylesWriter::new(&mut writer, &styles);
        let _ = term::emit_to_write_style(&mut out, &config, &view, &report);
    }
    let _ = std::io::Write::flush(&mut writer);
}

fn clamp(sources: &SourceMap, span: fuelflow::source::Span) -> Range<usize> {
    let len = sources.get(span.file).text.len();
    let start = (span.start as usize).min(len);
    start..(span.end as usize).clamp(start, len)
}
