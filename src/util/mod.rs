//! Small helpers shared by the core: time formatting, message cleaning.

/// A message fit for one log line: control characters become spaces and
/// the text is cut at `max` characters.
pub fn one_line(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
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
    fn formats() {
        assert_eq!(datetime(1_775_792_958, 0), "2026-04-10 03:49:18");
        assert_eq!(datetime(1_775_792_958, 3600), "2026-04-10 04:49:18");
        assert_eq!(clock(0, -60), "23:59:00");
        assert_eq!(civil(0), (1970, 1, 1));
    }
}
