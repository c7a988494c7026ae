//! A scripted HTTP/1.1 server for unit tests: answers connections one by one with canned
//! responses and hands back what it received.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One received request: the head (request line and headers) and the body.
pub(crate) type Received = (String, Vec<u8>);

/// Serves `responses` in order, one per connection, then stops. Returns the base URL and a
/// handle yielding every request received.
pub(crate) async fn serve(
    responses: Vec<String>,
) -> (String, tokio::task::JoinHandle<Vec<Received>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = tokio::spawn(async move {
        let mut received = Vec::new();
        for response in responses {
            let (mut socket, _) = listener.accept().await.expect("accept");
            received.push(read_request(&mut socket).await);
            socket.write_all(response.as_bytes()).await.expect("write");
            socket.shutdown().await.ok();
        }
        received
    });
    (format!("http://{addr}"), handle)
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Received {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head, body_start) = loop {
        let n = socket.read(&mut chunk).await.expect("read");
        assert!(n > 0, "connection closed before the head ended");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break (String::from_utf8_lossy(&buf[..pos]).into_owned(), pos + 4);
        }
    };
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < body_start + length {
        let n = socket.read(&mut chunk).await.expect("read");
        assert!(n > 0, "connection closed before the body ended");
        buf.extend_from_slice(&chunk[..n]);
    }
    (head, buf[body_start..body_start + length].to_vec())
}

/// A complete response with `content-length` and `connection: close`.
pub(crate) fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        let _ = write!(out, "{k}: {v}\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&String::from_utf8_lossy(body));
    out
}

/// A reqwest client; the crate builds reqwest without a default TLS provider, tests pick ring.
pub(crate) fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().build().expect("client")
}

/// The value of header `name` in a received head.
pub(crate) fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}
