{extends file="./_layout.tpl"}
{* Firewall: input and output policy; the rules table (drag-and-drop and keyboard up/down reordering, delete); the
   Add Rule modal. The rows are drawn by client.js from the boot data (text only). *}
{block name=content}
{$d = $puq.data}
{if !$d.enabled}<div class="alert alert-warning small" id="puq-fw-off">{$puqLang.client_fw_disabled|escape:'html'}</div>{/if}
{if $d.refusal}
  <div class="alert alert-info" id="puq-refusal" data-code="{$d.refusal|escape:'html'}">{$puqLang["client_why_`$d.refusal`"]|default:$puqLang.client_why_busy|escape:'html'}</div>
{/if}
<div class="card mb-3">
  <div class="card-header"><strong>{$puqLang.client_fw_policies|escape:'html'}</strong></div>
  <div class="card-body">
    <form id="puq-fw-policy" class="form-row align-items-end" autocomplete="off">
      <div class="col-sm-4 mb-2"><label for="puq-policy-in">{$puqLang.client_fw_policy_in|escape:'html'}</label>
        <select class="form-control custom-select" id="puq-policy-in">{foreach $d.policies as $p}<option value="{$p|escape:'html'}"{if $p == $d.policy_in} selected{/if}>{$p|escape:'html'}</option>{/foreach}</select></div>
      <div class="col-sm-4 mb-2"><label for="puq-policy-out">{$puqLang.client_fw_policy_out|escape:'html'}</label>
        <select class="form-control custom-select" id="puq-policy-out">{foreach $d.policies as $p}<option value="{$p|escape:'html'}"{if $p == $d.policy_out} selected{/if}>{$p|escape:'html'}</option>{/foreach}</select></div>
      <div class="col-sm-4 mb-2"><button type="submit" class="btn btn-primary{if $d.refusal} puq-dim{/if}" id="puq-policy-save"{if $d.refusal} disabled{/if}><i class="fas fa-save"></i> {$puqLang.client_fw_save|escape:'html'}</button></div>
    </form>
  </div>
</div>
<div class="card mb-3">
  <div class="card-header d-flex justify-content-between align-items-center">
    <span><strong>{$puqLang.client_fw_rules|escape:'html'}</strong> <span class="badge badge-primary badge-pill" id="puq-fw-count">{$d.count|escape:'html'}</span></span>
    <button type="button" class="btn btn-sm btn-success{if $d.refusal} puq-dim{/if}" id="puq-fw-add"{if $d.refusal} disabled{/if}><i class="fas fa-plus"></i> {$puqLang.client_fw_add|escape:'html'}</button>
  </div>
  <div class="card-body">
    <p class="small text-muted mb-2">{$puqLang.client_fw_hint|escape:'html'} {$puqLang.client_fw_limit|replace:'{0}':$d.max_rules|escape:'html'}</p>
    <div class="table-responsive">
      <table class="table table-sm table-hover puq-fw-table" id="puq-fw-table">
        <thead><tr><th></th><th>{$puqLang.client_fw_col_pos|escape:'html'}</th><th>{$puqLang.client_fw_col_dir|escape:'html'}</th><th>{$puqLang.client_fw_col_action|escape:'html'}</th>
          <th>{$puqLang.client_fw_col_proto|escape:'html'}</th><th>{$puqLang.client_fw_col_source|escape:'html'}</th><th>{$puqLang.client_fw_col_sport|escape:'html'}</th>
          <th>{$puqLang.client_fw_col_dest|escape:'html'}</th><th>{$puqLang.client_fw_col_dport|escape:'html'}</th><th>{$puqLang.client_fw_col_comment|escape:'html'}</th><th></th></tr></thead>
        <tbody id="puq-fw-rules"></tbody>
      </table>
    </div>
    <p class="text-muted d-none" id="puq-fw-none">{$puqLang.client_fw_none|escape:'html'}</p>
  </div>
</div>
<div class="modal fade" id="puq-fw-modal" tabindex="-1" role="dialog" aria-labelledby="puq-fw-modal-title">
  <div class="modal-dialog modal-lg" role="document"><form class="modal-content" id="puq-fw-form" autocomplete="off" novalidate>
    <div class="modal-header"><h5 class="modal-title" id="puq-fw-modal-title">{$puqLang.client_fw_modal_title|escape:'html'}</h5>
      <button type="button" class="close" data-dismiss="modal" aria-label="{$puqLang.client_cancel|escape:'html'}"><span aria-hidden="true">&times;</span></button></div>
    <div class="modal-body">
      <div class="form-row">
        <div class="col-sm-4 form-group"><label for="puq-fw-dir">{$puqLang.client_fw_direction|escape:'html'}</label>
          <select class="form-control custom-select" id="puq-fw-dir" name="dir"><option value="in">{$puqLang.client_fw_dir_in|escape:'html'}</option><option value="out">{$puqLang.client_fw_dir_out|escape:'html'}</option></select></div>
        <div class="col-sm-4 form-group"><label for="puq-fw-rule_action">{$puqLang.client_fw_col_action|escape:'html'}</label>
          <select class="form-control custom-select" id="puq-fw-rule_action" name="rule_action">{foreach $d.actions as $a}<option value="{$a|escape:'html'}">{$a|escape:'html'}</option>{/foreach}</select></div>
        <div class="col-sm-4 form-group"><label for="puq-fw-proto">{$puqLang.client_fw_protocol|escape:'html'}</label>
          <select class="form-control custom-select" id="puq-fw-proto" name="proto"><option value="">{$puqLang.client_fw_any|escape:'html'}</option>{foreach $d.protocols as $p}<option value="{$p|escape:'html'}">{$p|escape:'html'}</option>{/foreach}</select></div>
      </div>
      <div class="form-row">
        <div class="col-sm-8 form-group"><label for="puq-fw-source">{$puqLang.client_fw_col_source|escape:'html'}</label>
          <input type="text" class="form-control" id="puq-fw-source" name="source" placeholder="{$puqLang.client_fw_any|escape:'html'}"><div class="invalid-feedback" data-field="source"></div>
          <small class="form-text text-muted">{$puqLang.client_fw_source_help|escape:'html'}</small></div>
        <div class="col-sm-4 form-group"><label for="puq-fw-sport">{$puqLang.client_fw_col_sport|escape:'html'}</label>
          <input type="text" class="form-control" id="puq-fw-sport" name="sport" placeholder="{$puqLang.client_fw_any|escape:'html'}"><div class="invalid-feedback" data-field="sport"></div></div>
      </div>
      <div class="form-row">
        <div class="col-sm-8 form-group"><label for="puq-fw-dest">{$puqLang.client_fw_col_dest|escape:'html'}</label>
          <input type="text" class="form-control" id="puq-fw-dest" name="dest" placeholder="{$puqLang.client_fw_any|escape:'html'}"><div class="invalid-feedback" data-field="dest"></div></div>
        <div class="col-sm-4 form-group"><label for="puq-fw-dport">{$puqLang.client_fw_col_dport|escape:'html'}</label>
          <input type="text" class="form-control" id="puq-fw-dport" name="dport" placeholder="{$puqLang.client_fw_any|escape:'html'}"><div class="invalid-feedback" data-field="dport"></div>
          <small class="form-text text-muted">{$puqLang.client_fw_port_help|escape:'html'}</small></div>
      </div>
      <div class="form-group"><label for="puq-fw-comment">{$puqLang.client_fw_comment|escape:'html'}</label>
        <input type="text" class="form-control" id="puq-fw-comment" name="comment" maxlength="{$d.comment_max|escape:'html'}"><div class="invalid-feedback" data-field="comment"></div></div>
      <div class="invalid-feedback d-block" data-field="proto"></div><div class="invalid-feedback d-block" data-field="dir"></div><div class="invalid-feedback d-block" data-field="rule_action"></div>
    </div>
    <div class="modal-footer"><button type="button" class="btn btn-secondary" data-dismiss="modal">{$puqLang.client_cancel|escape:'html'}</button>
      <button type="submit" class="btn btn-success" id="puq-fw-submit"><i class="fas fa-plus"></i> {$puqLang.client_fw_add_save|escape:'html'}</button></div>
  </form></div>
</div>
{/block}
{block name=scripts}<script src="{$puqAssets|escape:'html'}/vendor/sortable/Sortable.min.js"></script>{/block}
