//! Small helpers shared by the core: time formatting, message cleaning.

/// A message fit for one log line: control characters become spaces and
/// the text is cut at `max` characters.
pub fn one_line(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if is_unsafe(c) { ' ' } else { c })
        .take(max)
        .collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

/// Bytes as text safe to put in a message: printable characters as they
/// are, control characters and bytes that are not UTF-8 as `\xNN`
/// (`\u{NNNN}` for a non-ASCII control character), cut at `max` characters.
pub fn escaped(bytes: &[u8], max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if count >= max {
                out.push('…');
                return out;
            }
            if is_unsafe(c) {
                if c.is_ascii() {
                    out.push_str(&format!("\\x{:02X}", c as u32));
                } else {
                    out.push_str(&format!("\\u{{{:04X}}}", c as u32));
                }
            } else {
                out.push(c);
            }
            count += 1;
        }
        for b in chunk.invalid() {
            if count >= max {
                out.push('…');
                return out;
            }
            out.push_str(&format!("\\x{b:02X}"));
            count += 1;
        }
    }
    out
}

/// A character that must never reach a message or an identifier raw: a
/// control character (NUL, newline, ESC, DEL, C1), or an invisible format
/// character that reorders or hides text (bidi overrides and isolates,
/// zero-width characters, BOM, soft hyphen).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// True when `s` holds a character [`is_unsafe`] refuses.
pub fn has_control(s: &str) -> bool {
    s.chars().any(is_unsafe)
}

/// Message text with every unsafe character other than newline and tab
/// shown escaped (`\x00`, `\u{202E}`), so no raw byte from an input or a
/// remote API ever reaches a page, a log or the cron output.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let raw = |c: char| is_unsafe(c) && c != '\n' && c != '\t';
    if !text.chars().any(raw) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if raw(c) {
            out.push_str(&escaped(c.to_string().as_bytes(), 1));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYY-MM-DD HH:MM:SS` of a Unix time shifted by `offset` seconds
/// (PHP's `date('Z')`, so lines match WHMCS's timezone).
pub fn datetime(unix: i64, offset: i64) -> String {
    let t = unix + offset;
    let (y, m, d) = civil(t.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02} {}", clock(unix, offset))
}

/// `HH:MM:SS`.
pub fn clock(unix: i64, offset: i64) -> String {
    let s = (unix + offset).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_shows_bad_bytes_as_hex() {
        assert_eq!(escaped(b"Host\xffname", 40), "Host\\xFFname");
        assert_eq!(escaped(b"127.0.0.1\0evil", 40), "127.0.0.1\\x00evil");
        assert_eq!(
            escaped("caf\u{e9}\u{85}".as_bytes(), 40),
            "caf\u{e9}\\u{0085}"
        );
        assert_eq!(escaped(b"abcdef", 3), "abc…");
        assert!(has_control("a\nb") && has_control("a\u{7f}") && !has_control("a b"));
        assert!(has_control("127.0.0.1\u{202e}") && has_control("x\u{200b}y"));
        assert_eq!(escaped("a\u{202e}b".as_bytes(), 10), "a\\u{202E}b");
        assert_eq!(printable("a\u{1b}[31m\nb"), "a\\x1B[31m\nb");
        assert_eq!(one_line("a\u{202e}b\nc", 10), "a b c");
    }

    #[test]
    fn formats() {
        assert_eq!(datetime(1_775_792_958, 0), "2026-04-10 03:49:18");
        assert_eq!(datetime(1_775_792_958, 3600), "2026-04-10 04:49:18");
        assert_eq!(clock(0, -60), "23:59:00");
        assert_eq!(civil(0), (1970, 1, 1));
    }
}
