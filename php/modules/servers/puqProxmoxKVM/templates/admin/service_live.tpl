{* Real-time VM panel of the admin service tab (refreshed every 5 s). *}
{function name=bar pct=0}
<div class="progress" style="margin-bottom:4px;height:14px">
    <div class="progress-bar progress-bar-{if $pct < 50}success{elseif $pct < 80}warning{else}danger{/if}" role="progressbar" style="width:{$pct|string_format:"%.1f"}%;min-width:3.4em;font-size:10px;line-height:14px">{$pct|string_format:"%.1f"}%</div>
</div>
{/function}
{function name=limits l=[]}
{if $l.mbps_rd || $l.mbps_wr || $l.iops_rd || $l.iops_wr}R {$l.mbps_rd|escape} / W {$l.mbps_wr|escape} MB/s, R {$l.iops_rd|escape} / W {$l.iops_wr|escape} IOPS{else}{$LANG.puq_svc_unlimited|escape}{/if}
{/function}
{if $data.progress}
<div class="alert alert-info puq-progress">
    <strong>{if $data.progress.kind == 'change_package'}{$LANG.puq_svc_progress_cp|escape}{elseif $data.progress.kind == 'deploy'}{$LANG.puq_svc_progress_deploy|escape}{elseif $data.progress.kind == 'restore'}{$LANG.puq_svc_progress_restore|escape}{elseif $data.progress.kind == 'reset_password'}{$LANG.puq_svc_progress_reset_password|escape}{elseif $data.progress.kind == 'terminate'}{$LANG.puq_svc_progress_terminate|escape}{else}{$LANG.puq_svc_progress_other|escape}{/if}:</strong>
    {$data.progress.state|escape} ({$data.progress.done|escape}/{$data.progress.total|escape}), {$LANG.puq_svc_next|escape}: {$data.progress.next|escape}
    <div class="progress" style="margin:6px 0 0"><div class="progress-bar progress-bar-striped active" style="width:{$data.progress.percent|escape}%">{$data.progress.percent|escape}%</div></div>
</div>
{/if}
{if $data.vm.last_error}
<div class="alert alert-danger"><strong>{$LANG.puq_svc_last_error|escape}:</strong> {$data.vm.last_error|escape}</div>
{/if}
{if $data.live}
{assign var=l value=$data.live}
{assign var=h value=$data.hardware}
{assign var=p value=$data.package}
{assign var=m value=$data.measured}
<div class="row puq-live">
    <div class="col-md-6">
        <table class="table table-condensed table-bordered">
            <tr class="active"><th colspan="2">{$LANG.puq_svc_status|escape}</th></tr>
            <tr><td width="30%">{$LANG.puq_svc_remote|escape}</td>
                <td><span class="label label-{if $l.status == 'running'}success{else}default{/if}" id="puq-remote-status">{$l.status|escape}</span>
                    {if $l.status == 'running'} {$LANG.puq_svc_uptime|escape} {$l.uptime_human|escape}{/if}
                    {if $l.lock} <span class="label label-warning">{$LANG.puq_svc_lock|escape}: {$l.lock|escape}</span>{/if}</td></tr>
            <tr><td>{$LANG.puq_svc_local_node|escape}</td>
                <td><span class="label label-{if $data.vm.vm_status == 'ready'}success{else}info{/if}">{$data.vm.vm_status|escape}</span> / {$l.node|escape}
                    {if $l.moved} <span class="text-warning">{$LANG.puq_svc_moved|escape}</span>{/if}</td></tr>
            <tr class="active"><th colspan="2">{$LANG.puq_svc_cpu_ram|escape}</th></tr>
            <tr><td>{$LANG.puq_svc_cpu|escape} ({$l.cpus|escape} {$LANG.puq_svc_cores|escape})</td><td>{call bar pct=$l.cpu_percent}</td></tr>
            <tr><td>{$LANG.puq_svc_ram|escape} ({$l.mem_gib|escape} / {$l.maxmem_gib|escape} GiB)</td><td>{call bar pct=$l.mem_percent}</td></tr>
            <tr class="active"><th colspan="2">{$LANG.puq_svc_detail|escape}</th></tr>
            <tr><td>QMP / QEMU</td><td>{$l.qmpstatus|default:'-'|escape} / {$l.running_qemu|default:'-'|escape} {$l.running_machine|default:''|escape}</td></tr>
            <tr><td>{$LANG.puq_svc_ha_agent_pid|escape}</td><td>{$l.ha|escape} / {if $l.agent}{$LANG.puq_svc_on|escape}{else}{$LANG.puq_svc_off|escape}{/if} / {$l.pid|default:'-'|escape}</td></tr>
        </table>
    </div>
    <div class="col-md-6">
        <table class="table table-condensed table-bordered">
            {foreach ['system_disk' => $LANG.puq_svc_system_disk, 'additional_disk' => $LANG.puq_svc_additional_disk] as $dk => $dl}
            {if $h.$dk}
            {assign var=dd value=$h.$dk}
            <tr class="active"><th colspan="2">{$dl|escape} ({$dd.key|escape})</th></tr>
            <tr><td width="30%">{$LANG.puq_svc_size|escape}</td><td>{$dd.size_gb|default:'?'|escape} GB / {$LANG.puq_svc_pkg|escape} {if $dd.package.size_gb}{$dd.package.size_gb|escape} GB{else}-{/if} <span class="text-muted small">{$dd.volume|escape}</span></td></tr>
            {if $dk == 'system_disk'}<tr><td>{$LANG.puq_svc_io_real|escape}</td><td>R {$m.diskread_mbs|default:0|escape} / W {$m.diskwrite_mbs|default:0|escape} MB/s</td></tr>{/if}
            <tr><td>{$LANG.puq_svc_io_limits|escape}</td><td>{call limits l=$dd.limits}</td></tr>
            <tr><td>{$LANG.puq_svc_io_pkg|escape}</td><td>{call limits l=$dd.package}</td></tr>
            {/if}
            {/foreach}
            <tr class="active"><th colspan="2">{$LANG.puq_svc_network|escape}</th></tr>
            <tr><td width="30%">{$LANG.puq_svc_adapter|escape}</td><td>{if $h.nic}{$h.nic.model|escape} <code>{$h.nic.mac|escape}</code>{else}-{/if}</td></tr>
            <tr><td>{$LANG.puq_svc_real|escape}</td><td>{if $h.nic}{if $h.nic.rate_mbs}{$h.nic.rate_mbs|escape} MB/s{else}{$LANG.puq_svc_unlimited|escape}{/if}, {$h.nic.bridge|escape}, VLAN {$h.nic.vlan|escape}{/if}
                <span class="text-muted small">({$LANG.puq_svc_in|escape} {$m.netin_mbs|default:0|escape} / {$LANG.puq_svc_out|escape} {$m.netout_mbs|default:0|escape} MB/s)</span></td></tr>
            <tr><td>{$LANG.puq_svc_package|escape}</td><td>{if $p.bandwidth_mbs}{$p.bandwidth_mbs|escape} MB/s{else}{$LANG.puq_svc_unlimited|escape}{/if}, {$p.bridge|escape}, VLAN {$p.vlan|escape}</td></tr>
            <tr><td>{$LANG.puq_svc_iso|escape}</td><td>{$h.iso|default:'-'|escape}</td></tr>
        </table>
    </div>
</div>
{/if}
