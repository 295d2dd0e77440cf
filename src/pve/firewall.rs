//! Endpoints behind the client's Firewall and ISO pages: the VM firewall's
//! options and rules (positions, `moveto`, the digest that makes Proxmox
//! refuse a change made against a stale copy), and the ISO images of a
//! storage. Every request here is checked against the real API schema by
//! the simulator.

use super::api::{decode, vm_path};
use super::client::{seg, Client, Form, Method, PveResult, Weight};
use serde::{Deserialize, Serialize};

/// One rule of `GET .../firewall/rules` (fields as Proxmox names them).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
pub struct FwRule {
    pub pos: u32,
    /// `in`, `out`, `forward` or `group`.
    #[serde(rename = "type")]
    pub dir: String,
    #[serde(default)]
    pub action: String,
    #[serde(default, rename = "macro")]
    pub macro_name: Option<String>,
    #[serde(default)]
    pub proto: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub sport: Option<String>,
    #[serde(default)]
    pub dest: Option<String>,
    #[serde(default)]
    pub dport: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub enable: Option<u8>,
    #[serde(default)]
    pub iface: Option<String>,
    #[serde(default)]
    pub digest: Option<String>,
}

/// The part of `GET .../firewall/options` the client sees.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
pub struct FwOptions {
    #[serde(default)]
    pub enable: Option<u8>,
    #[serde(default)]
    pub policy_in: Option<String>,
    #[serde(default)]
    pub policy_out: Option<String>,
    #[serde(default)]
    pub digest: Option<String>,
}

/// A checked rule to add (see `client::firewall` for the checks).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewRule {
    pub dir: String,
    pub action: String,
    pub proto: Option<String>,
    pub source: Option<String>,
    pub sport: Option<String>,
    pub dest: Option<String>,
    pub dport: Option<String>,
    pub comment: Option<String>,
}

/// One ISO image of `GET /nodes/{node}/storage/{storage}/content?content=iso`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct IsoVolume {
    pub volid: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub content: String,
}

impl Client {
    pub fn firewall_options(&self, node: &str, vmid: u32) -> PveResult<FwOptions> {
        let v = self.call(
            Method::Get,
            &vm_path(node, vmid, "/firewall/options")?,
            &Form::new(),
            Weight::Light,
        )?;
        decode(v, "firewall options")
    }

    /// The rules in evaluation order (sorted by `pos`).
    pub fn firewall_rules(&self, node: &str, vmid: u32) -> PveResult<Vec<FwRule>> {
        let v = self.call(
            Method::Get,
            &vm_path(node, vmid, "/firewall/rules")?,
            &Form::new(),
            Weight::Light,
        )?;
        let mut rules: Vec<FwRule> = decode(v, "firewall rules")?;
        rules.sort_by_key(|r| r.pos);
        Ok(rules)
    }

    /// Adds an enabled rule. Proxmox puts a new rule first (position 0).
    pub fn firewall_rule_create(
        &self,
        node: &str,
        vmid: u32,
        r: &NewRule,
        digest: Option<&str>,
    ) -> PveResult<()> {
        let f = Form::new()
            .set("type", &r.dir)
            .set("action", &r.action)
            .set("enable", 1)
            .opt("proto", r.proto.as_deref())
            .opt("source", r.source.as_deref())
            .opt("sport", r.sport.as_deref())
            .opt("dest", r.dest.as_deref())
            .opt("dport", r.dport.as_deref())
            .opt("comment", r.comment.as_deref())
            .opt("digest", digest);
        self.call(
            Method::Post,
            &vm_path(node, vmid, "/firewall/rules")?,
            &f,
            Weight::Light,
        )?;
        Ok(())
    }

    /// Moves the rule at `pos` before the rule now at `moveto` (Proxmox's
    /// meaning: `moveto` = the number of rules = to the end).
    pub fn firewall_rule_move(
        &self,
        node: &str,
        vmid: u32,
        pos: u32,
        moveto: u32,
        digest: &str,
    ) -> PveResult<()> {
        let f = Form::new().set("moveto", moveto).set("digest", digest);
        self.call(
            Method::Put,
            &vm_path(node, vmid, &format!("/firewall/rules/{pos}"))?,
            &f,
            Weight::Light,
        )?;
        Ok(())
    }

    pub fn firewall_rule_delete(
        &self,
        node: &str,
        vmid: u32,
        pos: u32,
        digest: &str,
    ) -> PveResult<()> {
        self.call(
            Method::Delete,
            &vm_path(node, vmid, &format!("/firewall/rules/{pos}"))?,
            &Form::new().set("digest", digest),
            Weight::Light,
        )?;
        Ok(())
    }

    /// Sets the input and output policies only: the product's other
    /// firewall options are left as the deploy put them.
    pub fn firewall_policies(
        &self,
        node: &str,
        vmid: u32,
        policy_in: &str,
        policy_out: &str,
    ) -> PveResult<()> {
        let f = Form::new()
            .set("policy_in", policy_in)
            .set("policy_out", policy_out);
        self.set_firewall_options(node, vmid, &f)
    }

    /// The ISO images of `storage` as seen from `node`.
    pub fn iso_volumes(&self, node: &str, storage: &str) -> PveResult<Vec<IsoVolume>> {
        let path = format!(
            "/nodes/{}/storage/{}/content",
            seg("node", node)?,
            seg("storage", storage)?
        );
        let v = self.call(
            Method::Get,
            &path,
            &Form::new().set("content", "iso"),
            Weight::Light,
        )?;
        let mut all: Vec<IsoVolume> = decode(v, "ISO list")?;
        all.retain(|i| i.content.is_empty() || i.content == "iso");
        all.sort_by(|a, b| a.volid.cmp(&b.volid));
        Ok(all)
    }
}

/// True when a Proxmox refusal says the configuration changed since the
/// digest was read (another tab, an admin).
pub fn is_stale(e: &super::PveError) -> bool {
    match e {
        super::PveError::Status { message, .. } => {
            message.contains("detected modified configuration")
        }
        _ => false,
    }
}
