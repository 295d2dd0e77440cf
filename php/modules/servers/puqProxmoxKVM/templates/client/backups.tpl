{extends file="./_layout.tpl"}
{* Backups: the weekly schedule grid with Save Schedule, the quota counter, Backup now with a note, the list with
   date, size, note and state, Restore (the spec's warning) and Delete; after a failed restore its two ways out. *}
{block name=content}
{$d = $puq.data}
{if $d.restore_failed}
  <div class="alert alert-danger" id="puq-restore-failed"><i class="fas fa-exclamation-triangle"></i> {$puqLang.client_bk_restore_failed|escape:'html'}
    {if $d.reinstall_allowed}<a class="btn btn-sm btn-outline-danger ml-2" id="puq-restore-reinstall" href="{$puqBase|escape:'html'}&amp;modop=custom&amp;a=client&amp;page=reinstall">{$puqLang.client_bk_reinstall|escape:'html'}</a>{/if}</div>
{/if}
<div class="card mb-3">
  <div class="card-header"><strong>{$puqLang.client_bk_schedule|escape:'html'}</strong></div>
  <div class="card-body">
    <form id="puq-schedule-form" autocomplete="off" novalidate>
      <div class="table-responsive">
        <table class="table table-sm mb-2 puq-schedule">
          <thead><tr>{foreach $d.schedule as $day}<th class="text-center">{$puqLang["client_bk_day_`$day.day`"]|escape:'html'}</th>{/foreach}</tr></thead>
          <tbody><tr>
            {foreach $d.schedule as $day}
              <td class="text-center">
                <div class="custom-control custom-switch mb-1">
                  <input type="checkbox" class="custom-control-input" id="puq-day-{$day.day|escape:'html'}" data-day="{$day.day|escape:'html'}"{if $day.enabled} checked{/if}>
                  <label class="custom-control-label" for="puq-day-{$day.day|escape:'html'}"></label>
                </div>
                <input type="time" class="form-control form-control-sm" data-time="{$day.day|escape:'html'}" value="{$day.time|escape:'html'}" aria-label="{$puqLang.client_bk_time|escape:'html'}">
              </td>
            {/foreach}
          </tr></tbody>
        </table>
      </div>
      <p class="small text-muted"><i class="fas fa-info-circle"></i> {$puqLang.client_bk_schedule_note|escape:'html'}</p>
      <button type="submit" class="btn btn-primary" id="puq-schedule-save"><i class="fas fa-save"></i> {$puqLang.client_bk_save_schedule|escape:'html'}</button>
    </form>
  </div>
</div>
<div class="card mb-3">
  <div class="card-header d-flex justify-content-between align-items-center">
    <strong>{$puqLang.client_bk_title|escape:'html'}</strong>
    <span class="badge badge-{if $d.used >= $d.quota}warning{else}info{/if}" id="puq-bk-quota">{$d.used|escape:'html'}/{$d.quota|escape:'html'}</span>
  </div>
  <div class="card-body">
    {if $d.refusal && !$d.restore_failed}
      <div class="alert alert-info" id="puq-refusal" data-code="{$d.refusal|escape:'html'}">{$puqLang["client_why_`$d.refusal`"]|default:$puqLang.client_why_busy|escape:'html'}</div>
    {/if}
    {if $d.last_error}<div class="alert alert-warning small">{$puqLang.client_bk_last_failed|escape:'html'}</div>{/if}
    <form id="puq-bk-form" class="form-row align-items-end mb-3" autocomplete="off" novalidate>
      <div class="col-md-8 mb-2">
        <label for="puq-bk-note">{$puqLang.client_bk_notes|escape:'html'}</label>
        <input type="text" class="form-control" id="puq-bk-note" name="note" maxlength="{$d.note_max|escape:'html'}">
        <div class="invalid-feedback" data-field="note"></div>
      </div>
      <div class="col-md-4 mb-2">
        <button type="submit" class="btn btn-primary btn-block puq-act{if $d.refusal} puq-dim{/if}" id="puq-bk-now"{if $d.refusal} disabled aria-disabled="true"{/if}><i class="fas fa-archive"></i> {$puqLang.client_bk_now|escape:'html'}</button>
      </div>
    </form>
    <div class="alert alert-warning small"><i class="fas fa-exclamation-triangle"></i> {$puqLang.client_bk_warning|escape:'html'}</div>
    {if $d.backups || $d.running}
    <div class="table-responsive">
      <table class="table table-sm table-hover" id="puq-bk-table">
        <thead><tr><th>{$puqLang.client_bk_date|escape:'html'}</th><th>{$puqLang.client_bk_size|escape:'html'}</th><th>{$puqLang.client_bk_note|escape:'html'}</th><th>{$puqLang.client_bk_state|escape:'html'}</th><th></th></tr></thead>
        <tbody>
        {foreach $d.running as $r}
          <tr class="puq-bk-running"><td class="small"><time data-puq-ts="{$r.started_at|escape:'html'}">{$r.started_at|date_format:'%Y-%m-%d %H:%M'|escape:'html'}</time></td><td>—</td><td class="puq-bk-note">{$r.note|escape:'html'}</td>
            <td><span class="badge badge-info"><i class="fas fa-spinner fa-spin"></i> {$puqLang.client_bk_state_running|escape:'html'}</span></td><td></td></tr>
        {/foreach}
        {foreach $d.backups as $b}
          <tr data-volid="{$b.volid|escape:'html'}">
            <td class="align-middle small"><time data-puq-ts="{$b.ctime|escape:'html'}">{$b.ctime|date_format:'%Y-%m-%d %H:%M'|escape:'html'}</time></td>
            <td class="align-middle small text-nowrap" data-puq-bytes="{$b.size|escape:'html'}">{$b.size_human|escape:'html'}</td>
            <td class="align-middle puq-bk-note">{$b.note|escape:'html'}</td>
            <td class="align-middle"><span class="badge badge-success">{$puqLang.client_bk_state_done|escape:'html'}</span></td>
            <td class="align-middle text-right text-nowrap">
              <button type="button" class="btn btn-sm btn-outline-warning puq-bk-restore{if $d.restore_refusal} puq-dim{/if}"{if $d.restore_refusal} disabled{/if} data-volid="{$b.volid|escape:'html'}" data-date="{$b.ctime|date_format:'%Y-%m-%d %H:%M'|escape:'html'}"><i class="fas fa-history"></i> {$puqLang.client_bk_restore|escape:'html'}</button>
              <button type="button" class="btn btn-sm btn-outline-danger puq-bk-delete{if $d.refusal} puq-dim{/if}"{if $d.refusal} disabled{/if} data-volid="{$b.volid|escape:'html'}" data-date="{$b.ctime|date_format:'%Y-%m-%d %H:%M'|escape:'html'}"><i class="fas fa-trash"></i> {$puqLang.client_bk_delete|escape:'html'}</button>
            </td>
          </tr>
        {/foreach}
        </tbody>
      </table>
    </div>
    {else}
      <p class="text-muted" id="puq-bk-none">{$puqLang.client_bk_none|escape:'html'}</p>
    {/if}
  </div>
</div>
{/block}
