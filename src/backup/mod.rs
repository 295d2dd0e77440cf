//! Snapshots, backups (manual, scheduled), their schedule, and the status
//! tasks that follow Proxmox tasks to their end. Long Proxmox tasks are
//! never waited on past a short bound: a task still running is recorded in
//! `puqProxmoxKVM_operations` and the Now Backup Status task finishes it.

pub mod backups;
pub mod ops;
pub mod restore;
pub mod schedule;
pub mod service;
pub mod snapshots;

pub use service::Service;

/// Rejects text a client typed that would not survive the trip: control
/// characters (newlines included) and anything longer than `max` chars.
pub fn check_text(key: &str, v: &str, max: usize) -> crate::Result<String> {
    let v = v.trim();
    if v.chars().count() > max {
        return Err(crate::Error::input(
            key,
            format!("may be at most {max} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(crate::Error::input(
            key,
            "must be one line without control characters",
        ));
    }
    Ok(v.to_string())
}

/// Runs `f` over `items` on up to `workers` threads (pure Rust work only)
/// and returns the results in input order.
pub fn par_map<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<R>>> =
        items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..workers.clamp(1, items.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(r);
                }
            });
        }
    });
    slots
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert_eq!(
            check_text("note", " it's \"ok\" ", 200).unwrap(),
            "it's \"ok\""
        );
        let e = check_text("note", &"x".repeat(10_240), 200)
            .unwrap_err()
            .to_string();
        assert!(e.contains("'note'") && e.contains("200"), "{e}");
        assert!(check_text("note", "a\nb", 200).is_err());
    }

    #[test]
    fn par_map_keeps_order() {
        let v: Vec<u32> = (0..100).collect();
        assert_eq!(
            par_map(&v, 7, |x| x * 2),
            v.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
        assert!(par_map(&Vec::<u32>::new(), 4, |x| *x).is_empty());
    }
}
