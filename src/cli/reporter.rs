//! Progress of every phase. On a terminal (colors allowed, not CI): live lines that are redrawn
//! in place, one for the refresh (`12 of 40 read`), one per apply operation in flight with its
//! elapsed time (the slow ones stand out), a header counting what is done. Elsewhere (CI logs,
//! pipes, `--no-color`): plain lines stamped with the UTC time. Refresh and lock waits go to
//! stderr, so a plan on stdout stays clean; apply progress goes to stdout.

use fuelflow::engine::ResourceFailure;
use fuelflow::plan::Action;
use fuelflow::state::LockInfo;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// An operation in flight longer than this is marked slow.
const SLOW: Duration = Duration::from_secs(30);

pub struct Lines {
    quiet: bool,
    live: Option<Live>,
    started: Instant,
    tally: Mutex<Tally>,
}

/// What the apply did, for `Apply complete! Resources: 3 added, 1 changed, 0 destroyed.`
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
    done: usize,
    in_flight: usize,
}

impl Tally {
    fn count(&mut self, action: Action) {
        match action {
            Action::Create => self.added += 1,
            Action::Update => self.changed += 1,
            Action::Replace => {
                self.added += 1;
                self.destroyed += 1;
            }
            Action::Delete => self.destroyed += 1,
            Action::Forget => {}
        }
    }
}

struct Live {
    multi: MultiProgress,
    /// `Applying: 2 done, 3 in flight` above the operations; made at the first one.
    header: Mutex<Option<ProgressBar>>,
    refresh: Mutex<Option<ProgressBar>>,
    bars: Mutex<HashMap<String, (ProgressBar, Instant)>>,
}

impl Lines {
    /// `live`: redraw in place (a terminal, colors allowed, not CI).
    pub fn new(quiet: bool, live: bool) -> Lines {
        let live = (!quiet && live).then(|| Live {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stdout()),
            header: Mutex::new(None),
            refresh: Mutex::new(None),
            bars: Mutex::new(HashMap::new()),
        });
        Lines {
            quiet,
            live,
            started: Instant::now(),
            tally: Mutex::new(Tally::default()),
        }
    }

    pub fn tally(&self) -> Tally {
        *self.tally.lock().expect("not poisoned")
    }

    /// The time since this run started (`Apply complete! ... in 12.3s.`).
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// `done` of `total` live resources read.
    pub fn refreshed(&self, done: usize, total: usize) {
        if self.quiet || total == 0 {
            return;
        }
        let message = format!("Refreshing: {done} of {total} read");
        match &self.live {
            Some(live) => {
                let mut bar = live.refresh.lock().expect("not poisoned");
                let bar = bar.get_or_insert_with(|| {
                    let bar = live.multi.add(ProgressBar::new_spinner());
                    bar.set_style(style("{spinner} {msg} [{elapsed}]"));
                    bar.enable_steady_tick(Duration::from_millis(120));
                    bar
                });
                bar.set_message(message);
                if done == total {
                    bar.finish_and_clear();
                    live.multi.remove(bar);
                }
            }
            // A line at each quarter, and at the end.
            None if done == total || done % total.div_ceil(4) == 0 => {
                eprintln!("{} {message}", stamp());
            }
            None => {}
        }
    }

    /// Another run holds a lock this one waits for.
    pub fn waiting_for_lock(&self, holder: &LockInfo, waited: Duration) {
        if self.quiet {
            return;
        }
        let line = format!(
            "Waiting for the lock {}: held by {} ({}, lock id {}) for {}; waited {}s so far",
            holder.path,
            holder.who,
            holder.operation,
            holder.id,
            human(holder.created.age()),
            waited.as_secs()
        );
        match &self.live {
            Some(live) => {
                live.multi.suspend(|| eprintln!("{line}"));
            }
            None => eprintln!("{} {line}", stamp()),
        }
    }

    pub fn started(&self, stack: &str, logical_id: &str, resource_type: &str, action: Action) {
        let counts = {
            let mut tally = self.tally.lock().expect("not poisoned");
            tally.in_flight += 1;
            *tally
        };
        if self.quiet {
            return;
        }
        let line = format!("{stack}.{logical_id}: {} ({resource_type})", verb(action).0);
        let Some(live) = &self.live else {
            return println!("{} {line}...", stamp());
        };
        self.header(live, counts);
        let bar = live.multi.add(ProgressBar::new_spinner());
        bar.set_style(style("  {spinner} {msg} [{elapsed}]"));
        bar.set_message(line);
        bar.enable_steady_tick(Duration::from_millis(120));
        let mut bars = live.bars.lock().expect("not poisoned");
        bars.insert(format!("{stack}.{logical_id}"), (bar, Instant::now()));
        // The ones past SLOW say so (checked as others start and finish).
        for (bar, since) in bars.values() {
            if since.elapsed() > SLOW && !bar.message().ends_with("(slow)") {
                bar.set_message(format!("{} (slow)", bar.message()));
            }
        }
    }

    pub fn finished(
        &self,
        stack: &str,
        logical_id: &str,
        action: Action,
        elapsed: Duration,
        error: Option<&ResourceFailure>,
    ) {
        let counts = {
            let mut tally = self.tally.lock().expect("not poisoned");
            tally.in_flight = tally.in_flight.saturating_sub(1);
            tally.done += 1;
            if error.is_none() {
                tally.count(action);
            }
            *tally
        };
        let line = match error {
            None => format!(
                "{stack}.{logical_id}: {} [{:.1}s]",
                verb(action).1,
                elapsed.as_secs_f64()
            ),
            Some(e) => format!(
                "{stack}.{logical_id}: FAILED after {:.1}s: {}: {}",
                elapsed.as_secs_f64(),
                e.code,
                e.message
            ),
        };
        if let Some(live) = &self.live {
            let bar = live
                .bars
                .lock()
                .expect("not poisoned")
                .remove(&format!("{stack}.{logical_id}"));
            if let Some((bar, _)) = bar {
                bar.finish_and_clear();
                live.multi.remove(&bar);
            }
            let _ = live.multi.println(line);
            self.header(live, counts);
            return;
        }
        match error {
            Some(_) => eprintln!("{} {line}", stamp()),
            None if !self.quiet => println!("{} {line}", stamp()),
            None => {}
        }
    }

    fn header(&self, live: &Live, counts: Tally) {
        let mut header = live.header.lock().expect("not poisoned");
        // A new one for the deletes after the forward walk's has finished.
        if header.as_ref().is_some_and(|bar| bar.is_finished()) && counts.in_flight > 0 {
            *header = None;
        }
        let bar = header.get_or_insert_with(|| {
            let bar = live.multi.insert(0, ProgressBar::new_spinner());
            bar.set_style(style("{msg} [{elapsed}]"));
            bar
        });
        bar.set_message(format!(
            "Applying: {} done, {} in flight",
            counts.done, counts.in_flight
        ));
        if counts.in_flight == 0 {
            bar.finish_and_clear();
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn verb(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Create => ("creating", "created"),
        Action::Update => ("updating", "updated"),
        Action::Replace => ("replacing", "replaced"),
        Action::Delete => ("deleting", "deleted"),
        Action::Forget => ("forgetting", "forgotten (kept in AWS)"),
    }
}

/// `[12:03:04]`, the UTC time of day.
fn stamp() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let day = secs % 86_400;
    format!("[{:02}:{:02}:{:02}]", day / 3600, day % 3600 / 60, day % 60)
}

/// `1m 5s`, `12s`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {}s", s / 60, s % 60),
        _ => format!("{}h {}m", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tally_counts_what_succeeded_as_terraform_does() {
        let lines = Lines::new(true, false);
        lines.started("app", "A", "AWS::S3::Bucket", Action::Create);
        lines.finished("app", "A", Action::Create, Duration::ZERO, None);
        lines.finished("app", "B", Action::Replace, Duration::ZERO, None);
        lines.finished("app", "C", Action::Update, Duration::ZERO, None);
        lines.finished("app", "D", Action::Delete, Duration::ZERO, None);
        let failure = ResourceFailure::internal("boom".into());
        lines.finished("app", "E", Action::Create, Duration::ZERO, Some(&failure));
        let t = lines.tally();
        assert_eq!((t.added, t.changed, t.destroyed), (2, 1, 2));
    }

    #[test]
    fn the_live_display_follows_every_phase() {
        let lines = Lines::new(false, true);
        for done in 1..=3 {
            lines.refreshed(done, 3);
        }
        assert!(
            lines
                .live
                .as_ref()
                .unwrap()
                .refresh
                .lock()
                .unwrap()
                .as_ref()
                .unwrap()
                .is_finished()
        );
        lines.started("app", "A", "AWS::S3::Bucket", Action::Create);
        lines.started("app", "B", "AWS::IAM::Role", Action::Update);
        assert_eq!(lines.live.as_ref().unwrap().bars.lock().unwrap().len(), 2);
        lines.finished(
            "app",
            "A",
            Action::Create,
            Duration::from_millis(1200),
            None,
        );
        lines.finished("app", "B", Action::Update, Duration::ZERO, None);
        let live = lines.live.as_ref().unwrap();
        assert!(live.bars.lock().unwrap().is_empty());
        assert!(live.header.lock().unwrap().as_ref().unwrap().is_finished());
        let t = lines.tally();
        assert_eq!((t.added, t.changed, t.done, t.in_flight), (1, 1, 2, 0));
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human(Duration::from_secs(12)), "12s");
        assert_eq!(human(Duration::from_secs(65)), "1m 5s");
        assert_eq!(stamp().len(), "[00:00:00]".len());
    }
}
