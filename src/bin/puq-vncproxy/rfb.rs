//! The two RFB (VNC) handshakes the proxy speaks: as a client to the VM's
//! VNC server (through Proxmox's `vncwebsocket`), answering its VNC
//! authentication challenge with the password from the link; and as a
//! server to noVNC in the browser, offering no authentication — the browser
//! never learns the password. After both, the bytes are relayed as they are.

use std::collections::VecDeque;

use des::cipher::generic_array::GenericArray;
use des::cipher::{BlockEncrypt, KeyInit};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub const VERSION: &[u8; 12] = b"RFB 003.008\n";

/// A byte stream over the binary messages of a WebSocket, for the
/// handshakes (a message may hold part of a field, or several).
pub struct WsBytes<S> {
    pub ws: WebSocketStream<S>,
    pub buf: VecDeque<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> WsBytes<S> {
    pub fn new(ws: WebSocketStream<S>) -> Self {
        WsBytes {
            ws,
            buf: VecDeque::new(),
        }
    }

    pub async fn read_exact(&mut self, n: usize) -> Result<Vec<u8>, String> {
        while self.buf.len() < n {
            match self.ws.next().await {
                Some(Ok(Message::Binary(b))) => self.buf.extend(b.iter()),
                Some(Ok(Message::Text(_))) => {
                    return Err("the peer sent a text frame: only binary frames carry VNC".into())
                }
                Some(Ok(Message::Close(_))) | None => {
                    return Err("the connection closed during the VNC handshake".into())
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(format!("websocket error: {e}")),
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    pub async fn write(&mut self, data: &[u8]) -> Result<(), String> {
        self.ws
            .send(Message::binary(data.to_vec()))
            .await
            .map_err(|e| format!("websocket error: {e}"))
    }

    async fn read_u32(&mut self) -> Result<u32, String> {
        let b = self.read_exact(4).await?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    async fn read_reason(&mut self) -> Result<String, String> {
        let n = self.read_u32().await? as usize;
        if n > 4096 {
            return Err("the VNC server sent an overlong reason".into());
        }
        let b = self.read_exact(n).await?;
        Ok(String::from_utf8_lossy(&b)
            .chars()
            .filter(|c| !c.is_control())
            .collect())
    }
}

/// The VNC authentication response: the 16-byte challenge encrypted with
/// DES under the password's first 8 bytes, each bit-reversed (RFB 7.2.2).
pub fn vnc_auth_response(password: &str, challenge: &[u8]) -> [u8; 16] {
    let mut key = [0u8; 8];
    for (k, b) in key.iter_mut().zip(password.bytes()) {
        *k = b.reverse_bits();
    }
    let cipher = des::Des::new(GenericArray::from_slice(&key));
    let mut out = [0u8; 16];
    out.copy_from_slice(&challenge[..16]);
    for block in out.chunks_mut(8) {
        cipher.encrypt_block(GenericArray::from_mut_slice(block));
    }
    out
}

/// As the VNC client: version, security (VNC auth with `password`, or
/// none), result. The server then waits for ClientInit, which the browser
/// sends.
pub async fn client_handshake<S: AsyncRead + AsyncWrite + Unpin>(
    up: &mut WsBytes<S>,
    password: &str,
) -> Result<(), String> {
    let v = up.read_exact(12).await?;
    if !v.starts_with(b"RFB 003.") || v.as_slice() < b"RFB 003.007\n".as_slice() {
        return Err(format!(
            "the VNC server speaks an unsupported protocol version ({})",
            String::from_utf8_lossy(&v).trim()
        ));
    }
    up.write(VERSION).await?;
    let n = up.read_exact(1).await?[0] as usize;
    if n == 0 {
        let why = up.read_reason().await?;
        return Err(format!("the VNC server refused the connection: {why}"));
    }
    let types = up.read_exact(n).await?;
    let chosen = if types.contains(&2) {
        2
    } else if types.contains(&1) {
        1
    } else {
        return Err(format!(
            "the VNC server offers no supported authentication (types {types:?})"
        ));
    };
    up.write(&[chosen]).await?;
    if chosen == 2 {
        let challenge = up.read_exact(16).await?;
        up.write(&vnc_auth_response(password, &challenge)).await?;
    }
    if up.read_u32().await? != 0 {
        let why = up.read_reason().await.unwrap_or_default();
        return Err(format!("the VNC server refused the password: {why}"));
    }
    Ok(())
}

/// As the VNC server towards the browser: version, "no authentication"
/// (the proxy authenticated already), OK.
pub async fn server_handshake<S: AsyncRead + AsyncWrite + Unpin>(
    down: &mut WsBytes<S>,
) -> Result<(), String> {
    down.write(VERSION).await?;
    let v = down.read_exact(12).await?;
    if !v.starts_with(b"RFB 003.") {
        return Err("the browser did not answer with an RFB version".into());
    }
    down.write(&[1, 1]).await?;
    let chosen = down.read_exact(1).await?[0];
    if chosen != 1 {
        return Err(format!("the browser chose security type {chosen}"));
    }
    down.write(&[0, 0, 0, 0]).await
}

/// Tells the browser why there is no console: an RFB security failure with
/// a reason, which noVNC reports as a `securityfailure` event.
pub async fn refuse<S: AsyncRead + AsyncWrite + Unpin>(down: &mut WsBytes<S>, reason: &str) {
    let mut msg = VERSION.to_vec();
    msg.push(0);
    msg.extend_from_slice(&(reason.len() as u32).to_be_bytes());
    msg.extend_from_slice(reason.as_bytes());
    let _ = down.write(&msg).await;
    // Let noVNC read it before the close.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), down.read_exact(12)).await;
    let _ = down.ws.close(None).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn des_response_matches_a_known_vector() {
        // The challenge 00..0f under the password "password", as the
        // reference implementations (vncauth.c) compute it.
        let ch: Vec<u8> = (0u8..16).collect();
        let r = vnc_auth_response("password", &ch);
        let key: Vec<u8> = b"password".iter().map(|b| b.reverse_bits()).collect();
        let c = des::Des::new(GenericArray::from_slice(&key));
        let mut b = [0u8; 8];
        b.copy_from_slice(&ch[..8]);
        c.encrypt_block(GenericArray::from_mut_slice(&mut b));
        assert_eq!(&r[..8], &b);
        // only the first 8 characters count
        assert_eq!(r, vnc_auth_response("password-and-more", &ch));
        assert_ne!(r, vnc_auth_response("passwore", &ch));
    }
}
