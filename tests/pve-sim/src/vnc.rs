//! The console, as Proxmox VE serves it: `POST …/vncproxy` hands out a
//! ticket bound to the token user, the VM and a port (and, since
//! qemu-server 8.4.7 / 9.1.7, always a generated VNC password, which it sets
//! on QEMU through QMP); `GET …/vncwebsocket` with the API token header and
//! that ticket upgrades to a WebSocket that carries the VNC stream — one
//! connection per ticket, within a short validity. The bytes go to a real
//! VNC server (the test's QEMU, `/_sim/vnc`).

use crate::api::Ctx;
use crate::error::ApiError;
use crate::state::{now_unix, VncTicket};
use serde_json::{json, Value};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type ApiResult<T> = Result<T, ApiError>;

/// How long a ticket opens a websocket (PVE accepts a VNC ticket for 40 s).
pub const TICKET_SECS: u64 = 40;

/// The JSON key by which `vncwebsocket` tells the server to upgrade.
pub const UPGRADE_KEY: &str = "__vnc_upgrade";

fn printable_password(ctx: &mut Ctx) -> String {
    // '!' .. '~', 8 characters (VNC uses the first 8).
    (0..8)
        .map(|_| (b'!' + (ctx.st.control.next_rand() % 94) as u8) as char)
        .collect()
}

/// `POST /nodes/{node}/qemu/{vmid}/vncproxy`.
pub fn vncproxy(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    let vm = ctx.st.vm(&node, vmid)?.clone();
    if vm.status != "running" {
        return Err(ApiError::internal(format!("VM {vmid} not running")));
    }
    let port = 5900 + (ctx.st.control.next_rand() % 100);
    let upid = ctx.st.start_task(
        &node,
        "vncproxy",
        &vmid.to_string(),
        &ctx.user,
        crate::state::Effect::None,
        None,
    );
    let ticket = format!(
        "PVEVNC:{:08X}::{:016x}{:016x}",
        now_unix(),
        ctx.st.control.next_rand(),
        ctx.st.control.next_rand()
    );
    let legacy = ctx.st.control.vnc.legacy;
    let password = if !legacy || ctx.p.flag("generate-password") {
        Some(printable_password(ctx))
    } else {
        None
    };
    // The VNC server's password: the generated one, or the ticket itself.
    let vnc_password = password.clone().unwrap_or_else(|| ticket.clone());
    if let Some(qmp) = ctx.st.control.vnc.qmp.clone() {
        qmp_set_password(&qmp, &vnc_password)
            .map_err(|e| ApiError::internal(format!("VM {vmid} qmp command failed - {e}")))?;
    }
    let now = now_unix();
    ctx.st
        .control
        .vnc_tickets
        .retain(|t| now.saturating_sub(t.created) <= TICKET_SECS && !t.used);
    ctx.st.control.vnc_tickets.push(VncTicket {
        ticket: ticket.clone(),
        user: ctx.user.clone(),
        node,
        vmid,
        port,
        created: now,
        used: false,
    });
    let mut out = json!({
        "upid": upid, "port": port.to_string(), "ticket": ticket,
        "cert": ctx.st.cert_pem, "user": ctx.user
    });
    if let (Some(p), Some(o)) = (password, out.as_object_mut()) {
        o.insert("password".into(), json!(p));
    }
    Ok(out)
}

/// `GET /nodes/{node}/qemu/{vmid}/vncwebsocket`: checks the ticket (user,
/// VM, port, unused, fresh) and answers the upgrade marker.
pub fn vncwebsocket(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    ctx.st.vm(&node, vmid)?;
    let port = ctx.p.i("port").unwrap_or(0) as u64;
    let ticket = ctx.p.s("vncticket").unwrap_or_default();
    let now = now_unix();
    let user = ctx.user.clone();
    let found = ctx.st.control.vnc_tickets.iter_mut().find(|t| {
        t.ticket == ticket
            && t.user == user
            && t.vmid == vmid
            && t.node == node
            && t.port == port
            && now.saturating_sub(t.created) <= TICKET_SECS
    });
    let Some(t) = found else {
        return Err(ApiError::status(
            401,
            "permission denied - invalid vnc ticket",
        ));
    };
    if t.used {
        return Err(ApiError::status(
            401,
            "permission denied - vnc ticket already used",
        ));
    }
    t.used = true;
    let backend = ctx
        .st
        .control
        .vnc
        .backend
        .clone()
        .ok_or_else(|| ApiError::internal("unable to connect to VM console - no VNC server"))?;
    Ok(json!({ "port": port.to_string(), UPGRADE_KEY: backend }))
}

/// Sets QEMU's VNC password through QMP (`set_password`), as qemu-server does.
pub fn qmp_set_password(path: &str, password: &str) -> Result<(), String> {
    let s = UnixStream::connect(path).map_err(|e| format!("{path}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(3)))
        .map_err(|e| e.to_string())?;
    let mut w = s.try_clone().map_err(|e| e.to_string())?;
    let mut r = BufReader::new(s);
    let mut line = String::new();
    let mut answer = |r: &mut BufReader<UnixStream>| -> Result<Value, String> {
        loop {
            line.clear();
            if r.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
                return Err("QMP closed".into());
            }
            let v: Value = serde_json::from_str(line.trim()).map_err(|e| e.to_string())?;
            if v.get("return").is_some() || v.get("QMP").is_some() {
                return Ok(v);
            }
            if let Some(e) = v.get("error") {
                return Err(e.to_string());
            }
        }
    };
    answer(&mut r)?;
    w.write_all(b"{\"execute\":\"qmp_capabilities\"}\n")
        .map_err(|e| e.to_string())?;
    answer(&mut r)?;
    let cmd = json!({"execute": "set_password",
                     "arguments": {"protocol": "vnc", "password": password}});
    w.write_all(format!("{cmd}\n").as_bytes())
        .map_err(|e| e.to_string())?;
    answer(&mut r).map(|_| ())
}

/// The WebSocket accept key (RFC 6455 section 4.2.2).
pub fn accept_key(key: &str) -> String {
    let mut data = key.trim().as_bytes().to_vec();
    data.extend_from_slice(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &data);
    base64(d.as_ref())
}

fn base64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The client side of a bridged connection: plain TCP, or TCP with the
/// server's rustls session (shared by the two directions under a lock that
/// is never held across a blocking read).
pub enum Wire {
    Plain(TcpStream),
    Tls(Arc<Mutex<rustls::ServerConnection>>, TcpStream),
}

impl Wire {
    fn sock(&self) -> &TcpStream {
        match self {
            Wire::Plain(s) | Wire::Tls(_, s) => s,
        }
    }

    fn clone_wire(&self) -> io::Result<Wire> {
        Ok(match self {
            Wire::Plain(s) => Wire::Plain(s.try_clone()?),
            Wire::Tls(c, s) => Wire::Tls(c.clone(), s.try_clone()?),
        })
    }

    /// Reads some plaintext (0 = closed).
    fn read_plain(&mut self, out: &mut Vec<u8>) -> io::Result<usize> {
        let mut raw = [0u8; 32 * 1024];
        match self {
            Wire::Plain(s) => {
                let n = s.read(&mut raw)?;
                out.extend_from_slice(&raw[..n]);
                Ok(n)
            }
            Wire::Tls(c, s) => loop {
                let n = s.read(&mut raw)?;
                if n == 0 {
                    return Ok(0);
                }
                let mut c = c.lock().unwrap_or_else(|e| e.into_inner());
                let mut rd = &raw[..n];
                while !rd.is_empty() {
                    c.read_tls(&mut rd)?;
                    c.process_new_packets()
                        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                }
                let before = out.len();
                let mut tmp = [0u8; 16 * 1024];
                loop {
                    match c.reader().read(&mut tmp) {
                        Ok(0) => break,
                        Ok(k) => out.extend_from_slice(&tmp[..k]),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e),
                    }
                }
                let mut w: &TcpStream = s;
                while c.wants_write() {
                    c.write_tls(&mut w)?;
                }
                if out.len() > before {
                    return Ok(out.len() - before);
                }
            },
        }
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Wire::Plain(s) => s.write_all(data),
            Wire::Tls(c, s) => {
                // rustls buffers a bounded amount of plaintext: feed it in
                // pieces, sending the records of each.
                let mut c = c.lock().unwrap_or_else(|e| e.into_inner());
                let mut w: &TcpStream = s;
                let mut rest = data;
                while !rest.is_empty() {
                    let n = c.writer().write(rest)?;
                    rest = &rest[n..];
                    while c.wants_write() {
                        c.write_tls(&mut w)?;
                    }
                    if n == 0 && !c.wants_write() {
                        return Err(io::Error::new(io::ErrorKind::WriteZero, "TLS buffer full"));
                    }
                }
                Ok(())
            }
        }
    }
}

/// An unmasked server frame.
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x80 | opcode];
    let n = payload.len();
    if n < 126 {
        f.push(n as u8);
    } else if n <= 0xffff {
        f.push(126);
        f.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        f.push(127);
        f.extend_from_slice(&(n as u64).to_be_bytes());
    }
    f.extend_from_slice(payload);
    f
}

/// One client frame from the front of `buf`: `(fin, opcode, payload)`.
fn parse_frame(buf: &mut Vec<u8>) -> io::Result<Option<(bool, u8, Vec<u8>)>> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let fin = buf[0] & 0x80 != 0;
    let opcode = buf[0] & 0x0f;
    let masked = buf[1] & 0x80 != 0;
    let mut len = u64::from(buf[1] & 0x7f);
    let mut at = 2;
    if len == 126 {
        if buf.len() < 4 {
            return Ok(None);
        }
        len = u64::from(u16::from_be_bytes([buf[2], buf[3]]));
        at = 4;
    } else if len == 127 {
        if buf.len() < 10 {
            return Ok(None);
        }
        let mut b = [0u8; 8];
        b.copy_from_slice(&buf[2..10]);
        len = u64::from_be_bytes(b);
        at = 10;
    }
    if len > 16 * 1024 * 1024 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "frame too big"));
    }
    if !masked {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "client frame not masked",
        ));
    }
    let need = at + 4 + len as usize;
    if buf.len() < need {
        return Ok(None);
    }
    let mask = [buf[at], buf[at + 1], buf[at + 2], buf[at + 3]];
    let mut payload = buf[at + 4..need].to_vec();
    for (i, b) in payload.iter_mut().enumerate() {
        *b ^= mask[i % 4];
    }
    buf.drain(..need);
    Ok(Some((fin, opcode, payload)))
}

/// Relays the WebSocket (`wire`, after the 101) to the VNC server at
/// `backend` until either side closes.
pub fn bridge(wire: Wire, backend: &str, buffered: Vec<u8>) {
    let mut client_w = match wire.clone_wire() {
        Ok(w) => w,
        Err(_) => return,
    };
    let Ok(vnc) = TcpStream::connect(backend) else {
        let _ = client_w.write_all(&frame(8, &[0x03, 0xf3]));
        return;
    };
    let _ = vnc.set_nodelay(true);
    let Ok(mut vnc_r) = vnc.try_clone() else {
        return;
    };
    let sock = wire.sock().try_clone();
    let vnc_close = vnc.try_clone();
    // VNC → browser, in its own thread.
    let down = std::thread::Builder::new()
        .name("pve-sim-vnc".into())
        .spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match vnc_r.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if client_w.write_all(&frame(2, &buf[..n])).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = client_w.write_all(&frame(8, &[0x03, 0xe8]));
            if let Ok(s) = client_w.sock().try_clone() {
                let _ = s.shutdown(Shutdown::Both);
            }
        });
    // Browser → VNC, here.
    let mut wire = wire;
    let mut vnc_w = vnc;
    let mut pending = buffered;
    let mut message: Vec<u8> = vec![];
    'outer: loop {
        loop {
            match parse_frame(&mut pending) {
                Ok(Some((fin, opcode, payload))) => match opcode {
                    0x0..=0x2 => {
                        message.extend_from_slice(&payload);
                        if fin {
                            if vnc_w.write_all(&message).is_err() {
                                break 'outer;
                            }
                            message.clear();
                        }
                    }
                    0x8 => {
                        let _ = wire.write_all(&frame(8, &payload));
                        break 'outer;
                    }
                    0x9 => {
                        let _ = wire.write_all(&frame(0xA, &payload));
                    }
                    _ => {}
                },
                Ok(None) => break,
                Err(_) => break 'outer,
            }
        }
        match wire.read_plain(&mut pending) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    if let Ok(v) = vnc_close {
        let _ = v.shutdown(Shutdown::Both);
    }
    if let Ok(s) = sock {
        let _ = s.shutdown(Shutdown::Both);
    }
    if let Ok(h) = down {
        let _ = h.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_key_matches_rfc6455() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn frames_round_trip() {
        let mut masked = vec![0x82, 0x80 | 3, 1, 2, 3, 4];
        masked.extend([b'a' ^ 1, b'b' ^ 2, b'c' ^ 3]);
        let got = parse_frame(&mut masked).unwrap().unwrap();
        assert_eq!(got, (true, 2, b"abc".to_vec()));
        assert!(masked.is_empty());
        assert_eq!(frame(2, &[0u8; 200])[1], 126);
    }
}
