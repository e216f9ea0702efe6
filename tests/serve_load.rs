//! `mailproof serve` under hostile load, driven as a separate process so
//! that its resident memory can be read from /proc: many uploads of
//! messages made of huge header fields, more concurrent uploads than the
//! limit, and clients that never finish their requests.
#![cfg(feature = "serve")]

use mailproof::serve::{BODY_IDLE_TIMEOUT, BODY_MIN_RATE, HEADER_TIMEOUT, Limits, WRITE_TIMEOUT};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server process, killed when the test ends.
struct Serve {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args(["serve", "--port", "0", "--no-builtin-keys"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "serve printed no address"
        );
        if let Some(url) = line.trim().strip_prefix("http://") {
            break url.trim_end_matches('/').parse().unwrap();
        }
    };
    // Keep draining stdout so the server never blocks on it.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    Serve { child, addr }
}

/// A field of /proc/PID/status in bytes (VmRSS, VmHWM), or None where
/// /proc is not available.
fn proc_kb(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

struct Resp {
    status: u16,
    body: String,
}

fn request(addr: SocketAddr, method: &str, path: &str, ctype: &str, body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(300))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nOrigin: http://{addr}\r\n\
         Content-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // A busy server answers 503 before reading the body.
    let _ = s.write_all(head.as_bytes()).and_then(|_| s.write_all(body));
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no response: {text:?}"));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Resp {
        status,
        body: body.to_string(),
    }
}

const BOUNDARY: &str = "mailproofloadtestboundary";

fn upload(addr: SocketAddr, files: &[(String, &[u8])]) -> Resp {
    let mut b = Vec::new();
    for (name, data) in files {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(data);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    request(
        addr,
        "POST",
        "/api/verify",
        &format!("multipart/form-data; boundary={BOUNDARY}"),
        &b,
    )
}

/// `messages` files, each a message of `fields` Subject fields of
/// `field_len` bytes. (A zip of them would be refused: they inflate more
/// than the archive reader's 200 to 1.)
fn coffee() -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read(dir.join("fixtures/real-world/Meeting for coffee.eml")).unwrap()
}

fn header_bomb(messages: usize, fields: usize, field_len: usize) -> Vec<(String, Vec<u8>)> {
    let mut msg = Vec::with_capacity(fields * (field_len + 12));
    msg.extend_from_slice(b"From: a@example.com\r\n");
    for i in 0..fields {
        msg.extend_from_slice(format!("Subject: {i} ").as_bytes());
        msg.extend(std::iter::repeat_n(b'A', field_len));
        msg.extend_from_slice(b"\r\n");
    }
    msg.extend_from_slice(b"\r\nbody\r\n");
    (0..messages)
        .map(|m| (format!("m{m}.eml"), msg.clone()))
        .collect()
}

#[test]
fn memory_stays_under_the_ceiling_and_busy_uploads_are_told_so() {
    let limits = Limits {
        max_upload_bytes: 20 << 20,
        max_message_bytes: 4 << 20,
        max_concurrent_uploads: 2,
        kept_bytes: 1 << 20,
        ..Limits::default()
    };
    let ceiling = limits.memory_ceiling();
    let s = serve(&[
        "--max-upload-mb",
        "20",
        "--max-message-mb",
        "4",
        "--max-concurrent-uploads",
        "2",
        "--keep-mb",
        "1",
    ]);
    let pid = s.child.id();
    // 4 messages of 40 Subject fields of 100 KB each: 16 MB of header text
    // per upload. Kept whole, 14 uploads would hold 224 MB of it, over the
    // ceiling.
    let bomb = header_bomb(4, 40, 100_000);
    let files: Vec<(String, &[u8])> = bomb.iter().map(|(n, m)| (n.clone(), &m[..])).collect();

    // More concurrent uploads than the limit: the extra ones are told why.
    let addr = s.addr;
    let threads: Vec<_> = (0..6)
        .map(|i| {
            let bomb = bomb.clone();
            std::thread::spawn(move || {
                let files: Vec<(String, &[u8])> = bomb
                    .iter()
                    .map(|(n, m)| (format!("{i}-{n}"), &m[..]))
                    .collect();
                upload(addr, &files)
            })
        })
        .collect();
    let answers: Vec<Resp> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let busy: Vec<&Resp> = answers.iter().filter(|r| r.status == 503).collect();
    assert!(
        answers.iter().all(|r| r.status == 200 || r.status == 503),
        "{:?}",
        answers
            .iter()
            .map(|r| (r.status, &r.body[..r.body.len().min(200)]))
            .collect::<Vec<_>>()
    );
    assert!(answers.iter().filter(|r| r.status == 200).count() >= 2);
    assert!(!busy.is_empty(), "6 uploads at once, limit 2: none refused");
    for r in &busy {
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let e = v["error"].as_str().unwrap();
        assert!(
            e.contains("already checking 2 uploads") && e.contains("try again"),
            "{e}"
        );
    }

    // Many uploads one after another: the oldest results are dropped.
    let mut batches = Vec::new();
    for _ in 0..14 {
        let r = upload(s.addr, &files);
        assert_eq!(r.status, 200, "{}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let rows = v["messages"].as_array().unwrap();
        assert_eq!(rows.len(), 4);
        let subject = rows[0]["subject"].as_str().unwrap();
        assert!(subject.ends_with("…cut"), "row subject not cut");
        assert!(subject.len() < 2048);
        batches.push(v["batch"].as_str().unwrap().to_string());
    }
    let get = |path: &str| request(s.addr, "GET", path, "text/plain", b"");
    let last = get(&format!("/b/{}/1/report.html", batches[13]));
    assert_eq!(last.status, 200);
    assert!(last.body.contains("…cut") && last.body.contains("cut_by_serve"));
    assert!(last.body.contains("mailproof verify"));
    let first = get(&format!("/b/{}/1/report.html", batches[0]));
    assert_eq!(first.status, 404, "1 MB of results cannot hold 14 uploads");
    assert!(first.body.contains("no longer kept"));

    // The page still answers.
    assert_eq!(get("/").status, 200);

    let (Some(peak), Some(now)) = (proc_kb(pid, "VmHWM:"), proc_kb(pid, "VmRSS:")) else {
        eprintln!("no /proc/PID/status here: memory not measured");
        return;
    };
    eprintln!(
        "serve: peak RSS {} MB, now {} MB, ceiling {} MB",
        peak >> 20,
        now >> 20,
        ceiling >> 20
    );
    assert!(peak < ceiling, "peak RSS {peak} over the ceiling {ceiling}");
}

/// Reads until the server closes the connection; returns how long it took.
fn time_to_close(s: TcpStream, limit: Duration) -> Duration {
    time_to_close_keeping(s, limit, &mut Vec::new())
}

/// [`time_to_close`], keeping what the server sent before closing.
fn time_to_close_keeping(mut s: TcpStream, limit: Duration, kept: &mut Vec<u8>) -> Duration {
    let start = Instant::now();
    s.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(n) => kept.extend_from_slice(&buf[..n]), // an error response before the close
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return start.elapsed(),
            Err(e) => panic!("still open after {:?}: {e}", start.elapsed()),
        }
    }
}

#[test]
fn slow_clients_are_disconnected_within_the_stated_timeouts() {
    // Two slow uploads below hold two upload slots; the download case
    // needs a third.
    let s = serve(&["--max-concurrent-uploads", "3"]);
    let addr = s.addr;
    let slack = Duration::from_secs(5);
    let header_limit = HEADER_TIMEOUT + slack;
    // Headers started and never finished.
    let partial = std::thread::spawn(move || {
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ").as_bytes())
            .unwrap();
        time_to_close(c, header_limit)
    });
    // Connected and silent.
    let silent =
        std::thread::spawn(move || time_to_close(TcpStream::connect(addr).unwrap(), header_limit));
    // One request answered, then idle on a kept-alive connection.
    let idle = std::thread::spawn(move || {
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(format!("GET /favicon.svg HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
            .unwrap();
        time_to_close(c, header_limit)
    });
    // An upload whose body stops arriving.
    let body_limit = BODY_IDLE_TIMEOUT + slack;
    let stalled = std::thread::spawn(move || {
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(
            format!(
                "POST /api/verify HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
        let mut answer = Vec::new();
        let took = time_to_close_keeping(c, body_limit, &mut answer);
        (took, String::from_utf8_lossy(&answer).into_owned())
    });
    // An upload body trickled one byte every 2 seconds: never idle for
    // BODY_IDLE_TIMEOUT, far below BODY_MIN_RATE.
    let trickle_step = Duration::from_secs(2);
    let trickle_limit = BODY_IDLE_TIMEOUT + trickle_step + slack;
    let trickled = std::thread::spawn(move || {
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(
            format!(
                "POST /api/verify HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
        let mut w = c.try_clone().unwrap();
        std::thread::spawn(move || {
            while w.write_all(b"a").is_ok() {
                std::thread::sleep(trickle_step);
            }
        });
        let mut answer = Vec::new();
        let took = time_to_close_keeping(c, trickle_limit, &mut answer);
        (took, String::from_utf8_lossy(&answer).into_owned())
    });
    // A client that asks for downloads and never reads them: many
    // pipelined requests for a report, so that the responses fill both
    // sockets' buffers and the server's write waits on the client.
    let up = upload(addr, &[("coffee.eml".to_string(), &coffee()[..])]);
    assert_eq!(up.status, 200, "{}", up.body);
    let batch = up
        .body
        .split("\"batch\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let one = request(
        addr,
        "GET",
        &format!("/b/{batch}/1/report.json?download=1"),
        "text/plain",
        b"",
    );
    assert_eq!(one.status, 200);
    // 64 MB of responses, several times what the two sockets can buffer.
    let count = (64 << 20) / one.body.len().max(1) + 1;
    let unread_limit = WRITE_TIMEOUT + slack;
    let unread = std::thread::spawn(move || {
        let c = TcpStream::connect(addr).unwrap();
        let mut w = c.try_clone().unwrap();
        let req =
            format!("GET /b/{batch}/1/report.json?download=1 HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        std::thread::spawn(move || {
            for _ in 0..count {
                if w.write_all(req.as_bytes()).is_err() {
                    break;
                }
            }
        });
        // Not reading: wait past the write timeout, then drain what the
        // buffers hold. A server that kept the connection would now send
        // every response; one that closed it ends after the buffers.
        std::thread::sleep(unread_limit);
        let mut c = c;
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut got = 0usize;
        let mut buf = vec![0u8; 1 << 16];
        let ended = loop {
            match c.read(&mut buf) {
                Ok(0) => break true,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
                Err(_) => break false,
            }
        };
        (ended, got, count * one.body.len())
    });
    for (what, t, limit) in [
        ("unfinished headers", partial, header_limit),
        ("silent connection", silent, header_limit),
        ("idle keep-alive", idle, header_limit),
    ] {
        let took = t.join().unwrap();
        assert!(took <= limit, "{what}: closed after {took:?}");
        eprintln!("{what}: closed after {took:?}");
    }
    let (took, answer) = stalled.join().unwrap();
    assert!(
        took <= body_limit,
        "stalled upload body: closed after {took:?}"
    );
    assert!(
        answer.contains(&format!(
            "stopped arriving for {} seconds",
            BODY_IDLE_TIMEOUT.as_secs()
        )),
        "the stalled upload is told why: {answer}"
    );
    eprintln!("stalled upload body: closed after {took:?}");
    let (took, answer) = trickled.join().unwrap();
    assert!(
        took <= trickle_limit,
        "trickled upload body: closed after {took:?}"
    );
    assert!(
        answer.contains(&format!(
            "slower than {} KiB per second",
            BODY_MIN_RATE / 1024
        )),
        "the trickled upload is told why: {answer}"
    );
    eprintln!("trickled upload body: closed after {took:?}");
    let (ended, got, all) = unread.join().unwrap();
    assert!(
        ended,
        "unread downloads: connection still open after {unread_limit:?}"
    );
    assert!(
        got < all / 2,
        "unread downloads: {got} of {all} bytes sent, the connection was kept"
    );
    eprintln!("unread downloads: closed, {got} of {all} bytes had been buffered");
    // The server still serves.
    let r = request(addr, "GET", "/", "text/plain", b"");
    assert_eq!(r.status, 200);
}
