{extends file="layout.tpl"}
{block name=content}
<div id="puq-ip-pools">
  <div class="puq-toolbar clearfix">
    <button type="button" class="btn btn-success" id="puq-pool-add"><i class="fas fa-plus"></i> {$LANG.pool_add}</button>
  </div>
  <div class="table-responsive">
  <table class="table table-striped table-hover" id="puq-pools-table">
    <thead><tr>
      <th>{$LANG.col_id}</th><th>{$LANG.server}</th><th>{$LANG.pool_type}</th><th>{$LANG.pool_bridge}</th><th>{$LANG.pool_vlan}</th>
      <th>{$LANG.pool_gateway}</th><th>{$LANG.pool_mask}</th><th>{$LANG.pool_addresses}</th><th>{$LANG.pool_usage}</th><th class="text-right">{$LANG.actions}</th>
    </tr></thead>
    <tbody>
    {foreach $v.pools as $p}
      <tr data-pool="{$p.id}">
        <td>{$p.id}</td>
        <td class="text-nowrap">{$p.server}</td>
        <td><span class="label {if $p.type == 'IPv4'}label-primary{else}label-info{/if}">{$p.type}</span></td>
        <td class="puq-mono puq-pool-bridge">{$p.bridge}</td>
        <td>{$p.vlan}</td>
        <td class="puq-mono">{$p.gateway}</td>
        <td>/{$p.mask}</td>
        <td><span class="puq-mono">{$p.address_start} - {$p.address_stop}</span>
          <span class="puq-sub puq-hint puq-pool-rdns">{$p.rdns}</span></td>
        <td>
          <div class="progress puq-usage" title="{$p.allocated} / {$p.total}">
            <div class="progress-bar {if $p.used_percent >= 90}progress-bar-danger{elseif $p.used_percent >= 70}progress-bar-warning{else}progress-bar-success{/if}" role="progressbar"
                 style="width: {$p.used_percent}%; min-width: 2px;" aria-valuenow="{$p.used_percent}" aria-valuemin="0" aria-valuemax="100"></div>
          </div>
          <span class="puq-sub puq-pool-usage">{$p.allocated} / {$p.total} ({$p.used_percent}%)</span>
        </td>
        <td class="text-right puq-actions">
          <button type="button" class="btn btn-default btn-sm puq-pool-ips" title="{$LANG.pool_view_addresses}"><i class="fas fa-list"></i></button>
          <button type="button" class="btn btn-primary btn-sm puq-pool-edit" title="{$LANG.edit}"><i class="fas fa-pencil-alt"></i></button>
          <button type="button" class="btn btn-danger btn-sm puq-pool-delete" title="{$LANG.delete}"><i class="fas fa-trash"></i></button>
        </td>
      </tr>
    {foreachelse}
      <tr><td colspan="10" class="text-muted text-center" id="puq-pools-empty">{$LANG.pool_none}</td></tr>
    {/foreach}
    </tbody>
  </table>
  </div>

  <div class="modal fade" id="puq-pool-modal" tabindex="-1" role="dialog" aria-labelledby="puq-pool-modal-title">
    <div class="modal-dialog" role="document"><div class="modal-content">
      <form id="puq-pool-form" class="form-horizontal" autocomplete="off" novalidate>
        <div class="modal-header">
          <button type="button" class="close" data-dismiss="modal" aria-label="{$LANG.close}"><span aria-hidden="true">&times;</span></button>
          <h4 class="modal-title" id="puq-pool-modal-title" data-add="{$LANG.pool_add}" data-edit="{$LANG.pool_edit}">{$LANG.pool_add}</h4>
        </div>
        <div class="modal-body">
          <div class="alert alert-danger hidden puq-form-error"></div>
          <input type="hidden" name="id" value="">
          <div class="form-group">
            <label class="col-sm-4 control-label" for="puq-pool-server">{$LANG.server}</label>
            <div class="col-sm-8"><select class="form-control" id="puq-pool-server" name="server_id">
              {foreach $v.servers as $s}<option value="{$s.id}">{$s.name} ({$s.hostname})</option>{/foreach}
            </select></div>
          </div>
          <div class="form-group">
            <label class="col-sm-4 control-label" for="puq-pool-type">{$LANG.pool_type}</label>
            <div class="col-sm-8"><select class="form-control" id="puq-pool-type" name="type"><option value="IPv4">IPv4</option><option value="IPv6">IPv6</option></select></div>
          </div>
          {foreach [['bridge', 'vmbr0'], ['vlan', '0'], ['gateway', '192.168.130.1'], ['mask', '24'], ['dns1', '8.8.8.8'], ['dns2', '1.1.1.1'], ['address_start', '192.168.130.2'], ['address_stop', '192.168.130.254']] as $f}
            {assign var=lk value="pool_"|cat:$f[0]}
            <div class="form-group">
              <label class="col-sm-4 control-label" for="puq-pool-{$f[0]}">{$LANG[$lk]}</label>
              <div class="col-sm-8"><input type="text" class="form-control" id="puq-pool-{$f[0]}" name="{$f[0]}" placeholder="{$f[1]}">
              {if $f[0] == 'address_stop'}<span class="help-block puq-hint" id="puq-pool-hint"></span>{/if}</div>
            </div>
          {/foreach}
          <p class="help-block small">{$LANG.pool_edit_note}</p>
        </div>
        <div class="modal-footer">
          <button type="button" class="btn btn-default" data-dismiss="modal">{$LANG.cancel}</button>
          <button type="submit" class="btn btn-primary" id="puq-pool-save"><i class="fas fa-save"></i> {$LANG.save}</button>
        </div>
      </form>
    </div></div>
  </div>

  <div class="modal fade" id="puq-pool-ips-modal" tabindex="-1" role="dialog" aria-labelledby="puq-pool-ips-title">
    <div class="modal-dialog modal-lg" role="document"><div class="modal-content">
      <div class="modal-header">
        <button type="button" class="close" data-dismiss="modal" aria-label="{$LANG.close}"><span aria-hidden="true">&times;</span></button>
        <h4 class="modal-title" id="puq-pool-ips-title">{$LANG.pool_allocated_title}</h4>
      </div>
      <div class="modal-body">
        <table class="table table-condensed table-striped" id="puq-pool-ips-table">
          <thead><tr><th>{$LANG.pool_address}</th><th>{$LANG.col_service}</th><th>{$LANG.col_client}</th><th>{$LANG.col_rdns}</th><th>{$LANG.pool_allocated_at}</th></tr></thead>
          <tbody></tbody>
        </table>
        <div class="clearfix">
          <span class="text-muted" id="puq-pool-ips-info"></span>
          <div class="btn-group pull-right">
            <button type="button" class="btn btn-default btn-sm" id="puq-pool-ips-prev"><i class="fas fa-chevron-left"></i> {$LANG.prev}</button>
            <button type="button" class="btn btn-default btn-sm" id="puq-pool-ips-next">{$LANG.next} <i class="fas fa-chevron-right"></i></button>
          </div>
        </div>
      </div>
    </div></div>
  </div>
</div>
{/block}
{block name=scripts}<script src="{$assets}/page-ip-pools.js"></script>{/block}
