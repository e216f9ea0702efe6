//! A minimal HTTP/1.1 server for tests, on 127.0.0.1, started by the test
//! itself: no test touches the real network. It serves recorded answers of
//! the public key archive API by the `domain` query parameter, and counts
//! the requests it gets.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One recorded answer.
#[derive(Clone, Debug)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
}

impl Reply {
    /// `200 OK` with a JSON body.
    pub fn json(body: impl Into<String>) -> Reply {
        Reply {
            status: 200,
            body: body.into().into_bytes(),
            delay: Duration::ZERO,
        }
    }

    /// A bare status with a short body.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            body: format!("\"status {status}\"").into_bytes(),
            delay: Duration::ZERO,
        }
    }

    /// The same answer, sent after `delay`.
    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// A running server.
pub struct TestHttp {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The request targets received (`/api/key?domain=...`), in order.
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl TestHttp {
    /// The key endpoint's URL on this server.
    pub fn url(&self) -> String {
        format!("http://{}/api/key", self.addr)
    }

    /// The request targets received so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Starts a server answering `GET /api/key?domain=D` with `answers[D]`,
/// and `[]` for any other domain.
pub fn start(answers: Vec<(&str, Reply)>) -> TestHttp {
    let answers: Arc<HashMap<String, Reply>> = Arc::new(
        answers
            .into_iter()
            .map(|(d, r)| (d.to_string(), r))
            .collect(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let (answers, log) = (answers.clone(), log.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                        break;
                    }
                }
                log.lock().unwrap().push(target.clone());
                let domain = target
                    .split_once("domain=")
                    .map(|(_, d)| d.split('&').next().unwrap_or("").to_string())
                    .unwrap_or_default();
                let reply = answers.get(&domain).cloned().unwrap_or(Reply::json("[]"));
                std::thread::sleep(reply.delay);
                let mut conn = conn;
                let head = format!(
                    "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    reply.status,
                    reply.body.len()
                );
                let _ = conn.write_all(head.as_bytes());
                let _ = conn.write_all(&reply.body);
                let _ = conn.flush();
            });
        }
    });
    TestHttp { addr, requests }
}

/// The archive API's JSON entry for a key record.
pub fn api_entry(domain: &str, selector: &str, record: &str, first: &str, last: &str) -> String {
    serde_json::json!({
        "domain": domain,
        "selector": selector,
        "firstSeenAt": first,
        "lastSeenAt": last,
        "value": record,
    })
    .to_string()
}
