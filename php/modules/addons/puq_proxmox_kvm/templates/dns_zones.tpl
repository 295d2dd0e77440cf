{extends file="layout.tpl"}
{block name=content}
<div id="puq-dns-zones">
  <div class="puq-toolbar clearfix">
    <p class="text-muted pull-left">{$LANG.dns_intro}</p>
    <button type="button" class="btn btn-success pull-right" id="puq-dns-add"><i class="fas fa-plus"></i> {$LANG.dns_add}</button>
  </div>
  <table class="table table-striped table-condensed" id="puq-dns-table">
    <thead><tr><th>{$LANG.dns_col_id}</th><th>{$LANG.dns_col_zone}</th><th>{$LANG.dns_col_type}</th><th>{$LANG.dns_col_server}</th><th class="text-right">{$LANG.dns_col_actions}</th></tr></thead>
    <tbody>
      {foreach $v.zones as $z}
        <tr data-id="{$z.id}">
          <td>{$z.id}</td>
          <td class="puq-mono puq-dns-name">{$z.name}</td>
          <td><span class="label puq-dns-badge puq-dns-{$z.type|lower}">{$z.type}</span></td>
          <td class="puq-mono">{if $z.type == 'Cloudflare'}{$z.zone_id}{else}{$z.server_url}{/if}</td>
          <td class="text-right puq-actions">
            <button type="button" class="btn btn-default btn-xs puq-dns-test" title="{$LANG.dns_test}"><i class="fas fa-plug"></i> {$LANG.dns_test}</button>
            <button type="button" class="btn btn-default btn-xs puq-dns-edit" title="{$LANG.edit}"><i class="fas fa-pen"></i> {$LANG.edit}</button>
            <button type="button" class="btn btn-danger btn-xs puq-dns-delete" title="{$LANG.delete}"><i class="fas fa-trash"></i> {$LANG.delete}</button>
          </td>
        </tr>
      {foreachelse}
        <tr class="puq-dns-empty"><td colspan="5" class="text-muted">{$LANG.dns_none}</td></tr>
      {/foreach}
    </tbody>
  </table>

  <div class="modal fade" id="puq-dns-modal" tabindex="-1" role="dialog" aria-labelledby="puq-dns-modal-title">
    <div class="modal-dialog" role="document"><div class="modal-content">
      <form id="puq-dns-form" class="form-horizontal" autocomplete="off" novalidate>
        <div class="modal-header">
          <button type="button" class="close" data-dismiss="modal" aria-label="Close"><span aria-hidden="true">&times;</span></button>
          <h4 class="modal-title" id="puq-dns-modal-title">{$LANG.dns_add}</h4>
        </div>
        <div class="modal-body">
          <div class="alert alert-danger hidden puq-form-error"></div>
          <input type="hidden" name="id" value="">
          <div class="form-group">
            <label class="col-sm-4 control-label" for="puq-dns-name">{$LANG.dns_f_name}</label>
            <div class="col-sm-8"><input type="text" class="form-control" id="puq-dns-name" name="name" placeholder="example.com" required>
              <p class="help-block">{$LANG.dns_f_name_help}</p></div>
          </div>
          <div class="form-group">
            <label class="col-sm-4 control-label" for="puq-dns-type">{$LANG.dns_f_type}</label>
            <div class="col-sm-8"><select class="form-control" id="puq-dns-type" name="type">
              {foreach $v.types as $t}<option value="{$t.type}">{$t.type}</option>{/foreach}
            </select></div>
          </div>
          {foreach $v.types as $t}
            <div class="puq-dns-fields" data-type="{$t.type}">
              {foreach $t.fields as $f}
                {assign var=lk value="dns_f_"|cat:$f.name}
                <div class="form-group">
                  <label class="col-sm-4 control-label" for="puq-dns-{$t.type}-{$f.name}">{$LANG[$lk]|default:$f.name}</label>
                  <div class="col-sm-8"><input type="{if $f.secret}password{else}text{/if}" class="form-control{if $f.secret} puq-dns-secret{/if}" id="puq-dns-{$t.type}-{$f.name}" name="{$f.name}" placeholder="{$f.placeholder}" data-placeholder="{$f.placeholder}" autocomplete="new-password"></div>
                </div>
              {/foreach}
            </div>
          {/foreach}
        </div>
        <div class="modal-footer">
          <button type="button" class="btn btn-default" data-dismiss="modal">{$LANG.cancel}</button>
          <button type="submit" class="btn btn-primary" id="puq-dns-save"><i class="fas fa-save"></i> {$LANG.save}</button>
        </div>
      </form>
    </div></div>
  </div>
</div>
{/block}
{block name=scripts}<script src="{$assets}/page-dns_zones.js"></script>{/block}
