//! The reader's language: which of the module's lang files a page is shown in.
//!
//! What this module owns: the fixed list of language names the module ever
//! loads (WHMCS's own lang file names, `ukranian` spelled as WHMCS spells it),
//! each with its BCP 47 locale tag and text direction, and the order in which
//! a reader's language is found: the client area follows the WHMCS session
//! language, then the client's profile (`tblclients.language`), then the
//! system default (`tblconfiguration` `Language`); the admin pages follow the
//! admin's session language, then the admin's profile (`tbladmins.language`).
//! English when none of them names a language of the list.
//! What it must not do: return a name that is not on the list (the PHP skin
//! builds a file path from it), or fail a page because the database could not
//! say (English then).

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde_json::{json, Value};

/// One language the module can show: the WHMCS lang file name (without
/// `.php`), its locale tag for the browser's Intl, and whether it is written
/// right to left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lang {
    pub name: &'static str,
    pub locale: &'static str,
    pub rtl: bool,
}

const fn l(name: &'static str, locale: &'static str, rtl: bool) -> Lang {
    Lang { name, locale, rtl }
}

/// WHMCS's client and admin lang file names (its `lang/` folders), English
/// first. Only these names are ever turned into a file path.
pub const LANGUAGES: &[Lang] = &[
    l("english", "en", false),
    l("arabic", "ar", true),
    l("azerbaijani", "az", false),
    l("catalan", "ca", false),
    l("chinese", "zh-CN", false),
    l("croatian", "hr", false),
    l("czech", "cs", false),
    l("danish", "da", false),
    l("dutch", "nl", false),
    l("estonian", "et", false),
    l("farsi", "fa", true),
    l("french", "fr", false),
    l("german", "de", false),
    l("hebrew", "he", true),
    l("hungarian", "hu", false),
    l("italian", "it", false),
    l("macedonian", "mk", false),
    l("norwegian", "nb", false),
    l("polish", "pl", false),
    l("portuguese-br", "pt-BR", false),
    l("portuguese-pt", "pt-PT", false),
    l("romanian", "ro", false),
    l("russian", "ru", false),
    l("spanish", "es", false),
    l("swedish", "sv", false),
    l("turkish", "tr", false),
    l("ukranian", "uk", false),
];

pub const ENGLISH: Lang = LANGUAGES[0];

/// The language a stored or sent name stands for, if it is one of the list.
/// WHMCS stores lower-case names; an upper-case spelling is accepted, any
/// other byte (a path, a NUL, a suffix) is not.
pub fn pick(name: &str) -> Option<Lang> {
    let name = name.trim();
    if name.is_empty() || name.len() > 20 {
        return None;
    }
    LANGUAGES
        .iter()
        .find(|l| l.name.eq_ignore_ascii_case(name))
        .copied()
}

/// Whose language is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Client,
    Admin,
}

impl Area {
    pub fn parse(s: &str) -> Area {
        if s == "admin" {
            Area::Admin
        } else {
            Area::Client
        }
    }
}

/// The reader's language: the session's name, then the profile's, then (for
/// clients) the system default. A database that cannot be read counts as no
/// answer.
pub fn resolve(conn: Option<&mut PooledConn>, area: Area, user_id: u32, session: &str) -> Lang {
    if let Some(l) = pick(session) {
        return l;
    }
    let Some(conn) = conn else {
        return ENGLISH;
    };
    let profile: Option<String> = if user_id == 0 {
        None
    } else {
        let sql = match area {
            Area::Client => "SELECT language FROM tblclients WHERE id = ?",
            Area::Admin => "SELECT language FROM tbladmins WHERE id = ?",
        };
        conn.exec_first(sql, (user_id,)).ok().flatten()
    };
    if let Some(l) = profile.as_deref().and_then(pick) {
        return l;
    }
    if area == Area::Client {
        let system: Option<String> = conn
            .query_first("SELECT value FROM tblconfiguration WHERE setting = 'Language' LIMIT 1")
            .ok()
            .flatten();
        if let Some(l) = system.as_deref().and_then(pick) {
            return l;
        }
    }
    ENGLISH
}

/// What the PHP skin gets: the file name, the locale tag and the direction.
pub fn to_value(l: Lang) -> Value {
    json!({"language": l.name, "locale": l.locale, "dir": if l.rtl { "rtl" } else { "ltr" }})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_names_are_picked() {
        assert_eq!(pick("german").unwrap().locale, "de");
        assert_eq!(pick("German").unwrap().name, "german");
        assert_eq!(pick("ukranian").unwrap().locale, "uk");
        assert!(pick("ukrainian").is_none());
        assert!(
            pick("arabic").unwrap().rtl
                && pick("hebrew").unwrap().rtl
                && pick("farsi").unwrap().rtl
        );
        assert!(!pick("turkish").unwrap().rtl);
        for bad in [
            "",
            "../../etc/passwd",
            "english.php",
            "english.php\0",
            "english\0",
            "english/../german",
            "eng",
            &"a".repeat(2048),
        ] {
            assert!(pick(bad).is_none(), "{bad:?}");
        }
        assert_eq!(LANGUAGES.len(), 27);
        assert_eq!(resolve(None, Area::Client, 1, "../x"), ENGLISH);
        assert_eq!(resolve(None, Area::Admin, 1, "polish").name, "polish");
    }
}
