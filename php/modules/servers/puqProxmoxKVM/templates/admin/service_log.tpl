{* Deploy Log of the admin service tab: the last action, then the history. *}
{function name=steps list=[]}
<table class="table table-condensed table-striped small" style="margin-bottom:6px">
    <thead><tr><th>{$LANG.puq_svc_col_n|escape}</th><th>{$LANG.puq_svc_col_step|escape}</th><th>{$LANG.puq_svc_col_result|escape}</th><th>{$LANG.puq_svc_col_from|escape}</th><th>{$LANG.puq_svc_col_to|escape}</th><th>{$LANG.puq_svc_col_time|escape}</th><th>{$LANG.puq_svc_col_dur|escape}</th></tr></thead>
    <tbody>
    {foreach $list as $st}
        <tr{if $st.result == 'error'} class="danger"{elseif $st.result == 'waiting'} class="warning"{/if}>
            <td>{$st.n|escape}</td><td>{$st.step|escape}</td>
            <td>{$st.result|escape}{if $st.error} <span class="text-danger">{$st.error|escape}</span>{/if}</td>
            <td>{$st.from|escape}</td><td>{$st.to|escape}</td>
            <td>{$st.ts|date_format:"%H:%M:%S"}</td><td>{$st.dur|string_format:"%.2f"}s</td>
        </tr>
    {/foreach}
    </tbody>
</table>
{/function}
{if $data.runs}
{assign var=last value=$data.runs[0]}
<h5>{$LANG.puq_svc_last_action|escape}</h5>
<p>{$LANG.puq_svc_action|escape}: <strong>{$last.action|escape}</strong>
   <span class="label label-{if $last.result == 'success'}success{elseif $last.result == 'error'}danger{else}warning{/if}">{$last.result|escape}</span>
   {$LANG.puq_svc_range|escape}: {$last.started_ts|date_format:"%Y-%m-%d %H:%M:%S"} – {$last.finished_ts|date_format:"%H:%M:%S"} ({$last.duration|escape}s)</p>
{if $last.error}<div class="alert alert-danger small">{$last.error|escape}</div>{/if}
{call steps list=$last.steps}
<h5>{$LANG.puq_svc_history|escape}</h5>
{foreach $data.runs as $run}{if !$run@first}
<details class="small"><summary>{$run.started_ts|date_format:"%Y-%m-%d %H:%M:%S"} — {$run.action|escape}: {$run.result|escape} ({$run.duration|escape}s, {$run.step_count|escape} steps)</summary>
{call steps list=$run.steps}
</details>
{/if}{/foreach}
{else}
<p class="text-muted">{$LANG.puq_svc_no_runs|escape}</p>
{/if}
