<?php
/* PUQ Proxmox KVM addon — English strings of the admin pages ($_ADDONLANG). Every page string lives here. */

$_ADDONLANG['title'] = 'PUQ Proxmox KVM';
$_ADDONLANG['version'] = 'Module version';
$_ADDONLANG['schema'] = 'Database schema';

// Navigation (one per page name)
$_ADDONLANG['nav_dashboard'] = 'Dashboard';

// Common
$_ADDONLANG['error_title'] = 'Error:';
$_ADDONLANG['error_request'] = 'The request failed (HTTP {status}). Reload the page and try again.';
$_ADDONLANG['loading'] = 'Loading…';
$_ADDONLANG['cancel'] = 'Cancel';
$_ADDONLANG['confirm'] = 'Confirm';
$_ADDONLANG['close'] = 'Close';
$_ADDONLANG['save'] = 'Save';
$_ADDONLANG['saved'] = 'Saved.';
$_ADDONLANG['edit'] = 'Edit';
$_ADDONLANG['delete'] = 'Delete';
$_ADDONLANG['actions'] = 'Actions';
$_ADDONLANG['server'] = 'Server';
$_ADDONLANG['never'] = 'never';
$_ADDONLANG['ago_s'] = '{n} s ago';
$_ADDONLANG['ago_m'] = '{n} min ago';
$_ADDONLANG['ago_h'] = '{n} h ago';
$_ADDONLANG['ago_d'] = '{n} days ago';
$_ADDONLANG['every_min'] = 'every {n} min';
$_ADDONLANG['no_servers'] = 'No PUQ Proxmox KVM server is configured (System Settings > Servers).';

// Dashboard
$_ADDONLANG['card_ip_pools'] = 'IP Pools';
$_ADDONLANG['card_dns_zones'] = 'DNS Zones';
$_ADDONLANG['card_kvm_services'] = 'Active KVM Services';
$_ADDONLANG['card_vm_management'] = 'VM Management';
$_ADDONLANG['card_settings'] = 'Settings';
$_ADDONLANG['health_title'] = 'Health';
$_ADDONLANG['health_vms_error'] = 'VMs in error';
$_ADDONLANG['health_vms_waiting'] = 'VMs in progress';
$_ADDONLANG['health_cron'] = 'Cron tasks';
$_ADDONLANG['health_servers'] = 'Proxmox servers';
$_ADDONLANG['health_server_state'] = 'API';
$_ADDONLANG['server_ok'] = 'reachable (Proxmox VE {version})';
$_ADDONLANG['server_unreachable'] = 'unreachable';
$_ADDONLANG['cron_task'] = 'Task';
$_ADDONLANG['cron_interval'] = 'Interval';
$_ADDONLANG['cron_last_run'] = 'Last run';
$_ADDONLANG['cron_state'] = 'State';
$_ADDONLANG['cron_ok'] = 'on schedule';
$_ADDONLANG['cron_overdue'] = 'overdue';
$_ADDONLANG['cron_not_available'] = 'not available in this build';

// Settings
$_ADDONLANG['nav_settings'] = 'Settings';
$_ADDONLANG['yes'] = 'Yes';
$_ADDONLANG['range'] = 'range';
$_ADDONLANG['settings_general'] = 'General';
$_ADDONLANG['settings_cron'] = 'Cron';
$_ADDONLANG['settings_api_timeouts'] = 'API Timeouts';
$_ADDONLANG['settings_migration'] = 'VM Migration';
$_ADDONLANG['settings_processing'] = 'VM Processing';
$_ADDONLANG['settings_module_data'] = 'Module Data';
$_ADDONLANG['set_default_timeout'] = 'Default Timeout';
$_ADDONLANG['set_default_timeout_help'] = 'Timeout for Proxmox API requests from admin and client area pages.';
$_ADDONLANG['set_heavy_timeout'] = 'Heavy Operations Timeout';
$_ADDONLANG['set_heavy_timeout_help'] = 'Timeout for cron operations (deploy, clone, terminate, change package).';
$_ADDONLANG['set_migration_enabled'] = 'Enable post-clone migration';
$_ADDONLANG['set_migration_enabled_help'] = 'VMs cloned on the template\'s node are migrated to the target node with the correct storage.';
$_ADDONLANG['set_migration_timeout'] = 'Migration Timeout';
$_ADDONLANG['set_migration_timeout_help'] = 'Longest wait per cron run for a migration; if exceeded, cron resumes it on the next run.';
$_ADDONLANG['set_cron_workers'] = 'Parallel workers';
$_ADDONLANG['set_cron_workers_help'] = 'How many VMs Process VMs works on at once.';
$_ADDONLANG['set_delete_tables'] = 'Delete all database tables';
$_ADDONLANG['set_delete_tables_help'] = 'When on, every module table is dropped when the addon is deactivated. Off (default) keeps them for safe updates.';

// IP Pools
$_ADDONLANG['nav_ip_pools'] = 'IP Pools';
$_ADDONLANG['col_id'] = 'ID';
$_ADDONLANG['col_service'] = 'Service';
$_ADDONLANG['col_client'] = 'Client';
$_ADDONLANG['col_rdns'] = 'rDNS';
$_ADDONLANG['no_client'] = 'no client';
$_ADDONLANG['prev'] = 'Previous';
$_ADDONLANG['next'] = 'Next';
$_ADDONLANG['page_of'] = 'Page {page} of {pages} ({total} in total)';
$_ADDONLANG['pool_add'] = 'Add IP Pool';
$_ADDONLANG['pool_edit'] = 'Edit IP Pool';
$_ADDONLANG['pool_none'] = 'No IP pools yet. Add one to have addresses assigned automatically.';
$_ADDONLANG['pool_type'] = 'Type';
$_ADDONLANG['pool_bridge'] = 'Bridge';
$_ADDONLANG['pool_vlan'] = 'Vlan';
$_ADDONLANG['pool_gateway'] = 'Gateway';
$_ADDONLANG['pool_mask'] = 'Mask';
$_ADDONLANG['pool_dns1'] = 'DNS 1';
$_ADDONLANG['pool_dns2'] = 'DNS 2';
$_ADDONLANG['pool_address_start'] = 'Address Start';
$_ADDONLANG['pool_address_stop'] = 'Address Stop';
$_ADDONLANG['pool_addresses'] = 'Addresses';
$_ADDONLANG['pool_address'] = 'Address';
$_ADDONLANG['pool_usage'] = 'Usage';
$_ADDONLANG['pool_view_addresses'] = 'Allocated addresses';
$_ADDONLANG['pool_allocated_title'] = 'Allocated addresses';
$_ADDONLANG['pool_allocated_at'] = 'Allocated';
$_ADDONLANG['pool_no_allocations'] = 'No address of this pool is allocated.';
$_ADDONLANG['pool_edit_note'] = 'Changing a pool does not affect addresses already assigned; changes apply to new allocations.';
$_ADDONLANG['pool_created'] = 'IP pool #{id} created.';
$_ADDONLANG['pool_updated'] = 'IP pool #{id} saved.';
$_ADDONLANG['pool_deleted'] = 'IP pool #{id} deleted.';
$_ADDONLANG['pool_delete_title'] = 'Delete IP pool #{id}';
$_ADDONLANG['pool_delete_confirm'] = 'Delete IP pool #{id}? This cannot be undone. A pool with allocated addresses cannot be deleted.';
// DNS Zones
$_ADDONLANG['nav_dns_zones'] = 'DNS Zones';
$_ADDONLANG['dns_intro'] = 'Forward (A/AAAA) and reverse (PTR) records of every VM go to every zone their names fall into.';
$_ADDONLANG['dns_add'] = 'Add DNS Zone';
$_ADDONLANG['dns_edit'] = 'Edit DNS Zone {name}';
$_ADDONLANG['dns_none'] = 'No DNS zones yet.';
$_ADDONLANG['dns_col_id'] = 'ID';
$_ADDONLANG['dns_col_zone'] = 'Zone';
$_ADDONLANG['dns_col_type'] = 'Type';
$_ADDONLANG['dns_col_server'] = 'Server / Zone ID';
$_ADDONLANG['dns_col_actions'] = 'Actions';
$_ADDONLANG['dns_test'] = 'Test';
$_ADDONLANG['dns_f_name'] = 'Zone';
$_ADDONLANG['dns_f_name_help'] = 'example.com for forward records; 2.0.192.in-addr.arpa, 0/26.100.51.198.in-addr.arpa or 8.b.d.0.1.0.0.2.ip6.arpa for reverse. Trailing dots and case are normalised.';
$_ADDONLANG['dns_f_type'] = 'Type';
$_ADDONLANG['dns_f_server_url'] = 'Server URL';
$_ADDONLANG['dns_f_api_key'] = 'API Key';
$_ADDONLANG['dns_f_account_id'] = 'Account ID';
$_ADDONLANG['dns_f_zone_id'] = 'Zone ID';
$_ADDONLANG['dns_f_api_token'] = 'API Token';
$_ADDONLANG['dns_f_admin_user'] = 'Admin User';
$_ADDONLANG['dns_f_admin_password'] = 'Admin Password';
$_ADDONLANG['dns_f_user'] = 'User';
$_ADDONLANG['dns_unchanged'] = '(unchanged — enter new to replace)';
$_ADDONLANG['dns_delete_confirm'] = 'Delete the DNS zone {name} ({type})? Records already in DNS stay there.';
$_ADDONLANG['dns_deleted'] = 'DNS zone {name} deleted.';
