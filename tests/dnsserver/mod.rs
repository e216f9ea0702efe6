//! A minimal authoritative DNS responder for tests, on 127.0.0.1 (UDP and
//! TCP on the same port), started by the test itself: no test touches the
//! real network.
//!
//! It answers TXT queries from a table, and can simulate NXDOMAIN, SERVFAIL
//! and a server that never answers. A UDP answer larger than the client's
//! EDNS payload size (512 bytes without EDNS) is sent truncated (TC bit, no
//! records), as real servers do, so the client must retry over TCP.
#![allow(dead_code)]

use mail_auth::hickory_resolver::proto::{
    op::{Message, OpCode, ResponseCode},
    rr::{Name, RData, Record, rdata::TXT},
};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How the server answers one name.
#[derive(Clone, Debug)]
pub enum Answer {
    /// TXT records, each given as its character-strings.
    Txt(Vec<Vec<String>>),
    /// The name does not exist.
    NxDomain,
    /// The server fails.
    ServFail,
    /// The server never answers.
    Silent,
}

/// A running server.
pub struct TestDns {
    pub addr: SocketAddr,
    pub udp_queries: Arc<AtomicUsize>,
    pub tcp_queries: Arc<AtomicUsize>,
}

/// A TXT answer with one record of one or more strings.
pub fn txt(strings: &[&str]) -> Answer {
    Answer::Txt(vec![strings.iter().map(|s| s.to_string()).collect()])
}

/// Splits a record into strings of at most 255 bytes, as a zone would.
pub fn txt_record(record: &str) -> Answer {
    let chunks: Vec<String> = record
        .as_bytes()
        .chunks(255)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    Answer::Txt(vec![chunks])
}

/// Starts a server for `zone` (names without the trailing dot, any case).
/// Names not in the table get NXDOMAIN. Threads live until the test ends.
pub fn start(zone: Vec<(&str, Answer)>) -> TestDns {
    let zone: Arc<HashMap<String, Answer>> = Arc::new(
        zone.into_iter()
            .map(|(n, a)| (n.trim_end_matches('.').to_ascii_lowercase(), a))
            .collect(),
    );
    let (udp, tcp) = bind_pair();
    let addr = udp.local_addr().unwrap();
    let udp_queries = Arc::new(AtomicUsize::new(0));
    let tcp_queries = Arc::new(AtomicUsize::new(0));
    {
        let (zone, count) = (zone.clone(), udp_queries.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok((n, peer)) = udp.recv_from(&mut buf) {
                count.fetch_add(1, Ordering::SeqCst);
                if let Some(reply) = respond(&zone, &buf[..n], true) {
                    let _ = udp.send_to(&reply, peer);
                }
            }
        });
    }
    {
        let (zone, count) = (zone.clone(), tcp_queries.clone());
        std::thread::spawn(move || {
            for conn in tcp.incoming().flatten() {
                let (zone, count) = (zone.clone(), count.clone());
                std::thread::spawn(move || serve_tcp(conn, &zone, &count));
            }
        });
    }
    TestDns {
        addr,
        udp_queries,
        tcp_queries,
    }
}

fn bind_pair() -> (UdpSocket, TcpListener) {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        if let Ok(tcp) = TcpListener::bind(udp.local_addr().unwrap()) {
            return (udp, tcp);
        }
    }
    panic!("no free port for the test DNS server");
}

fn serve_tcp(mut conn: TcpStream, zone: &HashMap<String, Answer>, count: &AtomicUsize) {
    loop {
        let mut len = [0u8; 2];
        if conn.read_exact(&mut len).is_err() {
            return;
        }
        let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
        if conn.read_exact(&mut q).is_err() {
            return;
        }
        count.fetch_add(1, Ordering::SeqCst);
        let Some(reply) = respond(zone, &q, false) else {
            // Silent: hold the connection open without answering.
            std::thread::sleep(std::time::Duration::from_secs(30));
            return;
        };
        let mut out = (reply.len() as u16).to_be_bytes().to_vec();
        out.extend_from_slice(&reply);
        if conn.write_all(&out).is_err() {
            return;
        }
    }
}

/// The reply bytes for query bytes `q`, or `None` to stay silent.
fn respond(zone: &HashMap<String, Answer>, q: &[u8], udp: bool) -> Option<Vec<u8>> {
    let query = Message::from_vec(q).ok()?;
    let question = query.queries.first()?.clone();
    let name = question
        .name()
        .to_ascii()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let mut reply = Message::response(query.metadata.id, OpCode::Query);
    reply.metadata.recursion_desired = query.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    reply.metadata.authoritative = true;
    reply.add_query(question.clone());
    match zone.get(&name).cloned().unwrap_or(Answer::NxDomain) {
        Answer::Silent => return None,
        Answer::NxDomain => reply.metadata.response_code = ResponseCode::NXDomain,
        Answer::ServFail => reply.metadata.response_code = ResponseCode::ServFail,
        Answer::Txt(records) => {
            let owner: Name = question.name().clone();
            for strings in records {
                reply.add_answer(Record::from_rdata(
                    owner.clone(),
                    300,
                    RData::TXT(TXT::new(strings)),
                ));
            }
        }
    }
    let bytes = reply.to_vec().ok()?;
    let limit = query
        .edns
        .as_ref()
        .map_or(512, |e| e.max_payload().max(512)) as usize;
    if udp && bytes.len() > limit {
        let mut short = Message::response(query.metadata.id, OpCode::Query);
        short.metadata.truncation = true;
        short.metadata.recursion_available = true;
        short.add_query(question);
        return short.to_vec().ok();
    }
    Some(bytes)
}
