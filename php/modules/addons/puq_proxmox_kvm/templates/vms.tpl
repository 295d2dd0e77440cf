{extends file="layout.tpl"}
{block name=content}
<div id="puq-vms">
  <form class="form-inline puq-toolbar" id="puq-vms-filter" autocomplete="off" onsubmit="return false;">
    <input type="search" class="form-control" name="q" id="puq-vms-q" placeholder="{$LANG.vms_search}" maxlength="100" style="min-width: 260px;">
    <select class="form-control" name="service_status" id="puq-vms-service-status" title="{$LANG.vms_service_status}">
      <option value="">{$LANG.vms_any_service_status}</option>
      {foreach $v.service_statuses as $s}<option value="{$s}">{$s}</option>{/foreach}
    </select>
    <select class="form-control" name="vm_state" id="puq-vms-vm-state" title="{$LANG.vms_vm_status}">
      <option value="">{$LANG.vms_any_vm_state}</option>
      <option value="progress">{$LANG.vms_state_progress}</option>
      <option value="error">{$LANG.vms_state_error}</option>
      {foreach $v.vm_states as $s}<option value="{$s}">{$s}</option>{/foreach}
    </select>
    <select class="form-control" name="server_id" id="puq-vms-server" title="{$LANG.server}">
      <option value="">{$LANG.vms_any_server}</option>
      {foreach $v.servers as $s}<option value="{$s.id}">{$s.name}</option>{/foreach}
    </select>
    <select class="form-control" name="per_page" id="puq-vms-per-page" title="{$LANG.vms_per_page}">
      {foreach $v.page_sizes as $n}<option value="{$n}"{if $n == 25} selected{/if}>{$n} {$LANG.vms_per_page}</option>{/foreach}
    </select>
    <span class="label label-info hidden" id="puq-vms-client-chip"><span class="puq-chip-text"></span>
      <a href="#" class="puq-chip-clear" style="color:#fff;" title="{$LANG.vms_clear_client}">&times;</a></span>
    <span class="text-muted pull-right" id="puq-vms-count"></span>
  </form>
  <div class="table-responsive">
  <table class="table table-striped table-hover" id="puq-vms-table">
    <thead><tr>
      <th>{$LANG.col_id}</th><th>{$LANG.col_client}</th><th>{$LANG.vms_product}</th><th>{$LANG.server}</th><th>{$LANG.vms_vm}</th>
      <th>{$LANG.vms_vm_status}</th><th>{$LANG.vms_service}</th><th>{$LANG.vms_ips}</th><th class="text-right">{$LANG.actions}</th>
    </tr></thead>
    <tbody><tr><td colspan="9" class="text-muted text-center">{$LANG.loading}</td></tr></tbody>
  </table>
  </div>
  <nav aria-label="{$LANG.vms_pages}"><ul class="pagination pagination-sm" id="puq-vms-pager"></ul></nav>

  <div class="modal fade" id="puq-log-modal" tabindex="-1" role="dialog" aria-labelledby="puq-log-title">
    <div class="modal-dialog modal-lg" role="document"><div class="modal-content">
      <div class="modal-header">
        <button type="button" class="close" data-dismiss="modal" aria-label="{$LANG.close}"><span aria-hidden="true">&times;</span></button>
        <h4 class="modal-title" id="puq-log-title">{$LANG.vms_log_title}</h4>
      </div>
      <div class="modal-body">
        <div class="alert alert-danger hidden" id="puq-log-failed"><strong class="puq-log-failed-action"></strong> <span class="puq-log-failed-error"></span></div>
        <div id="puq-log-runs"></div>
      </div>
      <div class="modal-footer"><button type="button" class="btn btn-default" data-dismiss="modal">{$LANG.close}</button></div>
    </div></div>
  </div>

  <div class="modal fade" id="puq-reset-modal" tabindex="-1" role="dialog" aria-labelledby="puq-reset-title">
    <div class="modal-dialog modal-lg" role="document"><div class="modal-content">
      <form id="puq-reset-form" autocomplete="off">
      <div class="modal-header">
        <button type="button" class="close" data-dismiss="modal" aria-label="{$LANG.close}"><span aria-hidden="true">&times;</span></button>
        <h4 class="modal-title" id="puq-reset-title">{$LANG.vms_reset_title}</h4>
      </div>
      <div class="modal-body">
        <div class="alert alert-danger hidden puq-form-error"></div>
        <input type="hidden" name="service_id" value="">
        <p>{$LANG.vms_reset_current} <span class="label label-default" id="puq-reset-current"></span></p>
        <div class="form-group">
          <label for="puq-reset-status">{$LANG.vms_reset_to}</label>
          <select class="form-control" name="status" id="puq-reset-status">
            {foreach $v.reset as $r}<option value="{$r.status}">{$r.status}</option>{/foreach}
          </select>
        </div>
        <table class="table table-condensed table-bordered" id="puq-reset-reference">
          <thead><tr><th>{$LANG.vms_status}</th><th>{$LANG.vms_use_case}</th></tr></thead>
          <tbody>{foreach $v.reset as $r}<tr data-status="{$r.status}"><td><code>{$r.status}</code></td><td>{$r.use}</td></tr>{/foreach}</tbody>
        </table>
      </div>
      <div class="modal-footer">
        <button type="button" class="btn btn-default" data-dismiss="modal">{$LANG.cancel}</button>
        <button type="submit" class="btn btn-warning" id="puq-reset-save"><i class="fas fa-sync"></i> {$LANG.vms_reset}</button>
      </div>
      </form>
    </div></div>
  </div>

  <div class="modal fade" id="puq-record-modal" tabindex="-1" role="dialog" aria-labelledby="puq-record-title">
    <div class="modal-dialog modal-lg" role="document"><div class="modal-content">
      <form id="puq-record-form" class="form-horizontal" autocomplete="off" novalidate>
      <div class="modal-header">
        <button type="button" class="close" data-dismiss="modal" aria-label="{$LANG.close}"><span aria-hidden="true">&times;</span></button>
        <h4 class="modal-title" id="puq-record-title">{$LANG.vms_record_title}</h4>
      </div>
      <div class="modal-body">
        <div class="alert alert-warning" id="puq-record-warning"><i class="fas fa-exclamation-triangle"></i> {$LANG.vms_record_warning}</div>
        <div class="alert alert-danger hidden puq-form-error"></div>
        <input type="hidden" name="service_id" value="">
        <div id="puq-record-fields"></div>
      </div>
      <div class="modal-footer">
        <button type="button" class="btn btn-default" data-dismiss="modal">{$LANG.cancel}</button>
        <button type="submit" class="btn btn-danger" id="puq-record-save"><i class="fas fa-save"></i> {$LANG.save}</button>
      </div>
      </form>
    </div></div>
  </div>
</div>
{/block}
{block name=scripts}<script src="{$assets}/page-vms.js"></script>{/block}
