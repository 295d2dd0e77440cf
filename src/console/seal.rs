//! The one-time console link: what the module hands the browser and the
//! console proxy (`puq-vncproxy`) opens. Its content — the Proxmox node,
//! the API token that may open the console, the `vncproxy` ticket and VNC
//! password — is sealed with ChaCha20-Poly1305 under a key derived (HKDF-
//! SHA256) from the product's noVNC key, with the VM id as associated
//! data: a link can be neither read, forged, altered by a byte, nor pointed
//! at another VM without the key. It expires after [`VALID_SECS`] and
//! carries a random id the proxy accepts once.
//!
//! Shared by the extension (sealing) and the proxy binary (opening); pure
//! Rust on `ring`, no PHP and no runtime.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

/// How long a link opens a console, in seconds.
pub const VALID_SECS: u64 = 10;

/// The noVNC key the original module documents for the public PUQcloud
/// proxy: anyone can read links sealed with it, so it makes none.
pub const PUBLIC_DEFAULT_KEY: &str = "puqcloud";
/// The public proxy's domain, the product default: it points nowhere useful.
pub const PUBLIC_DEFAULT_DOMAIN: &str = "vncproxy.puqcloud.com";
/// The shortest noVNC key that seals links.
pub const MIN_KEY_LEN: usize = 16;

const VERSION: u8 = 1;
const SALT: &[u8] = b"puq-vncproxy link v1";

/// What a link carries, sealed. Never logged or shown whole.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Random, hex: the proxy accepts each id once.
    pub id: String,
    /// Unix seconds after which the link is refused.
    pub exp: u64,
    pub vmid: u32,
    /// The Proxmox node the VM runs on.
    pub node: String,
    /// The Proxmox API (host, port) and how its certificate is trusted:
    /// a pinned SHA-256 fingerprint, or `None` for the system store.
    pub host: String,
    pub port: u16,
    pub pin: Option<String>,
    /// `user@realm!tokenid=secret`: the API token that asked for the ticket.
    pub token: String,
    /// From `vncproxy`: the VNC port, the ticket, the VNC password.
    pub vnc_port: u16,
    pub ticket: String,
    pub password: String,
    /// The VM's name for the console's title.
    pub label: String,
    /// Who opened it (`client 12`, `admin 1`), for the proxy's log.
    pub who: String,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("vmid", &self.vmid)
            .field("node", &self.node)
            .field("host", &self.host)
            .field("exp", &self.exp)
            .finish_non_exhaustive()
    }
}

/// Why a link does not open. The texts are for the console page and the
/// proxy log; none names a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// Not a link at all (bad characters, truncated, wrong version).
    Malformed,
    /// The seal does not verify: altered, another VM, or another key.
    Forged,
    /// Past its 10 seconds.
    Expired,
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OpenError::Malformed => "this console link is not valid (damaged or incomplete)",
            OpenError::Forged => "this console link was not made for this console (altered, another VM, or a proxy key that differs from the product's noVNC key)",
            OpenError::Expired => "this console link has expired: links are valid for 10 seconds, open the console again from the service page",
        })
    }
}

/// Why a product's noVNC settings cannot make links, if they cannot.
pub fn key_refusal(domain: &str, key: &str) -> Option<String> {
    let domain = domain.trim();
    if domain.is_empty() {
        return Some("the product has no noVNC domain: set the domain of your puq-vncproxy in the product's Integrations settings".into());
    }
    if domain.eq_ignore_ascii_case(PUBLIC_DEFAULT_DOMAIN) {
        return Some(format!("the product's noVNC domain is still the public default {PUBLIC_DEFAULT_DOMAIN}, which serves no console for this module: set the domain of your own puq-vncproxy"));
    }
    if key == PUBLIC_DEFAULT_KEY {
        return Some("the product's noVNC key is still the public default 'puqcloud', with which anyone could read and forge console links: set the key your puq-vncproxy runs with".into());
    }
    if key.chars().count() < MIN_KEY_LEN {
        return Some(format!("the product's noVNC key is shorter than {MIN_KEY_LEN} characters: use a long random key (the same as your puq-vncproxy's --key)"));
    }
    None
}

struct KeyLen;
impl hkdf::KeyType for KeyLen {
    fn len(&self) -> usize {
        CHACHA20_POLY1305.key_len()
    }
}

fn aead_key(key: &str) -> LessSafeKey {
    let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, SALT);
    let prk = salt.extract(key.as_bytes());
    let mut bytes = [0u8; 32];
    // HKDF-Expand of 32 bytes cannot fail (≤ 255 × 32).
    if let Ok(okm) = prk.expand(&[b"chacha20-poly1305"], KeyLen) {
        let _ = okm.fill(&mut bytes);
    }
    // A 32-byte key is always the right length for ChaCha20-Poly1305.
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &bytes)
        .unwrap_or_else(|_| unreachable!("32-byte ChaCha20-Poly1305 key"));
    LessSafeKey::new(unbound)
}

fn aad(vmid: u32) -> Vec<u8> {
    format!("puq-vncproxy/v1 vm {vmid}").into_bytes()
}

/// Random bytes from the system (`getrandom`).
pub fn random<const N: usize>() -> Result<[u8; N], String> {
    let mut b = [0u8; N];
    SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| "the system random generator failed".to_string())?;
    Ok(b)
}

/// A fresh link id.
pub fn new_id() -> Result<String, String> {
    Ok(random::<16>()?.iter().map(|b| format!("{b:02x}")).collect())
}

/// Seals `link` under `key`: URL-safe base64 of version, nonce, ciphertext.
pub fn seal(key: &str, link: &Link) -> Result<String, String> {
    let nonce_bytes = random::<NONCE_LEN>()?;
    let mut data = serde_json::to_vec(link).map_err(|e| e.to_string())?;
    aead_key(key)
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(aad(link.vmid)),
            &mut data,
        )
        .map_err(|_| "sealing failed".to_string())?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + data.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&data);
    Ok(b64url_encode(&out))
}

/// Opens a link for the VM the URL names, at unix time `now`. Any of
/// `keys` may have sealed it (a proxy serving several products).
pub fn open(keys: &[String], vmid: u32, token: &str, now: u64) -> Result<Link, OpenError> {
    if token.len() > 8192 {
        return Err(OpenError::Malformed);
    }
    let raw = b64url_decode(token).ok_or(OpenError::Malformed)?;
    if raw.len() < 1 + NONCE_LEN + 16 || raw[0] != VERSION {
        return Err(OpenError::Malformed);
    }
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&raw[1..1 + NONCE_LEN]);
    for key in keys {
        let mut data = raw[1 + NONCE_LEN..].to_vec();
        let Ok(plain) = aead_key(key).open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(vmid)),
            &mut data,
        ) else {
            continue;
        };
        let link: Link = serde_json::from_slice(plain).map_err(|_| OpenError::Malformed)?;
        if link.vmid != vmid {
            return Err(OpenError::Forged);
        }
        if now > link.exp {
            return Err(OpenError::Expired);
        }
        return Ok(link);
    }
    Err(OpenError::Forged)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// URL-safe base64 without padding.
pub fn b64url_encode(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len() * 4 / 3 + 3);
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..=c.len() {
            out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes URL-safe base64 without padding; `None` for anything else.
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| B64.iter().position(|&x| x == c).map(|p| p as u32);
    let bytes = s.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c)? << (18 - 6 * i);
        }
        // Unused trailing bits must be zero: one text per byte string.
        let unused = match chunk.len() {
            2 => n & 0xffff,
            3 => n & 0xff,
            _ => 0,
        };
        if unused != 0 {
            return None;
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "a-long-test-key-0123456789";

    fn link(vmid: u32, exp: u64) -> Link {
        Link {
            id: new_id().unwrap(),
            exp,
            vmid,
            node: "pve1".into(),
            host: "10.0.0.1".into(),
            port: 8006,
            pin: None,
            token: "root@pam!whmcs=SECRET-UUID".into(),
            vnc_port: 5901,
            ticket: "PVEVNC:TICKET".into(),
            password: "pw".into(),
            label: "vm-101".into(),
            who: "client 7".into(),
        }
    }

    #[test]
    fn seals_and_opens_once_shaped_link() {
        let l = link(101, 1000);
        let t = seal(KEY, &l).unwrap();
        assert!(t.bytes().all(|c| B64.contains(&c)));
        assert!(!t.contains("SECRET") && !t.contains("PVEVNC"));
        assert_eq!(open(&[KEY.into()], 101, &t, 990).unwrap(), l);
        // two seals of one link differ (random nonce)
        assert_ne!(seal(KEY, &l).unwrap(), t);
    }

    #[test]
    fn refuses_expired_forged_altered_and_other_vm() {
        let t = seal(KEY, &link(101, 1000)).unwrap();
        assert_eq!(
            open(&[KEY.into()], 101, &t, 1001).unwrap_err(),
            OpenError::Expired
        );
        assert_eq!(
            open(&[KEY.into()], 102, &t, 990).unwrap_err(),
            OpenError::Forged
        );
        assert_eq!(
            open(&["another-key-0123456789".into()], 101, &t, 990).unwrap_err(),
            OpenError::Forged
        );
        // every single changed character is refused
        let bytes = t.as_bytes();
        for i in 0..bytes.len() {
            let mut b = bytes.to_vec();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            let s = String::from_utf8(b).unwrap();
            assert!(open(&[KEY.into()], 101, &s, 990).is_err(), "byte {i}");
        }
        for cut in 1..8 {
            assert!(open(&[KEY.into()], 101, &t[..t.len() - cut], 990).is_err());
        }
        for junk in ["", "x", "!!!!", "AAAA", &"A".repeat(9000)] {
            assert!(open(&[KEY.into()], 101, junk, 990).is_err());
        }
        // a second key on the proxy still opens it
        assert!(open(&["other-key-0123456789".into(), KEY.into()], 101, &t, 990).is_ok());
    }

    #[test]
    fn base64url_round_trips() {
        for n in 0..40usize {
            let v: Vec<u8> = (0..n).map(|i| (i * 37 + 5) as u8).collect();
            assert_eq!(b64url_decode(&b64url_encode(&v)).unwrap(), v);
        }
        assert!(b64url_decode("a=").is_none());
    }

    #[test]
    fn public_default_and_short_keys_make_no_links() {
        assert!(key_refusal("vnc.example.com", "puqcloud")
            .unwrap()
            .contains("public default"));
        assert!(key_refusal("vncproxy.puqcloud.com", KEY)
            .unwrap()
            .contains("public default"));
        assert!(key_refusal("vnc.example.com", "short").is_some());
        assert!(key_refusal("", KEY).is_some());
        assert!(key_refusal("vnc.example.com", KEY).is_none());
        let dbg = format!("{:?}", link(1, 2));
        assert!(!dbg.contains("SECRET") && !dbg.contains("TICKET"));
    }
}
