//! A latency and fault proxy between fuelflow and moto, on loopback. It speaks just enough
//! HTTP/1.1 to see each request: it delays it (fixed + jitter), may answer it with an error in
//! the protocol's own format instead of forwarding it, may carry a request out and lose its
//! answer ([`LoseAnswer`]), and counts requests per service and action. Used by the
//! reliability and recovery tests and the benchmarks.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Default)]
pub struct ProxyConfig {
    pub latency: Duration,
    pub jitter: Duration,
    /// Share of requests (0.0..=1.0) answered with an injected 500/503/throttling error.
    pub error_rate: f64,
    /// Share of requests whose connection is reset instead of answered.
    pub reset_rate: f64,
    /// Requests this rule matches are refused (connection reset) after it let `after` through.
    pub block: Option<Block>,
    /// Extra delay for requests of these actions (`CreateDBInstance`): a slow create on moto.
    pub slow_actions: Vec<(String, Duration)>,
    /// Requests carried out whose answers are lost (each rule counts its own).
    pub lose: Vec<LoseAnswer>,
}

/// Forwards the first `times` requests it matches, lets the server carry them out, and drops
/// the connection instead of passing the answer on: the client cannot tell whether the call
/// happened. It matches requests of `service` whose action starts with `action` (as
/// [`Stats::calls`] names actions: `CreateVpc`, `POST /restapis`), or, with `writes_only`, any
/// request that is not a read. The count is shared by clones of the rule.
#[derive(Debug, Clone, Default)]
pub struct LoseAnswer {
    pub service: String,
    pub action: String,
    /// Actions ending with this (`/deployments`), when given.
    pub action_ends_with: Option<String>,
    /// Any service's writes (what [`Stats::first_write`] calls one) instead.
    pub writes_only: bool,
    pub times: u64,
    pub lost: Arc<AtomicU64>,
}

impl LoseAnswer {
    pub fn new(service: &str, action: &str, times: u64) -> LoseAnswer {
        LoseAnswer {
            service: service.into(),
            action: action.into(),
            times,
            ..LoseAnswer::default()
        }
    }

    /// Only actions ending with `end` (`/deployments`).
    pub fn ending_with(mut self, end: &str) -> LoseAnswer {
        self.action_ends_with = Some(end.into());
        self
    }

    /// The answers of the first `times` writes (a create's own call comes first).
    pub fn first_writes(times: u64) -> LoseAnswer {
        LoseAnswer {
            writes_only: true,
            times,
            ..LoseAnswer::default()
        }
    }

    /// How many answers were lost so far.
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::SeqCst)
    }

    fn loses(&self, service: &str, action: &str) -> bool {
        if self.writes_only {
            if is_read(action) {
                return false;
            }
        } else if service != self.service
            || !action.starts_with(&self.action)
            || self
                .action_ends_with
                .as_ref()
                .is_some_and(|end| !action.ends_with(end.as_str()))
        {
            return false;
        }
        self.lost
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.times).then_some(n + 1)
            })
            .is_ok()
    }
}

/// Makes part of a service unreachable: requests to `service` whose path contains
/// `path_contains` (and whose method is `method`, when given) get their connection reset once
/// `after` of them were let through (with `lose_response`, after being carried out). The count
/// is shared by clones of the rule.
#[derive(Debug, Clone, Default)]
pub struct Block {
    pub service: String,
    pub path_contains: String,
    pub method: Option<String>,
    pub after: u64,
    /// How many to refuse after those (`None`: all of them).
    pub times: Option<u64>,
    pub seen: Arc<AtomicU64>,
    /// Forward the request, then lose the answer (the call happened; the client cannot know).
    pub lose_response: bool,
}

impl Block {
    fn refuses(&self, service: &str, r: &Request) -> bool {
        if service != self.service
            || !r.path.contains(&self.path_contains)
            || self.method.as_ref().is_some_and(|m| *m != r.method)
        {
            return false;
        }
        let n = self.seen.fetch_add(1, Ordering::SeqCst);
        n >= self.after && self.times.is_none_or(|t| n < self.after + t)
    }
}

#[derive(Default)]
pub struct Stats {
    /// (service, action) -> requests forwarded.
    pub calls: Mutex<BTreeMap<(String, String), u64>>,
    pub injected_errors: AtomicU64,
    pub resets: AtomicU64,
    /// Requests refused by the [`Block`] rule.
    pub blocked: AtomicU64,
    /// (service, action) of every request forwarded, in order.
    pub log: Mutex<Vec<(String, String)>>,
    /// (service, action, body) of every request forwarded, in order: what a request sent when
    /// moto drops part of it.
    pub bodies: Mutex<Vec<(String, String, String)>>,
    /// When each forwarded request arrived and when its answer went back (see [`Stats::depth`]).
    pub spans: Mutex<Vec<(Instant, Instant)>>,
}

impl Stats {
    pub fn total(&self) -> u64 {
        self.calls.lock().unwrap().values().sum()
    }

    pub fn snapshot(&self) -> BTreeMap<(String, String), u64> {
        self.calls.lock().unwrap().clone()
    }

    pub fn reset(&self) {
        self.calls.lock().unwrap().clear();
        self.log.lock().unwrap().clear();
        self.bodies.lock().unwrap().clear();
        self.spans.lock().unwrap().clear();
    }

    /// The longest chain of requests since the last reset in which each arrived only after the
    /// one before it was answered: the round trips the client waited on one after another
    /// (requests sent together overlap and count once). With the latency well above the
    /// client's own work between requests, this is the sequential depth of what it did.
    pub fn depth(&self) -> usize {
        let mut spans = self.spans.lock().unwrap().clone();
        spans.sort();
        let mut chain: Vec<usize> = Vec::with_capacity(spans.len());
        for (i, (arrived, _)) in spans.iter().enumerate() {
            let before = (0..i)
                .filter(|&j| spans[j].1 <= *arrived)
                .map(|j| chain[j])
                .max()
                .unwrap_or(0);
            chain.push(before + 1);
        }
        chain.into_iter().max().unwrap_or(0)
    }

    /// The first request forwarded since the last reset that is not a read (`Get*`,
    /// `Describe*`, `List*`, `Head*`, a REST `GET` or `HEAD`): a create's own call.
    pub fn first_write(&self) -> Option<(String, String)> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .find(|(_, action)| !is_read(action))
            .cloned()
    }
}

pub struct Proxy {
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
    pub config: Arc<Mutex<ProxyConfig>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy to `upstream` (`127.0.0.1:PORT`) on a free loopback port.
    pub async fn start(upstream: SocketAddr, config: ProxyConfig) -> Proxy {
        Proxy::start_routed(upstream, Vec::new(), config).await
    }

    /// A proxy that sends the requests of each `(service, server)` in `routes` (as the signing
    /// scope names it: `s3`) to that server and the rest to `upstream`: one emulator per
    /// service endpoint, as AWS serves S3 apart from IAM, so neither waits on the other's CPU.
    pub async fn start_routed(
        upstream: SocketAddr,
        routes: Vec<(String, SocketAddr)>,
        config: ProxyConfig,
    ) -> Proxy {
        let routes = Arc::new(Routes { upstream, routes });
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().unwrap();
        let stats = Arc::new(Stats::default());
        let config = Arc::new(Mutex::new(config));
        let (s, c) = (stats.clone(), config.clone());
        let task = tokio::spawn(async move {
            let mut n: u64 = 0;
            while let Ok((client, _)) = listener.accept().await {
                n += 1;
                let (s, c, r) = (s.clone(), c.clone(), routes.clone());
                tokio::spawn(async move {
                    let _ = serve(client, &r, s, c, n).await;
                });
            }
        });
        Proxy {
            addr,
            stats,
            config,
            task,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set(&self, config: ProxyConfig) {
        *self.config.lock().unwrap() = config;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Routes {
    upstream: SocketAddr,
    routes: Vec<(String, SocketAddr)>,
}

impl Routes {
    fn server(&self, service: &str) -> SocketAddr {
        self.routes
            .iter()
            .find(|(s, _)| s == service)
            .map_or(self.upstream, |(_, server)| *server)
    }
}

/// Whether an action (as [`Stats::calls`] names them) only reads.
fn is_read(action: &str) -> bool {
    const READS: &[&str] = &["Get", "Describe", "List", "Head", "GET ", "HEAD "];
    READS.iter().any(|r| action.starts_with(r))
}

/// A cheap deterministic pseudo-random number in 0..1 from a counter (no rand dependency).
fn unit(seed: u64) -> f64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 27;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

static SEQUENCE: AtomicU64 = AtomicU64::new(1);

async fn serve(
    mut client: TcpStream,
    routes: &Routes,
    stats: Arc<Stats>,
    config: Arc<Mutex<ProxyConfig>>,
    _conn: u64,
) -> std::io::Result<()> {
    // One request per connection: moto closes every connection (`Connection: close`), so the
    // SDK never sends a second request on one.
    {
        let Some(request) = read_request(&mut client).await? else {
            return Ok(());
        };
        let arrived = Instant::now();
        let cfg = config.lock().unwrap().clone();
        let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let jitter = cfg.jitter.mul_f64(unit(seq ^ 0xABCD));
        tokio::time::sleep(cfg.latency + jitter).await;
        let (service, action, protocol) = classify(&request);
        if let Some((_, delay)) = cfg.slow_actions.iter().find(|(a, _)| *a == action) {
            tokio::time::sleep(*delay).await;
        }
        let blocked = cfg.block.as_ref().filter(|b| b.refuses(&service, &request));
        let lost = cfg.lose.iter().any(|l| l.loses(&service, &action));
        if let Some(block) = blocked {
            stats.blocked.fetch_add(1, Ordering::Relaxed);
            if !block.lose_response {
                return Ok(()); // dropping the socket: unreachable, as far as the client can tell
            }
        }
        // A request whose answer is to be lost is carried out, whatever else the rules say.
        if !lost && unit(seq) < cfg.reset_rate {
            stats.resets.fetch_add(1, Ordering::Relaxed);
            return Ok(()); // dropping the socket resets the connection
        }
        if !lost && unit(seq ^ 0x5555) < cfg.error_rate {
            stats.injected_errors.fetch_add(1, Ordering::Relaxed);
            client.write_all(&injected_error(protocol, seq)).await?;
            return Ok(());
        }
        let server = routes.server(&service);
        stats
            .log
            .lock()
            .unwrap()
            .push((service.clone(), action.clone()));
        stats.bodies.lock().unwrap().push((
            service.clone(),
            action.clone(),
            String::from_utf8_lossy(&request.body).into_owned(),
        ));
        *stats
            .calls
            .lock()
            .unwrap()
            .entry((service, action))
            .or_default() += 1;
        let mut up = TcpStream::connect(server).await?;
        up.write_all(&request.raw).await?;
        let mut response = Vec::new();
        up.read_to_end(&mut response).await?;
        if blocked.is_some() || lost {
            return Ok(()); // carried out, but the client sees a reset connection
        }
        client.write_all(&response).await?;
        stats.spans.lock().unwrap().push((arrived, Instant::now()));
        Ok(())
    }
}

struct Request {
    raw: Vec<u8>,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

async fn read_request(client: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    let header_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or_default();
    let mut parts = first.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[header_end..].to_vec();
    Ok(Some(Request {
        raw: buf,
        method,
        path,
        headers,
        body,
    }))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[derive(Clone, Copy)]
enum Protocol {
    Json,
    Query,
    RestXml,
    RestJson,
}

/// (service, action, protocol) of a signed AWS request.
fn classify(r: &Request) -> (String, String, Protocol) {
    let service = r
        .header("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or("unknown")
        .to_string();
    if let Some(target) = r.header("x-amz-target") {
        let action = target.rsplit('.').next().unwrap_or(target).to_string();
        return (service, action, Protocol::Json);
    }
    let body = String::from_utf8_lossy(&r.body);
    if let Some(action) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        return (service, action.to_string(), Protocol::Query);
    }
    let path = r.path.split('?').next().unwrap_or_default();
    let query: Vec<&str> = r
        .path
        .split_once('?')
        .map(|(_, q)| q.split('&').collect())
        .unwrap_or_default();
    let shape: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let protocol = if service == "s3" {
        Protocol::RestXml
    } else {
        Protocol::RestJson
    };
    let sub = query
        .first()
        .map(|q| q.split('=').next().unwrap_or_default())
        .unwrap_or_default();
    let action = if service == "s3" {
        format!(
            "{} {}{}",
            r.method,
            if shape.len() > 1 { "object" } else { "bucket" },
            if sub.is_empty() {
                String::new()
            } else {
                format!("?{sub}")
            }
        )
    } else {
        // REST-JSON (Lambda, API Gateway, ...): method and path with ids elided.
        let generic: Vec<&str> = shape
            .iter()
            .map(|p| {
                if p.chars().any(|c| c.is_ascii_digit()) && p.len() > 6 {
                    "{id}"
                } else {
                    p
                }
            })
            .collect();
        format!("{} /{}", r.method, generic.join("/"))
    };
    (service, action, protocol)
}

fn injected_error(protocol: Protocol, seq: u64) -> Vec<u8> {
    let (status, code) = match seq % 3 {
        0 => (500, "InternalError"),
        1 => (503, "ServiceUnavailable"),
        _ => (400, "Throttling"),
    };
    let reason = match status {
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Bad Request",
    };
    let (content_type, body) = match protocol {
        Protocol::Json | Protocol::RestJson => (
            "application/x-amz-json-1.1",
            format!(
                "{{\"__type\":\"{}\",\"message\":\"injected by the fault proxy\"}}",
                if code == "Throttling" {
                    "ThrottlingException"
                } else {
                    code
                }
            ),
        ),
        Protocol::Query => (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Receiver</Type><Code>{code}</Code><Message>injected by the fault proxy</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
            ),
        ),
        Protocol::RestXml => (
            "application/xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{}</Code><Message>injected by the fault proxy</Message><RequestId>fault</RequestId></Error>",
                if code == "Throttling" {
                    "SlowDown"
                } else {
                    code
                }
            ),
        ),
    };
    let status = if code == "Throttling" && matches!(protocol, Protocol::RestXml) {
        503
    } else {
        status
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nx-amzn-ErrorType: {code}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
