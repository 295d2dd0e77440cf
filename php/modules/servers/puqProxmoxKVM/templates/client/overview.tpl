{extends file="./_layout.tpl"}
{* Overview: live status with power actions, progress of a running operation, the real-time panel (refreshed
   by client.js every poll_seconds) and the network configuration. *}
{block name=content}
{$d = $puq.data}
<div class="card mb-3 puq-head">
  <div class="card-body d-flex flex-wrap align-items-center">
    <div class="mr-auto mb-2">
      <h3 class="h5 mb-1" id="puq-hostname"><bdi>{if $d.service.hostname}{$d.service.hostname|escape:'html'}{else}{$d.service.domain|escape:'html'}{/if}</bdi></h3>
      <div><span class="badge badge-secondary" id="puq-status-badge">{$puqLang.client_status_unknown|escape:'html'}</span>
        <small class="text-muted ml-1" id="puq-uptime"></small></div>
    </div>
    <div class="puq-power mb-2" role="group">
      {foreach ['start' => 'success', 'shutdown' => 'warning', 'stop' => 'danger', 'reboot' => 'info'] as $b => $tone}
        {$st = $d.buttons[$b]}
        <button type="button" class="btn btn-sm btn-{$tone} puq-act{if !$st.enabled} puq-dim{/if}" data-act="{$b}"
                {if !$st.enabled}disabled aria-disabled="true" title="{$puqLang["client_why_`$st.why`"]|escape:'html'}"{/if}
                {if $b != 'start'}data-confirm="{$puqLang["client_confirm_`$b`"]|escape:'html'}"{/if}>
          <i class="fas fa-fw puq-icon-{$b}"></i> {$puqLang["client_btn_`$b`"]|escape:'html'}
        </button>
      {/foreach}
    </div>
    {* The console: always shown (dimmed when the package has none); the link is made on click, valid once for 10 s. *}
    <div class="puq-console mb-2 ml-2">
      <button type="button" class="btn btn-sm btn-dark{if !$d.novnc} puq-dim{/if}" id="puq-novnc"
              {if !$d.novnc}aria-disabled="true" title="{$puqLang.client_console_not_included|escape:'html'}"{/if}>
        <i class="fas fa-fw fa-desktop"></i> {$puqLang.client_console_button|escape:'html'}
      </button>
    </div>
  </div>
  <div class="card-footer d-none" id="puq-novnc-connect">
    <a class="btn btn-sm btn-primary" id="puq-novnc-link" href="#" target="_blank" rel="noopener noreferrer">{$puqLang.client_console_connect|escape:'html'}</a>
    <small class="text-muted ml-2" id="puq-novnc-note">{$puqLang.client_console_note|escape:'html'}</small>
  </div>
</div>

{if $puq.suspended}
  <div class="alert alert-warning" id="puq-suspended"><i class="fas fa-pause-circle"></i> {$puqLang.client_suspended_notice|escape:'html'}</div>
{/if}
<div class="alert alert-info d-none" id="puq-progress" role="status">
  <div class="d-flex align-items-center"><span class="spinner-border spinner-border-sm mr-2" aria-hidden="true"></span><span id="puq-progress-text"></span></div>
  <div class="progress mt-2" style="height: 6px;"><div class="progress-bar" id="puq-progress-bar" style="width: 0%"></div></div>
  <small class="d-block mt-1">{$puqLang.client_busy_note|escape:'html'}</small>
</div>
<div class="alert alert-danger d-none" id="puq-live-error" role="alert">
  <strong>{$puqLang.client_err_title_failed|escape:'html'}</strong> <span id="puq-live-error-text"></span>
  <button type="button" class="btn btn-sm btn-outline-danger ml-2" id="puq-live-retry">{$puqLang.client_retry|escape:'html'}</button>
</div>

<div class="card mb-3">
  <div class="card-header d-flex"><strong class="mr-auto">{$puqLang.client_realtime|escape:'html'}</strong>
    <small class="text-muted">{$puqLang.client_refreshed|replace:'{0}':$d.poll_seconds|escape:'html'}</small></div>
  <table class="table table-sm mb-0 puq-live" id="puq-live">
    <tbody>
      <tr><th scope="row">{$puqLang.client_status|escape:'html'}</th><td data-puq="status"></td></tr>
      <tr><th scope="row">{$puqLang.client_cpu|escape:'html'}</th><td data-puq="cpu"></td></tr>
      <tr><th scope="row">{$puqLang.client_ram|escape:'html'}</th><td data-puq="ram"></td></tr>
      <tr><th scope="row">{$puqLang.client_system_disk|escape:'html'}</th><td data-puq="system_disk"></td></tr>
      <tr data-puq-row="additional_disk"><th scope="row">{$puqLang.client_additional_disk|escape:'html'}</th><td data-puq="additional_disk"></td></tr>
      <tr><th scope="row">{$puqLang.client_network_adapter|escape:'html'}</th><td data-puq="nic"></td></tr>
    </tbody>
  </table>
</div>

<div class="card mb-3">
  <div class="card-header"><strong>{$puqLang.client_network_config|escape:'html'}</strong></div>
  {if $d.ips}
    <div class="table-responsive">
      <table class="table table-sm mb-0" id="puq-ips">
        <thead><tr><th>{$puqLang.client_ip_address|escape:'html'}</th><th>{$puqLang.client_ip_mask|escape:'html'}</th><th>{$puqLang.client_ip_gateway|escape:'html'}</th><th>{$puqLang.client_ip_dns|escape:'html'}</th></tr></thead>
        <tbody>
          {foreach $d.ips as $ip}
            <tr>
              <td><code>{$ip.address|escape:'html'}</code>{if $ip.main} <span class="badge badge-primary">{$puqLang.client_ip_main|escape:'html'}</span>{/if}</td>
              <td><code>{$ip.mask|escape:'html'}</code></td>
              <td><code>{$ip.gateway|escape:'html'}</code></td>
              <td>{foreach $ip.dns as $dns}<code>{$dns|escape:'html'}</code>{if !$dns@last}, {/if}{/foreach}</td>
            </tr>
          {/foreach}
        </tbody>
      </table>
    </div>
    <div class="card-body py-2"><small class="text-muted"><i class="fas fa-info-circle"></i> {$puqLang.client_network_note|escape:'html'}</small></div>
  {else}
    <div class="card-body text-muted">{$puqLang.client_ip_none|escape:'html'}</div>
  {/if}
</div>
{/block}
