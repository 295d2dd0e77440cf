//! Minimal HTTP/1.1 on blocking streams: request parsing (Content-Length and
//! chunked bodies, `Expect: 100-continue`, keep-alive) and response writing.

use std::io::{self, Read, Write};

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 32 * 1024 * 1024;

/// A parsed request.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    /// Raw request target (path + query).
    pub target: String,
    /// Raw path (not percent-decoded).
    pub path: String,
    /// Raw query string (without `?`).
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// HTTP minor version (0 or 1).
    pub minor: u8,
}

impl Request {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the connection should stay open after this request.
    pub fn keep_alive(&self) -> bool {
        let conn = self.header("connection").unwrap_or("").to_ascii_lowercase();
        if self.minor == 0 {
            conn.contains("keep-alive")
        } else {
            !conn.contains("close")
        }
    }
}

/// A response to write.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Injected network fault: write nothing, wait this long, then close the connection.
    pub drop_after_ms: Option<u64>,
    /// A WebSocket upgrade (`vncwebsocket`): after this 101 answer the
    /// connection is bridged to the VNC server at this address.
    pub upgrade: Option<String>,
}

impl Response {
    /// No answer at all: the connection is closed after `ms` (a dropped connection
    /// for 0, a client timeout for a long wait).
    pub fn dropped(ms: u64) -> Response {
        let mut r = Response::empty(0, "");
        r.drop_after_ms = Some(ms);
        r
    }

    /// A response with a body and content type.
    pub fn new(status: u16, reason: &str, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            reason: sanitize_reason(reason),
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
            drop_after_ms: None,
            upgrade: None,
        }
    }

    /// JSON response with PVE's content type.
    pub fn json(status: u16, reason: &str, body: &serde_json::Value) -> Response {
        Response::new(
            status,
            reason,
            "application/json;charset=UTF-8",
            serde_json::to_vec(body).unwrap_or_default(),
        )
    }

    /// A response with no body at all.
    pub fn empty(status: u16, reason: &str) -> Response {
        Response {
            status,
            reason: sanitize_reason(reason),
            headers: vec![],
            body: vec![],
            drop_after_ms: None,
            upgrade: None,
        }
    }
}

/// Reason phrases are one line of printable ASCII.
pub fn sanitize_reason(r: &str) -> String {
    let first = r.lines().next().unwrap_or("");
    let s: String = first
        .chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .collect();
    if s.is_empty() {
        "Unknown".into()
    } else {
        s
    }
}

/// Buffered connection over any blocking stream.
pub struct Conn<S: Read + Write> {
    pub stream: S,
    buf: Vec<u8>,
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

impl<S: Read + Write> Conn<S> {
    /// Bytes read past the last request (a WebSocket client's first frames).
    pub fn take_buffered(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    pub fn new(stream: S) -> Conn<S> {
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    fn fill(&mut self) -> io::Result<usize> {
        let mut tmp = [0u8; 16 * 1024];
        let n = self.stream.read(&mut tmp)?;
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(n)
    }

    fn take_line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(pos) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..pos + 2).take(pos).collect();
                return Ok(line);
            }
            if self.buf.len() > MAX_HEAD {
                return Err(bad("line too long"));
            }
            if self.fill()? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "eof"));
            }
        }
    }

    fn take_exact(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if self.fill()? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "eof in body"));
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// Read the next request; `Ok(None)` on a clean close before any byte.
    pub fn read_request(&mut self) -> io::Result<Option<Request>> {
        // wait for the head
        loop {
            if let Some(pos) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let _ = pos;
                break;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(bad("head too large"));
            }
            let n = self.fill()?;
            if n == 0 {
                if self.buf.iter().all(|b| b.is_ascii_whitespace()) {
                    return Ok(None);
                }
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "eof in head"));
            }
        }
        // skip leading blank lines (robustness)
        while self.buf.starts_with(b"\r\n") {
            self.buf.drain(..2);
        }
        let line = self.take_line()?;
        let line = String::from_utf8_lossy(&line).to_string();
        let mut parts = line.split(' ');
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let version = parts.next().unwrap_or("HTTP/1.1");
        if method.is_empty() || target.is_empty() || !version.starts_with("HTTP/1.") {
            return Err(bad("bad request line"));
        }
        let minor = if version == "HTTP/1.0" { 0 } else { 1 };
        let mut headers = Vec::new();
        loop {
            let h = self.take_line()?;
            if h.is_empty() {
                break;
            }
            let h = String::from_utf8_lossy(&h).to_string();
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (target.clone(), String::new()),
        };
        let mut req = Request {
            method,
            target,
            path,
            query,
            headers,
            body: vec![],
            minor,
        };
        let chunked = req
            .header("transfer-encoding")
            .map(|v| v.to_ascii_lowercase().contains("chunked"))
            .unwrap_or(false);
        let len: usize = match req.header("content-length") {
            Some(v) => v.trim().parse().map_err(|_| bad("bad content-length"))?,
            None => 0,
        };
        if len > MAX_BODY {
            return Err(bad("body too large"));
        }
        let expects = req
            .header("expect")
            .map(|v| v.eq_ignore_ascii_case("100-continue"))
            .unwrap_or(false);
        if expects && (len > 0 || chunked) {
            self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            self.stream.flush()?;
        }
        if chunked {
            let mut body = Vec::new();
            loop {
                let size_line = self.take_line()?;
                let size_text = String::from_utf8_lossy(&size_line).to_string();
                let size_hex = size_text.split(';').next().unwrap_or("").trim().to_string();
                let size = usize::from_str_radix(&size_hex, 16).map_err(|_| bad("bad chunk"))?;
                if size == 0 {
                    // trailers
                    loop {
                        if self.take_line()?.is_empty() {
                            break;
                        }
                    }
                    break;
                }
                if size > MAX_BODY || body.len() + size > MAX_BODY {
                    return Err(bad("body too large"));
                }
                body.extend(self.take_exact(size)?);
                self.take_line()?;
            }
            req.body = body;
        } else if len > 0 {
            req.body = self.take_exact(len)?;
        }
        Ok(Some(req))
    }

    /// Write a response.
    pub fn write_response(
        &mut self,
        resp: &Response,
        keep_alive: bool,
        head_only: bool,
    ) -> io::Result<()> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", resp.status, resp.reason);
        for (k, v) in &resp.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("Cache-Control: max-age=0\r\nPragma: no-cache\r\n");
        out.push_str("Server: pve-api-daemon/3.0\r\n");
        out.push_str(&format!(
            "Date: {}\r\n",
            http_date(crate::state::now_unix())
        ));
        out.push_str(&format!("Content-Length: {}\r\n", resp.body.len()));
        out.push_str(if keep_alive {
            "Connection: Keep-Alive\r\n"
        } else {
            "Connection: close\r\n"
        });
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        if !head_only {
            bytes.extend_from_slice(&resp.body);
        }
        self.stream.write_all(&bytes)?;
        self.stream.flush()
    }
}

/// RFC 7231 date from unix seconds.
pub fn http_date(secs: u64) -> String {
    let days = secs / 86400;
    let rem = secs % 86400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let (y, mo, d) = civil_from_days(days as i64);
    let mon = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(mo - 1) as usize];
    format!("{wd}, {d:02} {mon} {y} {h:02}:{m:02}:{s:02} GMT")
}

/// Days since epoch → (year, month, day).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = (z - era * 146097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Percent-decode (`+` is NOT a space here).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

/// Decode `application/x-www-form-urlencoded` into ordered pairs.
pub fn parse_form(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

/// Percent-encode everything except unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode() {
        assert_eq!(percent_decode("a%20b%2Fc"), "a b/c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%4"), "%4");
        let f = parse_form("a=1&b=x+y&c=%2520&a=2");
        assert_eq!(f[1], ("b".into(), "x y".into()));
        assert_eq!(f[2], ("c".into(), "%20".into()));
        assert_eq!(f[3], ("a".into(), "2".into()));
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(percent_encode("local:100/x"), "local%3A100%2Fx");
    }
}
