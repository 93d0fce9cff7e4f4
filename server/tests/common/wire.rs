//! HTTP/1.1 over a real socket to a running `parkway` process, for the tests that start
//! the binary (several replicas, graceful shutdown): no client library hides what is on
//! the wire, and a request can be sent in parts.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A free loopback port (bound, read, released: the server binds it right after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One response: status, lower-cased headers, body (chunked transfer decoded).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every `Set-Cookie` as `name=value`, for the next request's `Cookie` header.
    pub fn cookies(&self) -> String {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .filter_map(|(_, v)| v.split(';').next())
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("JSON expected: {}", self.body))
    }
}

/// The head of a request (`Connection: close`, so the response ends at EOF).
pub fn head(method: &str, port: u16, path: &str, headers: &[(&str, &str)], body_len: usize) -> String {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if body_len > 0 || method == "POST" {
        text.push_str(&format!("Content-Length: {body_len}\r\n"));
    }
    text.push_str("\r\n");
    text
}

pub fn connect(port: u16) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port)))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    Ok(stream)
}

/// Sends a whole request and reads the whole response.
pub fn request(
    method: &str,
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Response> {
    let mut stream = connect(port)?;
    stream.write_all(head(method, port, path, headers, body.len()).as_bytes())?;
    stream.write_all(body)?;
    read_response(&mut stream)
}

pub fn get(port: u16, path: &str, headers: &[(&str, &str)]) -> Response {
    request("GET", port, path, headers, b"").unwrap_or_else(|e| panic!("GET {path} on {port}: {e}"))
}

/// Reads a response to EOF and parses it.
pub fn read_response(stream: &mut TcpStream) -> std::io::Result<Response> {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| {
        std::io::Error::other(format!(
            "no complete response head: {:?}",
            String::from_utf8_lossy(&raw)
        ))
    })?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line: {head}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Ok(Response {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&data[..end])
                .split(';')
                .next()
                .unwrap_or("0")
                .trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    out
}

/// A started `parkway` process, killed when dropped (a failing test leaves none behind).
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `parkway` serving on `port` against `url`, with `env` on top of quiet logs.
pub fn serve(url: &str, port: u16, env: &[(&str, &str)]) -> Running {
    let mut command = Command::new(env!("CARGO_BIN_EXE_parkway"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("PARKWAY_LISTEN", format!("127.0.0.1:{port}"))
        .env("PARKWAY_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("PARKWAY_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (name, value) in env {
        command.env(name, value);
    }
    Running(command.spawn().expect("parkway starts"))
}

/// Waits until `GET path` answers `status` (the server is up), or panics after `limit`.
pub fn wait_for(port: u16, path: &str, status: u16, limit: Duration) -> Duration {
    let start = Instant::now();
    loop {
        if let Ok(r) = request("GET", port, path, &[], b"")
            && r.status == status
        {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < limit,
            "{path} on {port} did not answer {status} within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A development sign-in (`PARKWAY_DEV_SIGN_IN=1`) as one of the demo users on the
/// server at `port`; the session cookie it sets.
pub fn dev_sign_in(port: u16, user: &str) -> String {
    let origin = format!("http://127.0.0.1:{port}");
    let body = format!("user={user}&next=%2F");
    let answer = request(
        "POST",
        port,
        "/auth/dev",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", &origin),
        ],
        body.as_bytes(),
    )
    .expect("sign-in");
    assert_eq!(answer.status, 303, "{}", answer.body);
    let cookies = answer.cookies();
    assert!(cookies.contains("parkway_session="), "{cookies}");
    cookies
}

/// Sends SIGTERM (as Kubernetes does to stop a pod).
pub fn terminate(server: &Running) {
    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// The demo endpoints as a kubeconfig the binary reads.
pub fn kubeconfig(endpoints: &[(&str, &parkway_demo_cluster::DemoCluster)]) -> std::path::PathBuf {
    let mut clusters = String::new();
    let mut contexts = String::new();
    for (name, demo) in endpoints {
        clusters.push_str(&format!(
            "- name: {name}\n  cluster: {{server: \"{}\"}}\n",
            demo.url()
        ));
        contexts.push_str(&format!(
            "- name: {name}\n  context: {{cluster: {name}, user: nobody}}\n"
        ));
    }
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n{clusters}contexts:\n{contexts}users:\n- name: nobody\n  user: {{}}\ncurrent-context: {}\n",
        endpoints[0].0
    );
    let path = std::env::temp_dir().join(format!("parkway-kubeconfig-{}.yaml", uuid::Uuid::new_v4()));
    std::fs::write(&path, text).expect("kubeconfig");
    path
}
