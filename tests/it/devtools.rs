//! A headless Chromium driven over the DevTools protocol (a page target,
//! then `Runtime.evaluate`), with the flags this machine needs (root, no
//! network): what the browser tests and the search benchmark
//! (`benches/search.rs`, which includes this file) drive pages with.
//! Needs Debian's `chromium` package (`.ci/run` installs it), or
//! `CHROMIUM` pointing at one.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tungstenite::{Message, WebSocket};

pub(crate) struct Chromium {
    child: Child,
    _profile: tempfile::TempDir,
    port: u16,
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn chromium_path() -> Option<String> {
    std::env::var("CHROMIUM")
        .ok()
        .into_iter()
        .chain(
            [
                "/usr/bin/chromium",
                "/usr/bin/chromium-browser",
                "/usr/bin/google-chrome",
            ]
            .map(String::from),
        )
        .find(|p| std::path::Path::new(p).is_file())
}

pub(crate) fn launch(path: &str) -> Chromium {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(path)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("DevTools listening on ws://127.0.0.1:") {
                let _ = tx.send(rest.split('/').next().unwrap_or("").to_string());
            }
        }
    });
    let port = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("chromium prints its DevTools address")
        .parse()
        .unwrap();
    Chromium {
        child,
        _profile: profile,
        port,
    }
}

/// A page target, driven over its DevTools WebSocket.
pub(crate) struct Page {
    ws: WebSocket<TcpStream>,
    next_id: u64,
}

impl Page {
    pub(crate) fn open(chromium: &Chromium, url: &str) -> Page {
        let mut s = TcpStream::connect(("127.0.0.1", chromium.port)).unwrap();
        write!(
            s,
            "PUT /json/new?{url} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        // DevTools keeps the connection open: read the headers, then exactly
        // Content-Length bytes.
        let mut r = BufReader::new(s);
        let mut len = 0;
        loop {
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).unwrap();
        let target: serde_json::Value = serde_json::from_slice(&body).expect("DevTools JSON");
        let ws_url = target["webSocketDebuggerUrl"]
            .as_str()
            .expect("page target")
            .to_string();
        let stream = TcpStream::connect(("127.0.0.1", chromium.port)).unwrap();
        let (ws, _) = tungstenite::client(ws_url.as_str(), stream).expect("DevTools WebSocket");
        Page { ws, next_id: 1 }
    }

    /// Evaluates `expr` in the page and returns its value as a string
    /// (empty while the page is between documents).
    pub(crate) fn eval(&mut self, expr: &str) -> String {
        match self.evaluate(expr, false) {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        }
    }

    /// Evaluates `expr`, a promise, in the page and returns what it
    /// resolves to, as JSON.
    pub(crate) fn eval_await(&mut self, expr: &str) -> serde_json::Value {
        self.evaluate(expr, true)
    }

    /// `Runtime.evaluate`: the value of `expr` (awaited, if a promise and
    /// `await_promise`).
    fn evaluate(&mut self, expr: &str, await_promise: bool) -> serde_json::Value {
        let id = self.next_id;
        self.next_id += 1;
        let cmd = serde_json::json!({
            "id": id,
            "method": "Runtime.evaluate",
            "params": { "expression": expr, "returnByValue": true, "awaitPromise": await_promise },
        });
        self.ws.send(Message::text(cmd.to_string())).unwrap();
        loop {
            let Message::Text(t) = self.ws.read().unwrap() else {
                continue;
            };
            let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
            if v["id"] == id {
                return v["result"]["result"]["value"].clone();
            }
        }
    }

    #[track_caller]
    pub(crate) fn wait_for(&mut self, what: &str, expr: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let v = self.eval(expr);
            if ok(&v) {
                return v;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "timed out waiting for {what}; last value: {v}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Chromium, started (the test fails, saying how to install it, without).
pub(crate) fn chromium() -> Chromium {
    let path = chromium_path().expect(
        "no Chromium: install it with `apt-get install -y chromium` (as .ci/run does), \
         or point CHROMIUM at it",
    );
    launch(&path)
}
