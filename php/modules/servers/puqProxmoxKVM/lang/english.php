<?php
/**
 * PUQ Proxmox KVM server module — admin strings (product panel, service tab).
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

// Product configuration panel
$_LANG['puq_panel_title'] = 'PUQ Proxmox KVM — Module Settings';
$_LANG['puq_panel_save_first'] = 'Save the product once, then reopen Module Settings to configure it.';
$_LANG['puq_panel_server'] = 'Reading from Proxmox server';
$_LANG['puq_panel_no_server'] = 'No Proxmox server answered: the lists are empty.';
$_LANG['puq_panel_refresh'] = 'Refresh lists';
$_LANG['puq_panel_save'] = 'Save Module Settings';
$_LANG['puq_panel_saving'] = 'Saving…';
$_LANG['puq_panel_create_options'] = 'Create configurable options';
$_LANG['puq_panel_options_status'] = 'Configurable options assigned to this product';
$_LANG['puq_panel_options_done'] = 'All 18 configurable options are assigned.';
$_LANG['puq_panel_load_error'] = 'The module settings could not be loaded';
$_LANG['puq_automatically'] = 'automatically';
$_LANG['puq_auto_template'] = 'auto (from template)';
$_LANG['puq_same_as_system'] = 'same as system disk';
$_LANG['puq_none'] = 'None';
$_LANG['puq_choose'] = '— choose —';
$_LANG['puq_not_in_list'] = '(not found on Proxmox)';
$_LANG['puq_on'] = 'on';

$_LANG['puq_sec_vm'] = 'VM Configuration';
$_LANG['puq_sec_network'] = 'Network';
$_LANG['puq_sec_firewall'] = 'Firewall';
$_LANG['puq_sec_storage'] = 'Storage';
$_LANG['puq_sec_integrations'] = 'Integrations';
$_LANG['puq_sec_permissions'] = 'Client Area Permissions';
$_LANG['puq_sec_metrics'] = 'Metric Billing';
$_LANG['puq_sub_policy'] = 'Policy and Logging';
$_LANG['puq_sub_toggles'] = 'Firewall Toggles';
$_LANG['puq_sub_system_disk'] = 'System Disk';
$_LANG['puq_sub_additional_disk'] = 'Additional Disk';
$_LANG['puq_sub_storage_console'] = 'Storage and Console';
$_LANG['puq_sub_domain_dns'] = 'Domain and DNS';
$_LANG['puq_sub_email'] = 'Email Templates';

$_LANG['puq_f_node'] = 'Target node';
$_LANG['puq_h_node'] = 'Node where VMs are created; "automatically" picks the node with the most free memory.';
$_LANG['puq_f_os_template'] = 'OS template';
$_LANG['puq_h_os_template'] = 'Default template to clone (VMs marked as template on Proxmox).';
$_LANG['puq_f_clone_type'] = 'Clone type';
$_LANG['puq_clone_linked'] = 'Linked Clone';
$_LANG['puq_clone_full'] = 'Full Clone';
$_LANG['puq_f_cpu'] = 'CPU';
$_LANG['puq_h_cpu'] = 'Virtual CPU cores.';
$_LANG['puq_f_ram_gb'] = 'RAM';
$_LANG['puq_h_ram_gb'] = 'Memory in GB.';
$_LANG['puq_f_backups'] = 'Backups';
$_LANG['puq_h_backups'] = 'Maximum backups; 0 = disabled. The Backups option overrides it.';
$_LANG['puq_f_snapshots'] = 'Snapshots';
$_LANG['puq_h_snapshots'] = 'Maximum snapshots; 0 = disabled. The Snapshots option overrides it.';
$_LANG['puq_f_vm_name_rule'] = 'VM name rule';
$_LANG['puq_h_vm_name_rule'] = 'Macros: {client_id} {service_id} {random_digit_X} {random_letter_X} {unixtime} {year} {month} {day} {hour} {minute} {second}. Empty = {client_id}-{service_id}.';
$_LANG['puq_preview'] = 'Preview';
$_LANG['puq_f_first_vmid'] = 'First VM ID';
$_LANG['puq_h_first_vmid'] = 'VM IDs are assigned from this number up, skipping those in use.';
$_LANG['puq_f_os_username'] = 'OS username';
$_LANG['puq_h_os_username'] = 'Cloud-init user; empty = random.';
$_LANG['puq_f_snapshot_lifetime_days'] = 'Snapshot lifetime';
$_LANG['puq_dont_remove'] = "Don't remove";
$_LANG['puq_day'] = 'day';
$_LANG['puq_days'] = 'days';

$_LANG['puq_f_net_model'] = 'Model';
$_LANG['puq_model_template'] = 'As in template';
$_LANG['puq_f_bandwidth_mbs'] = 'Bandwidth';
$_LANG['puq_h_mbs'] = 'MB/s; 0 = unlimited.';
$_LANG['puq_f_bridge'] = 'Bridge';
$_LANG['puq_h_bridge'] = 'Used when Auto bridge/VLAN is off, or no IP pool gives one.';
$_LANG['puq_f_vlan'] = 'VLAN tag';
$_LANG['puq_h_vlan'] = '0 = no VLAN tag.';
$_LANG['puq_f_ipv4_count'] = 'IPv4 count';
$_LANG['puq_f_ipv6_count'] = 'IPv6 count';
$_LANG['puq_f_auto_bridge_vlan'] = 'Auto bridge/VLAN';
$_LANG['puq_f_dhcp_v4'] = 'DHCP IPv4';
$_LANG['puq_f_dhcp_v6'] = 'DHCP IPv6';
$_LANG['puq_h_dhcp'] = 'With DHCP on, no firewall rules or anti-spoofing IPSet are applied.';

$_LANG['puq_f_fw_policy_in'] = 'Input Policy';
$_LANG['puq_f_fw_policy_out'] = 'Output Policy';
$_LANG['puq_f_fw_log_in'] = 'Log level in';
$_LANG['puq_f_fw_log_out'] = 'Log level out';
$_LANG['puq_f_fw_enable'] = 'Enable';
$_LANG['puq_f_fw_dhcp'] = 'DHCP';
$_LANG['puq_f_fw_ndp'] = 'NDP';
$_LANG['puq_f_fw_radv'] = 'Router Adv';
$_LANG['puq_f_fw_macfilter'] = 'MAC filter';
$_LANG['puq_f_fw_ipfilter'] = 'IP filter';
$_LANG['puq_f_fw_antispoofing'] = 'Anti-spoofing';
$_LANG['puq_h_antispoofing'] = 'Needs a DENY/DENY cluster firewall policy to have an effect.';

$_LANG['puq_f_storage'] = 'Storage';
$_LANG['puq_f_space'] = 'Space (GB)';
$_LANG['puq_h_space_sys'] = '0 = keep the template size.';
$_LANG['puq_h_space_add'] = '0 = no additional disk.';
$_LANG['puq_f_mbps_rd'] = 'Read MB/s';
$_LANG['puq_f_mbps_wr'] = 'Write MB/s';
$_LANG['puq_f_iops_rd'] = 'IOPS Read';
$_LANG['puq_f_iops_wr'] = 'IOPS Write';
$_LANG['puq_h_unlimited'] = '0 = unlimited.';
$_LANG['puq_h_storage_names'] = 'Storage names must be the same on every node (or use shared storage).';

$_LANG['puq_f_backup_storage'] = 'Backups storage';
$_LANG['puq_f_iso_storage'] = 'ISOs storage';
$_LANG['puq_f_novnc_domain'] = 'noVNC domain';
$_LANG['puq_f_novnc_key'] = 'noVNC key';
$_LANG['puq_h_novnc_key'] = 'Leave empty to keep the current key.';
$_LANG['puq_key_is_set'] = 'A key is set.';
$_LANG['puq_f_main_domain'] = 'Main domain';
$_LANG['puq_h_main_domain'] = 'Hostname = VM name + this suffix (e.g. .example.com).';
$_LANG['puq_f_revdns_ticket'] = 'RevDNS ticket';
$_LANG['puq_f_revdns_department'] = 'Ticket department';
$_LANG['puq_f_email_ready'] = 'VM is ready';
$_LANG['puq_f_email_reset_password'] = 'Reset password';
$_LANG['puq_f_email_backup_restored'] = 'Backup restored';

$_LANG['puq_f_perm_start'] = 'Start';
$_LANG['puq_f_perm_stop'] = 'Stop';
$_LANG['puq_f_perm_novnc'] = 'noVNC';
$_LANG['puq_f_perm_charts'] = 'Charts';
$_LANG['puq_f_perm_reinstall'] = 'Reinstall';
$_LANG['puq_f_perm_reset_password'] = 'Reset password';
$_LANG['puq_f_perm_revdns'] = 'RevDNS';
$_LANG['puq_f_perm_iso'] = 'ISO mount';
$_LANG['puq_f_perm_firewall'] = 'Firewall';

$_LANG['puq_metrics_text'] = 'The module reports monthly bandwidth per service to WHMCS Usage Billing: Bandwidth Usage In and Bandwidth Usage Out (GB, monthly). Enable and price them in this product\'s Metrics tab; the statistics cron collects the data.';

// Service tab
$_LANG['puq_svc_vmid'] = 'VM ID';
$_LANG['puq_svc_name'] = 'VM name';
$_LANG['puq_svc_hostname'] = 'Hostname';
$_LANG['puq_svc_rdns'] = 'Reverse DNS';
$_LANG['puq_svc_no_ips'] = 'No IP addresses assigned.';
$_LANG['puq_svc_api_ok'] = 'API answer OK';
$_LANG['puq_svc_api_error'] = 'Proxmox API error';
$_LANG['puq_svc_deploy_log'] = 'Deploy Log';
$_LANG['puq_svc_redeploy'] = 'Redeploy';
$_LANG['puq_svc_redeploy_confirm'] = 'Redeploy deletes the VM on Proxmox, clears its IP assignments and provisions it again from scratch. All data on the VM is lost. Continue?';
$_LANG['puq_svc_status'] = 'Status';
$_LANG['puq_svc_remote'] = 'Remote';
$_LANG['puq_svc_local_node'] = 'Local / Node';
$_LANG['puq_svc_uptime'] = 'uptime';
$_LANG['puq_svc_lock'] = 'lock';
$_LANG['puq_svc_cpu_ram'] = 'CPU & RAM';
$_LANG['puq_svc_cpu'] = 'CPU';
$_LANG['puq_svc_ram'] = 'RAM';
$_LANG['puq_svc_cores'] = 'cores';
$_LANG['puq_svc_system_disk'] = 'System Disk';
$_LANG['puq_svc_additional_disk'] = 'Additional Disk';
$_LANG['puq_svc_size'] = 'Size';
$_LANG['puq_svc_io_real'] = 'I/O real';
$_LANG['puq_svc_io_limits'] = 'I/O limits';
$_LANG['puq_svc_io_pkg'] = 'I/O pkg';
$_LANG['puq_svc_network'] = 'Network';
$_LANG['puq_svc_adapter'] = 'Adapter';
$_LANG['puq_svc_real'] = 'Real';
$_LANG['puq_svc_package'] = 'Package';
$_LANG['puq_svc_iso'] = 'ISO';
$_LANG['puq_svc_detail'] = 'Detailed status';
$_LANG['puq_svc_unlimited'] = 'unlimited';
$_LANG['puq_svc_no_vm'] = 'No VM';
$_LANG['puq_svc_last_action'] = 'Last action';
$_LANG['puq_svc_history'] = 'Deploy history';
$_LANG['puq_svc_no_runs'] = 'No deploy runs yet.';
$_LANG['puq_svc_col_n'] = '#';
$_LANG['puq_svc_col_step'] = 'Step';
$_LANG['puq_svc_col_result'] = 'Result';
$_LANG['puq_svc_col_from'] = 'From';
$_LANG['puq_svc_col_to'] = 'To';
$_LANG['puq_svc_col_time'] = 'Time';
$_LANG['puq_svc_col_dur'] = 'Dur';
$_LANG['puq_svc_action'] = 'Action';
$_LANG['puq_svc_range'] = 'Time range';
$_LANG['puq_svc_charts'] = 'Usage Charts';
$_LANG['puq_svc_chart_cpu_ram'] = 'CPU & RAM (%)';
$_LANG['puq_svc_chart_disk'] = 'Disk I/O (MB/s)';
$_LANG['puq_svc_chart_net'] = 'Network (MB/s)';
$_LANG['puq_svc_hour'] = 'Hour';
$_LANG['puq_svc_day'] = 'Day';
$_LANG['puq_svc_week'] = 'Week';
$_LANG['puq_svc_month'] = 'Month';
$_LANG['puq_svc_year'] = 'Year';
$_LANG['puq_svc_progress_cp'] = 'Change package in progress';
$_LANG['puq_svc_progress_deploy'] = 'Deploy in progress';
$_LANG['puq_svc_next'] = 'next step';
$_LANG['puq_svc_last_error'] = 'Last error';
$_LANG['puq_svc_config_options'] = 'Configurable Options';
$_LANG['puq_svc_moved'] = 'The VM now runs on another node than recorded.';
