//! Messages for a person in the reader's language: the key of a lang file
//! and its parameters for a message the core wrote in English.
//!
//! What this module owns: the tables of the English messages a client or an
//! admin can read (validation errors and refusals), each with its lang key,
//! written as templates with `{name}` parameters, and the matcher that finds
//! the key and the parameter values of a finished English message. The error
//! envelopes (`client::failure`, `views::failure`) add `msg: {key, params}`
//! next to the English `message`, and the PHP skin shows the lang file's text
//! for the key in the reader's language, the English text when the key is
//! missing. The call sites keep writing plain English errors (what the module
//! log and the cron print, in English); a test keeps every template equal to
//! the English lang file's value of its key.
//! What it must not do: translate anything itself, or match a template that
//! is not in the English lang file.

use serde_json::{json, Map, Value};

/// Messages a client can read (server module lang file, `$_LANG`): the
/// client area's validation errors and refusals.
pub const CLIENT: &[(&str, &str)] = &[
    // Power, reinstall, reverse DNS
    ("client_v_already_running", "The virtual machine is already running."),
    ("client_v_not_running", "The virtual machine is not running."),
    ("client_v_vm_gone", "the virtual machine does not exist on the Proxmox cluster: contact support"),
    ("client_v_type_reinstall", "type the word REINSTALL (in capital letters) to confirm"),
    ("client_v_choose_os", "choose an operating system from the list"),
    ("client_v_os_not_offered", "this operating system is not offered for your package"),
    ("client_v_nothing_to_save", "nothing to save"),
    ("client_v_not_your_address", "is not an address of this service"),
    ("client_v_host_too_long", "a host name is at most 253 characters long"),
    ("client_v_must_not_be_empty", "must not be empty"),
    ("client_v_contains_spaces", "'{value}' contains spaces"),
    ("client_v_longer_253", "is longer than 253 characters"),
    ("client_v_not_fqdn", "'{value}' is not a fully qualified host name (like vm1.example.com)"),
    ("client_v_label_empty", "'{value}': has an empty label"),
    ("client_v_label_long", "'{value}': label '{label}' is longer than 63 characters"),
    ("client_v_label_char", "'{value}': label '{label}' contains '{char}'"),
    ("client_v_label_dash", "'{value}': label '{label}' starts or ends with '-'"),
    ("client_v_one_of", "must be one of {list}"),
    // Firewall
    ("client_v_fw_proto", "'{value}' is not a protocol: use one of {list} or a number 0-255"),
    ("client_v_fw_port", "'{value}' is not a port number"),
    ("client_v_fw_port_range", "port {n} is out of range (0-65535)"),
    ("client_v_fw_range_backwards", "the range {range} runs backwards"),
    ("client_v_fw_port_or_range", "'{value}' is not a port or a range (from:to)"),
    ("client_v_fw_max_ports", "at most {n} ports per rule (a range counts two)"),
    ("client_v_fw_address", "'{value}' is not an IP address, network (CIDR) or range"),
    ("client_v_fw_prefix", "the prefix /{n} is out of range (at most /{max})"),
    ("client_v_fw_512", "may be at most 512 characters"),
    ("client_v_fw_max_addresses", "at most {n} addresses per rule"),
    ("client_v_fw_mixed", "do not mix IPv4 and IPv6 in one rule"),
    ("client_v_fw_dir", "must be in or out"),
    ("client_v_fw_ports_proto", "ports need the protocol tcp, udp, sctp or udplite"),
    ("client_v_fw_family", "source and destination must be of one family (IPv4 or IPv6)"),
    ("client_v_fw_icmpv6", "use icmpv6 for IPv6 addresses"),
    ("client_v_fw_icmp", "use icmp for IPv4 addresses"),
    ("client_v_fw_digest", "missing: reload the page"),
    ("client_v_fw_no_rule", "there is no rule at position {n}"),
    ("client_v_fw_provider_move", "this rule is set by your provider and cannot be moved"),
    ("client_v_fw_provider_past", "rules cannot be moved past a rule set by your provider"),
    ("client_v_fw_provider_delete", "this rule is set by your provider and cannot be deleted"),
    // ISO
    ("client_v_iso_choose", "choose an ISO image from the list"),
    ("client_v_iso_not_yours", "is not an ISO image of this service"),
    ("client_v_iso_not_storage", "is not an ISO image of the ISO storage of your package"),
    ("client_v_iso_no_storage", "your package has no ISO storage: contact support"),
    ("client_v_iso_no_slot", "the virtual machine has no free CD/DVD drive slot"),
    ("client_v_iso_none_mounted", "no ISO image is mounted"),
    // Snapshots, backups, schedule, restore
    ("client_v_plain_text", "must be plain text: '<' and '>' are not allowed"),
    ("client_v_no_braces", "must not contain '{{' or '}}'"),
    ("client_v_choose_backup", "choose a backup from the list"),
    ("client_v_schedule_grid", "expected a day-of-week grid"),
    ("client_v_schedule_days", "expected an array of days"),
    ("client_v_schedule_day", "not a day of the week"),
    ("client_v_schedule_entry", "expected enabled and time"),
    ("client_v_schedule_hhmm", "expected HH:MM"),
    ("client_v_schedule_time", "'{value}' is not a time of day (HH:MM, 00:00-23:59)"),
    ("client_v_max_chars", "may be at most {n} characters"),
    ("client_v_one_line", "must be one line without control characters"),
    ("client_v_no_backup_storage", "the product has no backup storage: set Module Settings > Integrations > Backups storage"),
    ("client_v_backups_off", "backups are not available for this service (quota 0)"),
    ("client_v_backup_running", "a backup of this VM is already running; wait for it to finish"),
    ("client_v_backup_quota", "the backup quota is full ({used}/{max}): delete a backup first"),
    ("client_v_backup_volid", "expected a backup volume id"),
    ("client_v_backup_not_yours", "'{value}' is not a backup of this service's VM"),
    ("client_v_restore_state", "a restore is refused while the VM is in status '{state}': wait until it is ready"),
    ("client_v_task_running", "a {task} of this VM is still running; try again when it has finished"),
    ("client_v_status_changed", "the VM's status changed meanwhile; try again"),
    ("client_v_snap_name", "'{value}' is not a snapshot name Proxmox accepts: 2-40 letters, digits or '_', starting with a letter, not 'current'"),
    ("client_v_snaps_off", "snapshots are not available for this service (quota 0)"),
    ("client_v_snap_quota", "the snapshot quota is full ({used}/{max}): delete a snapshot first"),
    ("client_v_snap_exists", "a snapshot named '{value}' already exists"),
    ("client_v_snap_missing", "the VM has no snapshot named '{value}'"),
    ("client_v_busy_status", "the VM of service {service} is busy (status {state}); try again when it is ready"),
    // Configurable options upgrade (WHMCS's upgrade page)
    ("client_v_upgrade_system", "The system disk cannot be made smaller than its current {gb} GB: Proxmox cannot shrink disks."),
    ("client_v_upgrade_additional", "The additional disk cannot be made smaller than its current {gb} GB: Proxmox cannot shrink disks."),
    ("client_v_upgrade_unchecked", "The upgrade could not be checked right now: please try again in a moment."),
];

/// Messages of the server module's admin pages (`$_LANG`): the product's
/// Module Settings panel (banners, field errors, save answers) and the
/// service tab.
pub const SERVER_ADMIN: &[(&str, &str)] = &[
    ("puq_m_saved", "Module settings saved."),
    ("puq_m_not_saved_fields", "Nothing was saved: correct the highlighted fields."),
    ("puq_m_not_saved_unreachable", "Nothing was saved: the product's Proxmox server must be reachable to check the settings against it."),
    ("puq_m_no_nodes_title", "No nodes visible"),
    ("puq_m_no_nodes", "The API token can see no Proxmox nodes: give it the PVEAuditor role on / (or untick Privilege Separation)."),
    ("puq_m_node_missing", "node '{node}' is not in the cluster; choose one from the list or 'automatically'"),
    ("puq_m_no_templates_title", "No VM templates"),
    ("puq_m_no_templates", "The cluster has no VM template to clone from: prepare a cloud-init VM and convert it with 'qm template <vmid>' (or right-click > Convert to template), then reload this page."),
    ("puq_m_no_template_title", "No OS template chosen"),
    ("puq_m_no_template", "Choose the default OS template under VM Configuration (or assign an Operating System configurable option); orders fail without one."),
    ("puq_m_template_missing", "template {vmid} does not exist on the cluster (or is not a template)"),
    ("puq_m_no_disk_storage_title", "No storage for VM disks"),
    ("puq_m_no_disk_storage", "No storage allows the content type 'Disk image' (images): enable it in Datacenter > Storage > [storage] > Content."),
    ("puq_m_storage_no_images_on", "storage '{storage}' does not hold disk images on node '{node}'; choose one from the list"),
    ("puq_m_storage_no_images", "storage '{storage}' does not hold disk images; choose one from the list"),
    ("puq_m_no_backup_storage_title", "No backup storage"),
    ("puq_m_no_backup_storage", "No storage allows the content type 'VZDump backup file' (backup): client backups will not work until one does (Datacenter > Storage > [storage] > Content)."),
    ("puq_m_storage_no_backups", "storage '{storage}' does not accept backups"),
    ("puq_m_no_iso_storage_title", "No ISO storage"),
    ("puq_m_no_iso_storage", "No storage allows the content type 'ISO image' (iso): the client ISO mount needs one."),
    ("puq_m_storage_no_iso", "storage '{storage}' does not hold ISO images"),
    ("puq_m_bridge_title", "Bridge not found"),
    ("puq_m_bridge_fallback", "The fallback bridge '{bridge}' does not exist on any node; VMs get the IP pool's bridge while Auto bridge/VLAN is on."),
    ("puq_m_bridge_missing", "bridge '{bridge}' does not exist on any node"),
    ("puq_m_no_group_title", "No server group"),
    ("puq_m_no_group", "This product has no server group, so no Proxmox server to read nodes, templates and storages from. Choose the group that holds your Proxmox server in 'Server Group' above, save the product, and reload this tab."),
    ("puq_m_group_missing_title", "Server group missing"),
    ("puq_m_group_missing", "The product's server group (id {group}) no longer exists. Choose an existing group in 'Server Group' above and save the product."),
    ("puq_m_group_empty_title", "No Proxmox server in the group"),
    ("puq_m_group_empty", "Server group '{group}' has no enabled server of type PUQ Proxmox KVM. Add one in System Settings > Servers (Module: PUQ Proxmox KVM, Username = API token id, Password = token secret) and add it to the group."),
    ("puq_m_unreachable_title", "Proxmox server unreachable"),
    ("puq_m_unreachable", "Cannot read from Proxmox server '{server}': {error}. Check its hostname, port (8006), API token and certificate fingerprint in System Settings > Servers and use Test Connection; the lists below stay empty until it answers."),
    ("puq_m_one_of", "must be one of {list}"),
    ("puq_m_max_chars", "may be at most {n} characters"),
    ("puq_m_no_control", "must not contain control characters"),
    ("puq_m_proxmox_name", "'{value}' is not a valid Proxmox name"),
    ("puq_m_whole_number", "expected a whole number, got '{value}'"),
    ("puq_m_between", "must be between {min} and {max}"),
    ("puq_m_no_email_template", "there is no product email template named '{name}' (choose one, or None)"),
    ("puq_m_no_department", "there is no support ticket department #{id} (choose one, or None)"),
    ("puq_m_no_vm_record", "This service has no VM record yet: run Create (Module Commands) to queue its deployment."),
    ("puq_m_server_no_answer", "Proxmox server '{server}' did not answer: {error}"),
    ("puq_m_post_only", "This action must be sent as POST."),
    ("puq_m_bad_token", "Invalid or missing security token: reload the page and try again."),
    ("puq_m_unknown_action", "Unknown action."),
    ("puq_m_redeploy_queued", "Redeploy queued: the VM is rebuilt from scratch by the next cron run."),
    ("puq_m_redeploy_refused", "Redeploy is refused while the VM is in status '{state}': that operation must finish (or be reset) first"),
    ("puq_m_redeploy_terminated", "the service was terminated; create it again instead of redeploying"),
    ("puq_m_denied_not_logged_in", "Access denied: you are not logged in to the WHMCS admin area"),
    ("puq_m_denied_perm", "Access denied: your admin role (#{role}) lacks the WHMCS permission {perm} (Setup > Staff Management > Administrator Roles)"),
    ("puq_m_denied_perms", "Access denied: your admin role (#{role}) lacks the WHMCS permissions {perms} (Setup > Staff Management > Administrator Roles)"),
];

/// Messages of the addon's admin pages (`$_ADDONLANG`): refusals and the
/// validation errors admins meet most.
pub const ADDON: &[(&str, &str)] = &[
    ("m_csrf", "this action changes data and needs a POST with a valid CSRF token; reload the page and try again"),
    ("m_not_logged_in", "you are not logged in to the WHMCS admin area"),
    ("m_admin_missing", "administrator #{id} does not exist"),
    ("m_admin_disabled", "administrator #{id} is disabled"),
    ("m_lacks_perm", "your admin role (#{role}) lacks the WHMCS permission {perm} (Setup > Staff Management > Administrator Roles)"),
    ("m_lacks_perms", "your admin role (#{role}) lacks the WHMCS permissions {perms} (Setup > Staff Management > Administrator Roles)"),
    ("m_no_page", "no such page '{name}'"),
    ("m_no_action", "no such action '{name}'"),
    ("m_redeploy_refused", "Redeploy is refused while the VM is in status '{state}': that operation must finish (or be reset) first"),
    ("m_redeploy_terminated", "the service was terminated; create it again instead of redeploying"),
    ("m_no_vm_record", "service #{id} has no VM record"),
    ("m_not_service_id", "'{value}' is not a service id"),
    ("m_pool_missing", "IP pool #{id} does not exist"),
    ("m_positive", "must be 0 or a positive number, got {n}"),
    ("m_not_null", "cannot be NULL"),
    ("m_finite", "must be a finite number"),
    ("m_between_col", "must be between {min} and {max} ({type}), got {n}"),
    ("m_at_most_col", "is at most {max} characters ({type}), got {len}"),
    ("m_no_column", "no such column in puqProxmoxKVM_vm_info"),
    ("m_single_value", "expected a single value, got an array"),
    ("m_not_editable", "this column cannot be edited"),
    ("m_nothing_to_save", "nothing to save"),
    ("m_db_refused", "the database refused the value: {detail}"),
    ("m_one_of", "must be one of {list}"),
    ("m_between_got", "must be between {min} and {max}, got {n}"),
    ("m_between", "must be between {min} and {max}"),
    ("m_max_chars", "may be at most {n} characters"),
];

/// The table of a reader: `client` (client area), `server_admin` (product
/// panel, service tab) or `addon` (the addon's pages).
/// The lang key of a state machine's step name (`Migrate to target node`
/// → `client_step_migrate_to_target_node`): how the client area's progress
/// and the admin service tab's Deploy Log show a step in the reader's
/// language.
pub fn step_key(name: &str) -> String {
    let slug: Vec<String> = name
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    format!("client_step_{}", slug.join("_"))
}

pub fn table(area: &str) -> Option<&'static [(&'static str, &'static str)]> {
    match area {
        "client" => Some(CLIENT),
        "server_admin" => Some(SERVER_ADMIN),
        "addon" => Some(ADDON),
        _ => None,
    }
}

/// The key and parameters of `text` in `table`, if one template matches it
/// whole: `{"key": …, "params": {name: value}}`.
pub fn keyed(table: &[(&'static str, &'static str)], text: &str) -> Option<Value> {
    table.iter().find_map(|(key, template)| {
        let mut params = Map::new();
        matches(template, text, &mut params).then(|| json!({"key": key, "params": params}))
    })
}

/// Whether `text` is `template` with each `{name}` replaced by a non-empty
/// value; the values go to `params`. A parameter takes the shortest value
/// that lets the rest match.
fn matches(template: &str, text: &str, params: &mut Map<String, Value>) -> bool {
    let Some(open) = find_param(template) else {
        return template == text;
    };
    let (lit, rest) = template.split_at(open);
    let Some(text) = text.strip_prefix(lit) else {
        return false;
    };
    let close = rest.find('}').unwrap_or(rest.len() - 1);
    let name = &rest[1..close];
    let after = &rest[close + 1..];
    for (i, _) in text.char_indices().skip(1).chain([(text.len(), ' ')]) {
        let mut p = params.clone();
        if matches(after, &text[i..], &mut p) {
            p.insert(name.to_string(), Value::String(text[..i].to_string()));
            *params = p;
            return true;
        }
    }
    false
}

/// The byte offset of the first `{name}` parameter (a lower-case word in
/// braces; `{{` and `}}` are text).
fn find_param(t: &str) -> Option<usize> {
    let b = t.as_bytes();
    (0..b.len()).find(|&i| {
        b[i] == b'{'
            && b.get(i + 1).is_some_and(|c| c.is_ascii_lowercase())
            && t[i + 1..].find('}').is_some_and(|j| {
                t[i + 1..i + 1 + j]
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c == b'_')
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `$VAR['key'] = 'value';` lines of a lang file (single-quoted values).
    fn lang_file(path: &str) -> std::collections::HashMap<String, String> {
        let text = std::fs::read_to_string(path).unwrap();
        let mut out = std::collections::HashMap::new();
        for line in text.lines() {
            let Some(rest) = line.split_once("['").map(|x| x.1) else {
                continue;
            };
            let Some((key, rest)) = rest.split_once("'] = '") else {
                continue;
            };
            let Some(value) = rest.strip_suffix("';") else {
                continue;
            };
            out.insert(
                key.to_string(),
                value.replace("\\'", "'").replace("\\\\", "\\"),
            );
        }
        out
    }

    #[test]
    fn every_template_is_its_english_lang_value() {
        let en = lang_file(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/php/modules/servers/puqProxmoxKVM/lang/english.php"
        ));
        let addon = lang_file(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/php/modules/addons/puq_proxmox_kvm/lang/english.php"
        ));
        let mut keys = std::collections::HashSet::new();
        for (table, file) in [(CLIENT, &en), (SERVER_ADMIN, &en), (ADDON, &addon)] {
            for (key, template) in table {
                assert!(keys.insert(key), "{key} twice");
                assert_eq!(
                    file.get(*key).map(String::as_str),
                    Some(*template),
                    "{key} in english.php"
                );
            }
        }
    }

    #[test]
    fn every_step_a_client_can_see_has_its_lang_key() {
        let en = lang_file(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/php/modules/servers/puqProxmoxKVM/lang/english.php"
        ));
        for m in crate::jobs::machine::machines() {
            for s in m.steps {
                let key = step_key(s.name);
                assert_eq!(
                    en.get(&key).map(String::as_str),
                    Some(s.name),
                    "{key} in english.php"
                );
            }
        }
    }

    #[test]
    fn finished_messages_give_key_and_parameters() {
        let v = keyed(CLIENT, "port 70000 is out of range (0-65535)").unwrap();
        assert_eq!(v["key"], "client_v_fw_port_range");
        assert_eq!(v["params"]["n"], "70000");
        let v = keyed(CLIENT, "'a b.com' contains spaces").unwrap();
        assert_eq!(v["params"]["value"], "a b.com");
        let v = keyed(CLIENT, "'x.y': label 'x' contains '_'").unwrap();
        assert_eq!(v["key"], "client_v_label_char");
        assert_eq!(
            (
                v["params"]["value"].as_str(),
                v["params"]["label"].as_str(),
                v["params"]["char"].as_str()
            ),
            (Some("x.y"), Some("x"), Some("_"))
        );
        let v = keyed(
            CLIENT,
            "the snapshot quota is full (3/3): delete a snapshot first",
        )
        .unwrap();
        assert_eq!(
            (v["params"]["used"].as_str(), v["params"]["max"].as_str()),
            (Some("3"), Some("3"))
        );
        assert_eq!(
            keyed(CLIENT, "must not contain '{{' or '}}'").unwrap()["key"],
            "client_v_no_braces"
        );
        assert!(keyed(CLIENT, "something new").is_none());
        assert!(
            keyed(CLIENT, "port  is out of range (0-65535)").is_none(),
            "a parameter is never empty"
        );
        // Every template matches itself with its parameter names as values.
        for (key, template) in CLIENT {
            let sample = template.replace("{{", "\u{1}").replace("}}", "\u{2}");
            let sample = sample
                .replace('{', "<")
                .replace('}', ">")
                .replace('\u{1}', "{{")
                .replace('\u{2}', "}}");
            assert_eq!(
                keyed(CLIENT, &sample).map(|v| v["key"].clone()),
                Some(json!(key)),
                "{template}"
            );
        }
    }
}
