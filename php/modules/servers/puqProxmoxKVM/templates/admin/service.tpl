{* The module's tab on the admin service page. Data: puq_service_page(). *}
<div id="puq-service" class="puq-service" data-ajax-url="{$ajaxUrl|escape}" data-token="{$token|escape}" dir="{$puqDir|escape}" lang="{$puqLocale|escape}" data-lang="{$jsLang|escape}">
<style>
    .puq-service .puq-chart { width: 100%; min-height: 230px; border: 1px solid #ddd; background: #fff; }
    .puq-service .puq-chart-title { font-weight: bold; margin: 6px 0 2px; }
    .puq-service .puq-legend span { display: inline-block; margin-right: 10px; font-size: 11px; }
    .puq-service .puq-legend i { display: inline-block; width: 10px; height: 10px; margin-right: 3px; }
    .puq-service table { margin-bottom: 10px; }
</style>
{if $error}
    <div class="alert alert-danger">{$error|escape}</div>
{else}
<div class="row">
    <div class="col-md-6">
        <table class="table table-condensed">
            <tr><td width="30%">{$LANG.puq_svc_vmid|escape}</td><td><strong id="puq-vmid">{if $data.vm && $data.vm.vm_id}{$data.vm.vm_id|escape}{else}{$LANG.puq_svc_no_vm|escape}{/if}</strong></td></tr>
            {if $data.vm}
            <tr><td>{$LANG.puq_svc_name|escape}</td><td>{$data.vm.vm_name|escape}</td></tr>
            <tr><td>{$LANG.puq_svc_hostname|escape}</td><td>{$data.vm.hostname|escape}</td></tr>
            {/if}
        </table>
    </div>
    <div class="col-md-6">
        <table class="table table-condensed">
            <tr><th>IP</th><th>{$LANG.puq_svc_rdns|escape}</th></tr>
            {foreach $data.ips as $ip}
            <tr><td><code>{$ip.address|escape}</code></td><td>{$ip.ptr|escape}</td></tr>
            {foreachelse}
            <tr><td colspan="2" class="text-muted">{$LANG.puq_svc_no_ips|escape}</td></tr>
            {/foreach}
        </table>
    </div>
</div>
<div id="puq-api">
{if $data.api.ok}
    <div class="alert alert-success" style="padding:6px 12px">{$LANG.puq_svc_api_ok|escape}</div>
{else}
    <div class="alert alert-{if $data.api.checked}danger{else}warning{/if}" style="padding:6px 12px">{if $data.api.checked}<strong>{$LANG.puq_svc_api_error|escape}:</strong> {/if}{$data.api.message|escape}</div>
{/if}
</div>
<div class="btn-toolbar" style="margin-bottom:10px">
    <button type="button" class="btn btn-primary btn-sm" id="puq-novnc"{if !$data.vm || !$data.vm.vm_id} disabled{/if}>{$LANG.puq_console_button|escape}</button>
    <span id="puq-novnc-connect" style="display:none"><a class="btn btn-success btn-sm" id="puq-novnc-link" href="#" target="_blank" rel="noopener noreferrer">{$LANG.puq_console_connect|escape}</a>
        <small class="text-muted">{$LANG.puq_console_note|escape}</small></span>
    <button type="button" class="btn btn-default btn-sm" id="puq-toggle-log">{$LANG.puq_svc_deploy_log|escape}</button>
    <button type="button" class="btn btn-danger btn-sm" id="puq-redeploy" data-confirm="{$LANG.puq_svc_redeploy_confirm|escape}"{if !$data.vm} disabled{elseif $data.vm.redeploy_refusal} disabled title="{$data.vm.redeploy_refusal|escape}"{/if}>{$LANG.puq_svc_redeploy|escape}</button>
    <span id="puq-action-result" style="margin-left:10px"></span>
</div>
{if $data.config_options}
<div class="panel panel-default" id="puq-config-options">
    <div class="panel-heading"><strong>{$LANG.puq_svc_config_options|escape}</strong></div>
    <table class="table table-condensed small">
        {foreach $data.config_options as $co}<tr><td width="40%">{$co.name|escape}</td><td>{$co.display|escape}</td></tr>{/foreach}
    </table>
</div>
{/if}
<div id="puq-log" class="well well-sm" style="display:none">{include file="service_log.tpl"}</div>
<div id="puq-live">{include file="service_live.tpl"}</div>
{if $data.api.ok}
<h4>{$LANG.puq_svc_charts|escape}</h4>
<div class="btn-group btn-group-sm" role="group" id="puq-timeframes">
    {foreach ['hour' => $LANG.puq_svc_hour, 'day' => $LANG.puq_svc_day, 'week' => $LANG.puq_svc_week, 'month' => $LANG.puq_svc_month, 'year' => $LANG.puq_svc_year] as $tf => $tl}
    <button type="button" class="btn btn-default{if $tf == 'hour'} active{/if}" data-timeframe="{$tf|escape}">{$tl|escape}</button>
    {/foreach}
</div>
<span id="puq-chart-msg" class="text-muted" style="margin-left:10px"></span>
<div class="row">
    <div class="col-md-4"><div class="puq-chart-title">{$LANG.puq_svc_chart_cpu_ram|escape}</div><div class="puq-chart" id="puq-chart-cpu" data-chart="cpumem" data-unit="%" data-labels="{$LANG.puq_svc_series_cpu|escape}|{$LANG.puq_svc_series_ram|escape}"></div></div>
    <div class="col-md-4"><div class="puq-chart-title">{$LANG.puq_svc_chart_disk|escape}</div><div class="puq-chart" id="puq-chart-disk" data-chart="disk" data-unit="MB/s" data-labels="{$LANG.puq_svc_series_read|escape}|{$LANG.puq_svc_series_write|escape}"></div></div>
    <div class="col-md-4"><div class="puq-chart-title">{$LANG.puq_svc_chart_net|escape}</div><div class="puq-chart" id="puq-chart-net" data-chart="net" data-unit="MB/s" data-labels="{$LANG.puq_svc_series_in|escape}|{$LANG.puq_svc_series_out|escape}"></div></div>
</div>
{* The one chart implementation of the module (assets/charts.js, uPlot), shared with the client area. *}
<link href="../modules/servers/puqProxmoxKVM/assets/vendor/uplot/uPlot.min.css" rel="stylesheet">
<script src="../modules/servers/puqProxmoxKVM/assets/vendor/uplot/uPlot.iife.min.js"></script>
<script src="../modules/servers/puqProxmoxKVM/assets/charts.js"></script>
{/if}
<script>{$serviceJs nofilter}</script>
{/if}
</div>
