{* Product Module Settings panel. Every value is escaped here; the data comes from puq_product_panel(). *}
{function name=pfield key='' label='' help='' type='number' val='' min='0'}
<div class="form-group puq-field{if isset($hl.$key)} has-error puq-highlight{/if}" data-puq-wrap="{$key|escape}">
    <label class="control-label" for="puq-{$key|escape}">{$label|escape}</label>
    <input type="{$type|escape}" class="form-control input-sm" id="puq-{$key|escape}" data-puq-field="{$key|escape}" value="{$val|escape}"{if $type == 'number'} min="{$min|escape}" step="1"{/if}>
    {if $help}<span class="help-block puq-help">{$help|escape}</span>{/if}
    <span class="help-block puq-error">{if isset($data.field_errors.$key)}{$data.field_errors.$key|escape}{/if}</span>
</div>
{/function}
{function name=pcheck key='' label='' val=false help=''}
<div class="checkbox puq-field{if isset($hl.$key)} has-error puq-highlight{/if}" data-puq-wrap="{$key|escape}">
    <label><input type="checkbox" id="puq-{$key|escape}" data-puq-field="{$key|escape}"{if $val} checked{/if}> {$label|escape}</label>
    {if $help}<span class="help-block puq-help">{$help|escape}</span>{/if}
    <span class="help-block puq-error">{if isset($data.field_errors.$key)}{$data.field_errors.$key|escape}{/if}</span>
</div>
{/function}
{function name=pselect key='' label='' help='' val='' opts=[]}
<div class="form-group puq-field{if isset($hl.$key)} has-error puq-highlight{/if}" data-puq-wrap="{$key|escape}">
    <label class="control-label" for="puq-{$key|escape}">{$label|escape}</label>
    <select class="form-control input-sm" id="puq-{$key|escape}" data-puq-field="{$key|escape}">
        {foreach $opts as $ov => $ol}<option value="{$ov|escape}"{if $ov == $val} selected{/if}>{$ol|escape}</option>{/foreach}
    </select>
    {if $help}<span class="help-block puq-help">{$help|escape}</span>{/if}
    <span class="help-block puq-error">{if isset($data.field_errors.$key)}{$data.field_errors.$key|escape}{/if}</span>
</div>
{/function}
{function name=pstorage key='' label='' help='' val='' list=[] empty=''}
{assign var=found value=($val == '')}
<div class="form-group puq-field{if isset($hl.$key)} has-error puq-highlight{/if}" data-puq-wrap="{$key|escape}">
    <label class="control-label" for="puq-{$key|escape}">{$label|escape}</label>
    <select class="form-control input-sm puq-storage" id="puq-{$key|escape}" data-puq-field="{$key|escape}">
        <option value="">{$empty|escape}</option>
        {foreach $list as $st}{if $st.storage == $val}{assign var=found value=true}{/if}
        <option value="{$st.storage|escape}" data-nodes="{$st.nodes|puq_join|escape}"{if $st.storage == $val} selected{/if}>{$st.storage|escape} ({$st.plugintype|escape}{if $st.shared}, {$LANG.puq_shared|escape}{/if})</option>
        {/foreach}
        {if !$found}<option value="{$val|escape}" selected>{$val|escape} {$LANG.puq_not_in_list|escape}</option>{/if}
    </select>
    {if $help}<span class="help-block puq-help">{$help|escape}</span>{/if}
    <span class="help-block puq-error">{if isset($data.field_errors.$key)}{$data.field_errors.$key|escape}{/if}</span>
</div>
{/function}
{function name=psection id='' title='' open=true}
<div class="panel panel-default puq-section">
    <div class="panel-heading" role="button" data-toggle="collapse" data-target="#puq-sec-{$id|escape}" aria-expanded="{if $open}true{else}false{/if}">
        <strong>{$title|escape}</strong> <span class="caret"></span>
    </div>
    <div id="puq-sec-{$id|escape}" class="panel-collapse collapse{if $open} in{/if}">
        <div class="panel-body">
{/function}
{function name=pend}
        </div>
    </div>
</div>
{/function}

<div id="puq-product-panel" class="puq-panel" data-ajax-url="{$ajaxUrl|escape}" data-token="{$token|escape}" dir="{$puqDir|escape}" lang="{$puqLocale|escape}" data-lang="{$jsLang|escape}">
<style>
    .puq-panel .puq-section .panel-heading { cursor: pointer; }
    .puq-panel .puq-highlight .form-control { border-color: #a94442; background: #fdf3f3; }
    .puq-panel .puq-error:empty { display: none; }
    .puq-panel .puq-error { color: #a94442; font-weight: bold; }
    .puq-panel .puq-toolbar { margin-bottom: 12px; }
    .puq-panel .puq-grid .col-sm-4, .puq-panel .puq-grid .col-sm-6 { min-height: 1px; }
    .puq-panel .help-block { font-size: 11px; margin: 2px 0 0; }
    .puq-panel .form-group { margin-bottom: 10px; }
</style>
{if $error}
    <div class="alert alert-danger"><strong>{$LANG.puq_panel_load_error|escape}:</strong> {$error|escape}</div>
{else}
{assign var=s value=$data.settings}
{assign var=c value=$data.choices}
<h3 style="margin-top:0">{$LANG.puq_panel_title|escape}</h3>
<p class="text-muted">
    {if $data.server}{$LANG.puq_panel_server|escape}: <strong>{$data.server|escape}</strong>{else}{$LANG.puq_panel_no_server|escape}{/if}
</p>
<div id="puq-banners">
{foreach $data.banners as $b}
    <div class="alert alert-{$b.level|escape} puq-banner" data-fields="{$b.fields|puq_join|escape}">
        <strong>{$b.title|escape}.</strong> {$b.message|escape}
    </div>
{/foreach}
</div>
<div class="puq-toolbar">
    <button type="button" class="btn btn-primary btn-sm" id="puq-save">{$LANG.puq_panel_save|escape}</button>
    <button type="button" class="btn btn-default btn-sm" id="puq-refresh">{$LANG.puq_panel_refresh|escape}</button>
    <button type="button" class="btn btn-default btn-sm" id="puq-create-options"{if $data.config_options.existing == $data.config_options.total} disabled{/if}>{$LANG.puq_panel_create_options|escape}</button>
    <span class="text-muted" id="puq-options-status">{$LANG.puq_panel_options_status|escape}: {$data.config_options.existing|escape} / {$data.config_options.total|escape}</span>
    <div id="puq-save-result" style="margin-top:8px"></div>
</div>

<div class="row">
<div class="col-md-6">
    {call psection id='vm' title=$LANG.puq_sec_vm}
    <div class="row puq-grid">
        <div class="col-sm-6">
            {assign var=found value=($s.node == '')}
            <div class="form-group puq-field{if isset($hl.node)} has-error puq-highlight{/if}" data-puq-wrap="node">
                <label class="control-label" for="puq-node">{$LANG.puq_f_node|escape}</label>
                <select class="form-control input-sm" id="puq-node" data-puq-field="node">
                    <option value="">{$LANG.puq_automatically|escape}</option>
                    {foreach $c.nodes as $n}{if $n.node == $s.node}{assign var=found value=true}{/if}
                    <option value="{$n.node|escape}"{if $n.node == $s.node} selected{/if}>{$n.node|escape} ({$n.status|escape})</option>
                    {/foreach}
                    {if !$found}<option value="{$s.node|escape}" selected>{$s.node|escape} {$LANG.puq_not_in_list|escape}</option>{/if}
                </select>
                <span class="help-block puq-help">{$LANG.puq_h_node|escape}</span>
                <span class="help-block puq-error">{if isset($data.field_errors.node)}{$data.field_errors.node|escape}{/if}</span>
            </div>
        </div>
        <div class="col-sm-6">
            {assign var=found value=($s.os_template == '')}
            <div class="form-group puq-field{if isset($hl.os_template)} has-error puq-highlight{/if}" data-puq-wrap="os_template">
                <label class="control-label" for="puq-os_template">{$LANG.puq_f_os_template|escape}</label>
                <select class="form-control input-sm" id="puq-os_template" data-puq-field="os_template">
                    <option value="">{$LANG.puq_choose|escape}</option>
                    {foreach $c.templates as $t}{if $t.vmid == $s.os_template}{assign var=found value=true}{/if}
                    <option value="{$t.vmid|escape}"{if $t.vmid == $s.os_template} selected{/if}>{$t.vmid|escape} — {$t.name|escape} ({$t.node|escape})</option>
                    {/foreach}
                    {if !$found}<option value="{$s.os_template|escape}" selected>{$s.os_template|escape} {$LANG.puq_not_in_list|escape}</option>{/if}
                </select>
                <span class="help-block puq-help">{$LANG.puq_h_os_template|escape}</span>
                <span class="help-block puq-error">{if isset($data.field_errors.os_template)}{$data.field_errors.os_template|escape}{/if}</span>
            </div>
        </div>
        <div class="col-sm-4">{call pselect key='clone_type' label=$LANG.puq_f_clone_type val=$s.clone_type opts=['linked' => $LANG.puq_clone_linked, 'full' => $LANG.puq_clone_full]}</div>
        <div class="col-sm-4">{call pfield key='cpu' label=$LANG.puq_f_cpu help=$LANG.puq_h_cpu val=$s.cpu min=1}</div>
        <div class="col-sm-4">{call pfield key='ram_gb' label=$LANG.puq_f_ram_gb help=$LANG.puq_h_ram_gb val=$s.ram_gb min=1}</div>
        <div class="col-sm-6">{call pfield key='backups' label=$LANG.puq_f_backups help=$LANG.puq_h_backups val=$s.backups}</div>
        <div class="col-sm-6">{call pfield key='snapshots' label=$LANG.puq_f_snapshots help=$LANG.puq_h_snapshots val=$s.snapshots}</div>
        <div class="col-sm-12">
            {call pfield key='vm_name_rule' type='text' label=$LANG.puq_f_vm_name_rule help=$LANG.puq_h_vm_name_rule val=$s.vm_name_rule}
            <p class="small">{$LANG.puq_preview|escape}: <code id="puq-name-preview"></code></p>
        </div>
        <div class="col-sm-4">{call pfield key='first_vmid' label=$LANG.puq_f_first_vmid help=$LANG.puq_h_first_vmid val=$s.first_vmid min=100}</div>
        <div class="col-sm-4">{call pfield key='os_username' type='text' label=$LANG.puq_f_os_username help=$LANG.puq_h_os_username val=$s.os_username}</div>
        <div class="col-sm-4">{call pselect key='snapshot_lifetime_days' label=$LANG.puq_f_snapshot_lifetime_days val=$s.snapshot_lifetime_days
            opts=[0 => $LANG.puq_dont_remove, 1 => "1 `$LANG.puq_day`", 2 => "2 `$LANG.puq_days`", 3 => "3 `$LANG.puq_days`", 4 => "4 `$LANG.puq_days`", 5 => "5 `$LANG.puq_days`", 6 => "6 `$LANG.puq_days`", 7 => "7 `$LANG.puq_days`", 8 => "8 `$LANG.puq_days`", 9 => "9 `$LANG.puq_days`", 10 => "10 `$LANG.puq_days`"]}</div>
    </div>
    {call pend}

    {call psection id='network' title=$LANG.puq_sec_network}
    <div class="row puq-grid">
        <div class="col-sm-4">{call pselect key='net_model' label=$LANG.puq_f_net_model val=$s.net_model opts=['template' => $LANG.puq_model_template, 'virtio' => 'VirtIO', 'e1000' => 'Intel E1000', 'rtl8139' => 'Realtek RTL8139', 'vmxnet3' => 'VMware vmxnet3']}</div>
        <div class="col-sm-4">{call pfield key='bandwidth_mbs' label=$LANG.puq_f_bandwidth_mbs help=$LANG.puq_h_mbs val=$s.bandwidth_mbs}</div>
        <div class="col-sm-4">
            {if $c.bridges_known}
            {assign var=found value=($s.bridge == '')}
            <div class="form-group puq-field{if isset($hl.bridge)} has-error puq-highlight{/if}" data-puq-wrap="bridge">
                <label class="control-label" for="puq-bridge">{$LANG.puq_f_bridge|escape}</label>
                <select class="form-control input-sm" id="puq-bridge" data-puq-field="bridge">
                    {foreach $c.bridges as $br}{if $br.iface == $s.bridge}{assign var=found value=true}{/if}
                    <option value="{$br.iface|escape}"{if $br.iface == $s.bridge} selected{/if}>{$br.iface|escape} ({$br.nodes|puq_join|escape})</option>
                    {/foreach}
                    {if !$found}<option value="{$s.bridge|escape}" selected>{$s.bridge|escape} {$LANG.puq_not_in_list|escape}</option>{/if}
                </select>
                <span class="help-block puq-help">{$LANG.puq_h_bridge|escape}</span>
                <span class="help-block puq-error">{if isset($data.field_errors.bridge)}{$data.field_errors.bridge|escape}{/if}</span>
            </div>
            {else}
            {call pfield key='bridge' type='text' label=$LANG.puq_f_bridge help=$LANG.puq_h_bridge val=$s.bridge}
            {/if}
        </div>
        <div class="col-sm-4">{call pfield key='vlan' label=$LANG.puq_f_vlan help=$LANG.puq_h_vlan val=$s.vlan}</div>
        <div class="col-sm-4">{call pfield key='ipv4_count' label=$LANG.puq_f_ipv4_count val=$s.ipv4_count}</div>
        <div class="col-sm-4">{call pfield key='ipv6_count' label=$LANG.puq_f_ipv6_count val=$s.ipv6_count}</div>
        <div class="col-sm-4">{call pcheck key='auto_bridge_vlan' label=$LANG.puq_f_auto_bridge_vlan val=$s.auto_bridge_vlan}</div>
        <div class="col-sm-4">{call pcheck key='dhcp_v4' label=$LANG.puq_f_dhcp_v4 val=$s.dhcp_v4}</div>
        <div class="col-sm-4">{call pcheck key='dhcp_v6' label=$LANG.puq_f_dhcp_v6 val=$s.dhcp_v6}</div>
        <div class="col-sm-12"><span class="help-block">{$LANG.puq_h_dhcp|escape}</span></div>
    </div>
    {call pend}

    {call psection id='firewall' title=$LANG.puq_sec_firewall}
    <h5>{$LANG.puq_sub_policy|escape}</h5>
    <div class="row puq-grid">
        <div class="col-sm-3">{call pselect key='fw_policy_in' label=$LANG.puq_f_fw_policy_in val=$s.fw_policy_in opts=['ACCEPT' => 'ACCEPT', 'DROP' => 'DROP', 'REJECT' => 'REJECT']}</div>
        <div class="col-sm-3">{call pselect key='fw_policy_out' label=$LANG.puq_f_fw_policy_out val=$s.fw_policy_out opts=['ACCEPT' => 'ACCEPT', 'DROP' => 'DROP', 'REJECT' => 'REJECT']}</div>
        <div class="col-sm-3">{call pselect key='fw_log_in' label=$LANG.puq_f_fw_log_in val=$s.fw_log_in opts=['nolog' => 'nolog', 'info' => 'info', 'notice' => 'notice', 'warning' => 'warning']}</div>
        <div class="col-sm-3">{call pselect key='fw_log_out' label=$LANG.puq_f_fw_log_out val=$s.fw_log_out opts=['nolog' => 'nolog', 'info' => 'info', 'notice' => 'notice', 'warning' => 'warning']}</div>
    </div>
    <h5>{$LANG.puq_sub_toggles|escape}</h5>
    <div class="row puq-grid">
        <div class="col-sm-3">{call pcheck key='fw_enable' label=$LANG.puq_f_fw_enable val=$s.fw_enable}</div>
        <div class="col-sm-3">{call pcheck key='fw_dhcp' label=$LANG.puq_f_fw_dhcp val=$s.fw_dhcp}</div>
        <div class="col-sm-3">{call pcheck key='fw_ndp' label=$LANG.puq_f_fw_ndp val=$s.fw_ndp}</div>
        <div class="col-sm-3">{call pcheck key='fw_radv' label=$LANG.puq_f_fw_radv val=$s.fw_radv}</div>
        <div class="col-sm-3">{call pcheck key='fw_macfilter' label=$LANG.puq_f_fw_macfilter val=$s.fw_macfilter}</div>
        <div class="col-sm-3">{call pcheck key='fw_ipfilter' label=$LANG.puq_f_fw_ipfilter val=$s.fw_ipfilter}</div>
        <div class="col-sm-6">{call pcheck key='fw_antispoofing' label=$LANG.puq_f_fw_antispoofing val=$s.fw_antispoofing help=$LANG.puq_h_antispoofing}</div>
    </div>
    {call pend}
</div>

<div class="col-md-6">
    {call psection id='storage' title=$LANG.puq_sec_storage}
    <h5>{$LANG.puq_sub_system_disk|escape}</h5>
    <div class="row puq-grid">
        <div class="col-sm-6">{call pstorage key='sys_storage' label=$LANG.puq_f_storage val=$s.sys_storage list=$c.images empty=$LANG.puq_auto_template help=$LANG.puq_h_storage_names}</div>
        <div class="col-sm-6">{call pfield key='sys_size_gb' label=$LANG.puq_f_space help=$LANG.puq_h_space_sys val=$s.sys_size_gb}</div>
    </div>
    <div class="row puq-grid">
        <div class="col-sm-3">{call pfield key='sys_mbps_rd' label=$LANG.puq_f_mbps_rd val=$s.sys_mbps_rd}</div>
        <div class="col-sm-3">{call pfield key='sys_mbps_wr' label=$LANG.puq_f_mbps_wr val=$s.sys_mbps_wr}</div>
        <div class="col-sm-3">{call pfield key='sys_iops_rd' label=$LANG.puq_f_iops_rd val=$s.sys_iops_rd}</div>
        <div class="col-sm-3">{call pfield key='sys_iops_wr' label=$LANG.puq_f_iops_wr val=$s.sys_iops_wr}</div>
    </div>
    <h5>{$LANG.puq_sub_additional_disk|escape}</h5>
    <div class="row puq-grid">
        <div class="col-sm-6">{call pstorage key='add_storage' label=$LANG.puq_f_storage val=$s.add_storage list=$c.images empty=$LANG.puq_same_as_system}</div>
        <div class="col-sm-6">{call pfield key='add_size_gb' label=$LANG.puq_f_space help=$LANG.puq_h_space_add val=$s.add_size_gb}</div>
    </div>
    <div class="row puq-grid">
        <div class="col-sm-3">{call pfield key='add_mbps_rd' label=$LANG.puq_f_mbps_rd val=$s.add_mbps_rd}</div>
        <div class="col-sm-3">{call pfield key='add_mbps_wr' label=$LANG.puq_f_mbps_wr val=$s.add_mbps_wr}</div>
        <div class="col-sm-3">{call pfield key='add_iops_rd' label=$LANG.puq_f_iops_rd val=$s.add_iops_rd}</div>
        <div class="col-sm-3">{call pfield key='add_iops_wr' label=$LANG.puq_f_iops_wr val=$s.add_iops_wr}</div>
        <div class="col-sm-12"><span class="help-block">{$LANG.puq_h_unlimited|escape}</span></div>
    </div>
    {call pend}

    {call psection id='integrations' title=$LANG.puq_sec_integrations}
    <h5>{$LANG.puq_sub_storage_console|escape}</h5>
    <div class="row puq-grid">
        <div class="col-sm-6">{call pstorage key='backup_storage' label=$LANG.puq_f_backup_storage val=$s.backup_storage list=$c.backup empty=$LANG.puq_none}</div>
        <div class="col-sm-6">{call pstorage key='iso_storage' label=$LANG.puq_f_iso_storage val=$s.iso_storage list=$c.iso empty=$LANG.puq_none}</div>
        <div class="col-sm-6">{call pfield key='novnc_domain' type='text' label=$LANG.puq_f_novnc_domain val=$s.novnc_domain}</div>
        <div class="col-sm-6">{if $s.novnc_key_set}{assign var=keyhelp value="`$LANG.puq_key_is_set` `$LANG.puq_h_novnc_key`"}{else}{assign var=keyhelp value=''}{/if}
            {call pfield key='novnc_key' type='password' label=$LANG.puq_f_novnc_key val='' help=$keyhelp}</div>
    </div>
    <h5>{$LANG.puq_sub_domain_dns|escape}</h5>
    <div class="row puq-grid">
        <div class="col-sm-6">{call pfield key='main_domain' type='text' label=$LANG.puq_f_main_domain help=$LANG.puq_h_main_domain val=$s.main_domain}</div>
        <div class="col-sm-3">{call pcheck key='revdns_ticket' label=$LANG.puq_f_revdns_ticket val=$s.revdns_ticket}</div>
        <div class="col-sm-3">
            <div class="form-group puq-field" data-puq-wrap="revdns_department">
                <label class="control-label" for="puq-revdns_department">{$LANG.puq_f_revdns_department|escape}</label>
                <select class="form-control input-sm" id="puq-revdns_department" data-puq-field="revdns_department">
                    <option value="0">{$LANG.puq_none|escape}</option>
                    {foreach $data.departments as $d}<option value="{$d.id|escape}"{if $d.id == $s.revdns_department} selected{/if}>{$d.name|escape}</option>{/foreach}
                </select>
                <span class="help-block puq-error">{if isset($data.field_errors.revdns_department)}{$data.field_errors.revdns_department|escape}{/if}</span>
            </div>
        </div>
    </div>
    <h5>{$LANG.puq_sub_email|escape}</h5>
    <div class="row puq-grid">
        {foreach ['email_ready' => $LANG.puq_f_email_ready, 'email_reset_password' => $LANG.puq_f_email_reset_password, 'email_backup_restored' => $LANG.puq_f_email_backup_restored] as $ek => $el}
        <div class="col-sm-4">
            {assign var=found value=($s.$ek == '')}
            <div class="form-group puq-field{if isset($hl.$ek)} has-error puq-highlight{/if}" data-puq-wrap="{$ek|escape}">
                <label class="control-label" for="puq-{$ek|escape}">{$el|escape}</label>
                <select class="form-control input-sm" id="puq-{$ek|escape}" data-puq-field="{$ek|escape}">
                    <option value="">{$LANG.puq_none|escape}</option>
                    {foreach $data.email_templates as $tn}{if $tn == $s.$ek}{assign var=found value=true}{/if}<option value="{$tn|escape}"{if $tn == $s.$ek} selected{/if}>{$tn|escape}</option>{/foreach}
                    {if !$found}<option value="{$s.$ek|escape}" selected>{$s.$ek|escape} {$LANG.puq_not_in_list|escape}</option>{/if}
                </select>
                <span class="help-block puq-error">{if isset($data.field_errors.$ek)}{$data.field_errors.$ek|escape}{/if}</span>
            </div>
        </div>
        {/foreach}
    </div>
    {call pend}

    {call psection id='permissions' title=$LANG.puq_sec_permissions}
    <div class="row puq-grid">
        {foreach ['perm_start' => $LANG.puq_f_perm_start, 'perm_stop' => $LANG.puq_f_perm_stop, 'perm_novnc' => $LANG.puq_f_perm_novnc, 'perm_charts' => $LANG.puq_f_perm_charts, 'perm_reinstall' => $LANG.puq_f_perm_reinstall, 'perm_reset_password' => $LANG.puq_f_perm_reset_password, 'perm_revdns' => $LANG.puq_f_perm_revdns, 'perm_iso' => $LANG.puq_f_perm_iso, 'perm_firewall' => $LANG.puq_f_perm_firewall] as $pk => $pl}
        <div class="col-sm-4">{call pcheck key=$pk label=$pl val=$s.$pk}</div>
        {/foreach}
    </div>
    {call pend}

    {call psection id='metrics' title=$LANG.puq_sec_metrics open=false}
    {call pcheck key='metric_billing' label=$LANG.puq_f_metric_billing val=$s.metric_billing help=$LANG.puq_h_metric_billing}
    <p>{$LANG.puq_metrics_text|escape}</p>
    {call pend}
</div>
</div>
<script type="application/json" id="puq-panel-data">{$dataJson nofilter}</script>
<script>{$panelJs nofilter}</script>
{/if}
</div>
