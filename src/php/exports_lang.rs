//! The reader's language (src/lang.rs) for the PHP skin's lang loader, and
//! the lang keys of the extension's English messages (src/i18n.rs).

use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;
use serde_json::Value;

use super::convert::{to_value, to_zval};
use super::globals::db_config;
use super::guard::guard;
use crate::lang::{self, Area};

/// The language to show a page in: `['language' => WHMCS lang file name
/// (always one of the module's fixed list), 'locale' => BCP 47 tag, 'dir' =>
/// 'ltr'|'rtl']`. `$area` is 'client' or 'admin'; `$user_id` the logged-in
/// client or admin (0: nobody); `$session` the WHMCS session's language
/// (`$_SESSION['Language']` / `$_SESSION['adminlang']`, any value: a name not
/// on the list is ignored). English when nothing names a listed language.
#[php_function]
pub fn puq_lang_pick(area: &str, user_id: i64, session: &Zval) -> Zval {
    let r = guard("puq_lang_pick", || {
        let session = match to_value(session) {
            Ok(Value::String(s)) => s,
            _ => String::new(),
        };
        let user = u32::try_from(user_id).unwrap_or(0);
        let area = Area::parse(area);
        if let Some(l) = lang::pick(&session) {
            return Ok(l);
        }
        let mut conn = db_config().and_then(|c| crate::db::conn(&c)).ok();
        Ok(lang::resolve(conn.as_mut(), area, user, ""))
    });
    to_zval(&lang::to_value(r.unwrap_or(lang::ENGLISH)))
}

/// The lang key and parameters of a message the extension wrote in English:
/// `['key' => lang key, 'params' => [name => value]]`, or null when no
/// template of `$area` ('client', 'server_admin', 'addon') matches it. The
/// skin shows the key's text in the reader's language with the parameters
/// filled in.
#[php_function]
pub fn puq_message_key(area: &str, text: &Zval) -> Zval {
    let r = guard("puq_message_key", || {
        let text = match to_value(text) {
            Ok(Value::String(s)) if s.len() <= 4096 => s,
            _ => return Ok(Value::Null),
        };
        Ok(crate::i18n::table(area)
            .and_then(|t| crate::i18n::keyed(t, &text))
            .unwrap_or(Value::Null))
    });
    to_zval(&r.unwrap_or(Value::Null))
}

/// Registers the language export; composed into the module in `lib.rs`.
pub fn build_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(puq_lang_pick))
        .function(wrap_function!(puq_message_key))
}
