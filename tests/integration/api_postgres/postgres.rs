//! A real PostgreSQL server for a test: `initdb` in a temp dir, `postgres` on a free loopback
//! port with TLS (a self-signed certificate made with `openssl`) and only `hostssl` lines in
//! pg_hba.conf, so a client without TLS is refused. As root it runs as the `postgres` user (or
//! `nobody`): the server refuses to run as root. Stopped (fast shutdown) when the guard drops,
//! also on panic; a watchdog shell around the server stops it if the test process dies without
//! unwinding. Binaries: `FUELFLOW_TEST_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`
//! (Debian's `postgresql` package, which `scripts/test` installs), else `PATH`.

use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SUPERUSER: &str = "postgres";

/// Runs the server and stops it with a fast shutdown when its parent (the test) is gone.
const WATCHDOG: &str = r#"
"$0" "$@" & pg=$!
trap 'kill -INT $pg 2>/dev/null; wait $pg; exit 0' INT TERM
while [ -e /proc/$PPID ] && kill -0 $pg 2>/dev/null; do sleep 0.5; done
kill -INT $pg 2>/dev/null; wait $pg
"#;

pub struct Postgres {
    watchdog: Child,
    client: Client,
    dir: tempfile::TempDir,
}

/// The unprivileged account a root test process runs the server as: (uid, gid).
fn server_account() -> Option<(u32, u32)> {
    let me = std::fs::metadata("/proc/self").expect("/proc/self").uid();
    if me != 0 {
        return None;
    }
    let id = |flag: &str, user: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, user]).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    ["postgres", "nobody"]
        .iter()
        .find_map(|user| Some((id("-u", user)?, id("-g", user)?)))
        .or_else(|| panic!("running as root: a `postgres` or `nobody` user must exist"))
}

fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("FUELFLOW_TEST_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    let out = Command::new("sh")
        .args(["-c", "command -v initdb"])
        .output();
    let path = out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match path {
        Ok(p) if !p.is_empty() => Path::new(&p).parent().unwrap().to_path_buf(),
        _ => panic!(
            "PostgreSQL's initdb was not found (apt-get install postgresql; scripts/test does)"
        ),
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().unwrap().port()
}

fn run(cmd: &mut Command, what: &str) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({})\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A command run as the server's account when the test runs as root.
fn as_server(program: PathBuf, account: Option<(u32, u32)>, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir).env("LC_ALL", "C");
    if let Some((uid, gid)) = account {
        cmd.gid(gid).uid(uid);
    }
    cmd
}

impl Postgres {
    pub fn start() -> Postgres {
        let bin = bin_dir();
        let account = server_account();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let superuser_password = format!("su-{:x}", std::process::id() ^ 0x5eed_f00d);
        std::fs::write(root.join("pwfile"), &superuser_password).unwrap();
        run(
            Command::new("openssl").current_dir(root).args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                "server.key",
                "-out",
                "server.crt",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
            ]),
            "openssl req (the server's self-signed certificate)",
        );
        if let Some((uid, gid)) = account {
            for name in ["", "pwfile", "server.key", "server.crt"] {
                std::os::unix::fs::chown(root.join(name), Some(uid), Some(gid)).unwrap();
            }
        }
        std::fs::set_permissions(
            root.join("server.key"),
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        run(
            as_server(bin.join("initdb"), account, root).args([
                "-D",
                "data",
                "-U",
                SUPERUSER,
                "--pwfile=pwfile",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]),
            "initdb",
        );
        // TLS or nothing: no `host` line accepts a plaintext connection.
        std::fs::write(
            root.join("data/pg_hba.conf"),
            "hostssl all all 127.0.0.1/32 scram-sha-256\n",
        )
        .unwrap();

        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            let log = std::fs::File::create(root.join("server.log")).unwrap();
            if let Some((uid, gid)) = account {
                std::os::unix::fs::chown(root.join("server.log"), Some(uid), Some(gid)).unwrap();
            }
            let mut watchdog = as_server("sh".into(), account, root)
                .args(["-c", WATCHDOG])
                .arg(bin.join("postgres"))
                .args(["-D", "data", "-p", &port.to_string()])
                .args(["-c", "listen_addresses=127.0.0.1"])
                .args(["-c", "unix_socket_directories="])
                .args(["-c", "ssl=on"])
                .args(["-c", "ssl_cert_file=../server.crt"])
                .args(["-c", "ssl_key_file=../server.key"])
                .args(["-c", "fsync=off"])
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("start postgres");
            let client = Client {
                bin: bin.clone(),
                port,
                ca_file: root.join("server.crt"),
                superuser_password: superuser_password.clone(),
            };
            match wait_ready(&mut watchdog, &client, root) {
                Ok(()) => {
                    return Postgres {
                        watchdog,
                        client,
                        dir,
                    };
                }
                Err(e) => {
                    last_error = e;
                    stop(&mut watchdog);
                }
            }
        }
        panic!("postgres did not start: {last_error}");
    }

    pub fn port(&self) -> u16 {
        self.client.port
    }

    /// The server's certificate: the CA a client must trust.
    pub fn ca_file(&self) -> &Path {
        &self.client.ca_file
    }

    /// Runs SQL as the superuser (over TLS, the certificate verified) and returns its output.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let mut cmd = self.client.psql(database, &["-c", sql]);
        let out = run(&mut cmd, &format!("psql -c {sql:?}"));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// What RDS makes of `MasterUsername`/`MasterUserPassword`/`DBName`: a login role that owns
    /// the database (so it may create tables in its public schema).
    pub fn create_owner(&self, user: &str, password: &str, database: &str) {
        let ident = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let literal = |s: &str| format!("'{}'", s.replace('\'', "''"));
        let mut script = tempfile::NamedTempFile::new_in(self.dir.path()).unwrap();
        writeln!(
            script,
            "CREATE ROLE {} LOGIN PASSWORD {};\nCREATE DATABASE {} OWNER {};",
            ident(user),
            literal(password),
            ident(database),
            ident(user)
        )
        .unwrap();
        // A file, not -c: CREATE DATABASE may not share a transaction with CREATE ROLE.
        let script = script.path().to_string_lossy().into_owned();
        let mut cmd = self.client.psql("postgres", &["-f", &script]);
        run(&mut cmd, "psql (the database owner)");
    }
}

/// How the test reaches the server as its superuser.
struct Client {
    bin: PathBuf,
    port: u16,
    ca_file: PathBuf,
    superuser_password: String,
}

impl Client {
    fn psql(&self, database: &str, input: &[&str]) -> Command {
        let mut cmd = Command::new(self.bin.join("psql"));
        let conninfo = format!(
            "host=127.0.0.1 port={} user={SUPERUSER} dbname={database} sslmode=verify-full sslrootcert={}",
            self.port,
            self.ca_file.display()
        );
        cmd.args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", &conninfo])
            .args(input)
            .env("PGPASSWORD", &self.superuser_password)
            .env("PGCONNECT_TIMEOUT", "5")
            .stdin(Stdio::null());
        cmd
    }
}

fn wait_ready(watchdog: &mut Child, client: &Client, dir: &Path) -> Result<(), String> {
    let log = || std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = watchdog.try_wait() {
            return Err(format!("exited with {status}:\n{}", log()));
        }
        let probe = client.psql("postgres", &["-c", "SELECT 1"]).output();
        if probe.is_ok_and(|o| o.status.success()) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("no answer in 30 s:\n{}", log()));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Fast shutdown through the watchdog, then SIGKILL if it takes over 15 s.
fn stop(watchdog: &mut Child) {
    let pid = watchdog.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = watchdog.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = watchdog.kill();
    let _ = watchdog.wait();
}

impl Drop for Postgres {
    fn drop(&mut self) {
        stop(&mut self.watchdog);
    }
}
