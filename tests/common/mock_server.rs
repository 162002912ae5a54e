//! A tiny HTTP/1.1 server on 127.0.0.1 for market-data tests and benches: routes by path
//! prefix, answers from a scripted list of replies (the last one repeats), with delays,
//! statuses and headers, so timeouts, 429s and huge bodies can be injected. No test touches
//! the internet.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One scripted reply.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    /// When set, the body is sent one byte at a time with this pause between bytes.
    pub dribble: Option<Duration>,
}

impl Reply {
    /// 200 with `body`.
    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Self::status(200, body)
    }

    /// `status` with `body`.
    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
            dribble: None,
        }
    }

    /// The same reply with its body sent a byte per `pause` (a stalling server).
    pub fn dribbled(mut self, pause: Duration) -> Self {
        self.dribble = Some(pause);
        self
    }

    /// The same reply after `delay`.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The same reply with a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

struct Route {
    prefix: String,
    replies: Vec<Reply>,
    hits: Arc<AtomicUsize>,
}

/// A running server; it stops when the test process ends.
pub struct MockServer {
    pub base_url: String,
    hits: HashMap<String, Arc<AtomicUsize>>,
    /// Request bodies received (for POST routes), in order.
    pub bodies: Arc<Mutex<Vec<String>>>,
}

impl MockServer {
    /// Starts a server with `(path prefix, replies)` routes; the longest matching prefix wins.
    pub fn start(routes: Vec<(&str, Vec<Reply>)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let base_url = format!("http://{}", listener.local_addr().expect("address"));
        let mut routes: Vec<Route> = routes
            .into_iter()
            .map(|(prefix, replies)| Route {
                prefix: prefix.to_owned(),
                replies,
                hits: Arc::new(AtomicUsize::new(0)),
            })
            .collect();
        routes.sort_by_key(|r| std::cmp::Reverse(r.prefix.len()));
        let hits = routes
            .iter()
            .map(|r| (r.prefix.clone(), Arc::clone(&r.hits)))
            .collect();
        let routes = Arc::new(routes);
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let server_bodies = Arc::clone(&bodies);
        std::thread::Builder::new()
            .name("mock-server".to_owned())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let routes = Arc::clone(&routes);
                    let bodies = Arc::clone(&server_bodies);
                    let _ = std::thread::Builder::new()
                        .name("mock-connection".to_owned())
                        .spawn(move || handle(stream, &routes, &bodies));
                }
            })
            .expect("start the mock server thread");
        Self {
            base_url,
            hits,
            bodies,
        }
    }

    /// Requests seen on the route `prefix`.
    pub fn hits(&self, prefix: &str) -> usize {
        self.hits[prefix].load(Ordering::SeqCst)
    }
}

fn handle(stream: TcpStream, routes: &[Route], bodies: &Mutex<Vec<String>>) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() || line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            content_length = value.trim().parse().unwrap_or(0);
        }
    }
    if content_length > 0 {
        let mut body = vec![0; content_length];
        if reader.read_exact(&mut body).is_ok() {
            bodies
                .lock()
                .expect("bodies lock")
                .push(String::from_utf8_lossy(&body).into_owned());
        }
    }
    let reply = routes
        .iter()
        .find(|r| path.starts_with(&r.prefix))
        .map_or_else(
            || Reply::status(404, "no route"),
            |route| {
                let n = route.hits.fetch_add(1, Ordering::SeqCst);
                route.replies[n.min(route.replies.len() - 1)].clone()
            },
        );
    std::thread::sleep(reply.delay);
    let mut stream = stream;
    let mut head = format!(
        "HTTP/1.1 {} Scripted\r\nContent-Length: {}\r\nContent-Type: application/json\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    match reply.dribble {
        Some(pause) => {
            for byte in &reply.body {
                if stream.write_all(std::slice::from_ref(byte)).is_err() {
                    return;
                }
                let _ = stream.flush();
                std::thread::sleep(pause);
            }
        }
        None => {
            let _ = stream.write_all(&reply.body);
        }
    }
    let _ = stream.flush();
}
