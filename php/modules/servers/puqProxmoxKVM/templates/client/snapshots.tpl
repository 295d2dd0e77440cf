{extends file="./_layout.tpl"}
{* Snapshots: the quota counter, Take Snapshot with an optional description, the list with date, description and
   remaining lifetime, Rollback and Delete (with confirmation). *}
{block name=content}
{$d = $puq.data}
<div class="card mb-3">
  <div class="card-header d-flex justify-content-between align-items-center">
    <strong>{$puqLang.client_snap_title|escape:'html'}</strong>
    <span class="badge badge-{if $d.used >= $d.quota}warning{else}info{/if} puq-quota" id="puq-snap-quota">{$puqLang.client_snap_quota|replace:'{0}':$d.used|replace:'{1}':$d.quota|escape:'html'}</span>
  </div>
  <div class="card-body">
    <p class="small text-muted">{$puqLang.client_snap_intro|escape:'html'}</p>
    {if $d.refusal}
      <div class="alert alert-info" id="puq-refusal" data-code="{$d.refusal|escape:'html'}">{$puqLang["client_why_`$d.refusal`"]|default:$puqLang.client_why_busy|escape:'html'}</div>
    {/if}
    <form id="puq-snap-form" class="form-row align-items-end mb-3" autocomplete="off" novalidate>
      <div class="col-md-8 mb-2">
        <label for="puq-snap-description">{$puqLang.client_snap_description|escape:'html'}</label>
        <input type="text" class="form-control" id="puq-snap-description" name="description" maxlength="{$d.description_max|escape:'html'}">
        <div class="invalid-feedback" data-field="description"></div>
      </div>
      <div class="col-md-4 mb-2">
        <button type="submit" class="btn btn-primary btn-block puq-act{if $d.refusal || $d.used >= $d.quota} puq-dim{/if}" id="puq-snap-take"
          {if $d.refusal || $d.used >= $d.quota} disabled aria-disabled="true" title="{if $d.refusal}{$puqLang["client_why_`$d.refusal`"]|default:''|escape:'html'}{else}{$puqLang.client_snap_full|escape:'html'}{/if}"{/if}><i class="fas fa-camera"></i> {$puqLang.client_snap_take|escape:'html'}</button>
      </div>
    </form>
    {if $d.snapshots}
    <div class="table-responsive">
      <table class="table table-sm table-hover" id="puq-snap-table">
        <thead><tr><th>{$puqLang.client_snap_name|escape:'html'}</th><th>{$puqLang.client_snap_date|escape:'html'}</th><th>{$puqLang.client_snap_desc_col|escape:'html'}</th><th>{$puqLang.client_snap_lifetime|escape:'html'}</th><th></th></tr></thead>
        <tbody>
        {foreach $d.snapshots as $s}
          <tr data-snap="{$s.name|escape:'html'}">
            <td class="align-middle text-monospace small">{$s.name|escape:'html'}{if $s.vmstate} <span class="badge badge-light">{$puqLang.client_snap_memory|escape:'html'}</span>{/if}</td>
            <td class="align-middle small">{if $s.snaptime}<time data-puq-ts="{$s.snaptime|escape:'html'}">{$s.snaptime|date_format:'%Y-%m-%d %H:%M'|escape:'html'}</time>{/if}</td>
            <td class="align-middle puq-snap-desc">{$s.description|escape:'html'}</td>
            <td class="align-middle small">{if $s.remaining_seconds === null}{$puqLang.client_snap_kept|escape:'html'}{else}{$puqLang.client_snap_left|replace:'{0}':$s.left_days|replace:'{1}':$s.left_hours|escape:'html'}{/if}</td>
            <td class="align-middle text-right text-nowrap">
              <button type="button" class="btn btn-sm btn-outline-warning puq-snap-rollback{if $d.refusal} puq-dim{/if}"{if $d.refusal} disabled{/if} data-name="{$s.name|escape:'html'}"><i class="fas fa-undo"></i> {$puqLang.client_snap_rollback|escape:'html'}</button>
              <button type="button" class="btn btn-sm btn-outline-danger puq-snap-delete{if $d.refusal} puq-dim{/if}"{if $d.refusal} disabled{/if} data-name="{$s.name|escape:'html'}"><i class="fas fa-trash"></i> {$puqLang.client_snap_delete|escape:'html'}</button>
            </td>
          </tr>
        {/foreach}
        </tbody>
      </table>
    </div>
    {else}
      <p class="text-muted" id="puq-snap-none">{$puqLang.client_snap_none|escape:'html'}</p>
    {/if}
  </div>
</div>
{/block}
