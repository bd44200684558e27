//! A moto server for integration tests: started on a free loopback port, waited for, and killed
//! by PID when the guard drops (also on panic). A watchdog inside the server process ends it if
//! the test process dies without unwinding (abort, SIGKILL), so no server outlives its tests.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const LAUNCHER: &str = r#"
import os, sys, threading, time
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
# werkzeug listens with a backlog of 128: a wave of connections (one per request; moto closes
# each) overflows it and the dropped SYNs wait a second for their retransmission.
import logging, werkzeug.serving
werkzeug.serving.BaseWSGIServer.request_queue_size = 1024
# Nobody reads the per-request log lines (stderr is discarded); formatting them costs CPU.
logging.getLogger("werkzeug").setLevel(logging.WARNING)
# moto lists its package directory (~200 stat calls) on every request to route it; the list
# never changes while it runs.
import functools, moto.backends
moto.backends.list_of_moto_modules = functools.cache(
    lambda list_modules=moto.backends.list_of_moto_modules: tuple(list_modules()))
from moto.server import main
main(["-H", "127.0.0.1", "-p", sys.argv[1]])
"#;

pub struct MotoServer {
    child: Child,
    pub port: u16,
}

impl MotoServer {
    /// Starts a private server (for tests that reset or reconfigure moto).
    pub fn start() -> MotoServer {
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(python())
                .args(["-c", LAUNCHER, &port.to_string()])
                .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
                // ACM issues a DNS-validated certificate at the first look, not after 60 s.
                .env("MOTO_ACM_VALIDATION_WAIT", "0")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("python3 with moto[server] must be installed (scripts/test installs it)");
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = child.try_wait() {
                    last_error = format!("moto exited with {status} on port {port}");
                    break;
                }
                if answers(port) {
                    return MotoServer { child, port };
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("moto_server did not start: {last_error}");
    }

    /// The server shared by the tests of the calling source file (they use unique names). One
    /// server per file keeps each file's tests apart from the others' now that all of them run
    /// in one test binary (one binary links the SDK once instead of once per file).
    #[track_caller]
    pub fn shared() -> &'static MotoServer {
        static SHARED: OnceLock<Mutex<HashMap<&'static str, &'static MotoServer>>> =
            OnceLock::new();
        let file = std::panic::Location::caller().file();
        let mut servers = SHARED
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        servers
            .entry(file)
            .or_insert_with(|| Box::leak(Box::new(MotoServer::start())))
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Environment for a `fuelflow` child process pointed at this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }

    /// An SDK configuration for this server.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        let creds = aws_sdk_sts::config::Credentials::new("test", "test", None, None, "moto");
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(self.endpoint())
            .credentials_provider(creds)
            .load()
            .await
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> String {
    std::env::var("FUELFLOW_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

fn answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}
