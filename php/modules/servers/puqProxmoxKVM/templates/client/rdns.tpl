{extends file="./_layout.tpl"}
{* Reverse DNS: an editable PTR host name per address; automatic through the DNS zones, or a support ticket. *}
{block name=content}
{$d = $puq.data}
<div class="card mb-3">
  <div class="card-header"><strong>{$puqLang.client_rdns_title|escape:'html'}</strong></div>
  <div class="card-body">
    <div class="alert alert-info"><i class="fas fa-clock"></i> {$puqLang.client_rdns_note|escape:'html'}</div>
    {if $d.ips}
      <form id="puq-rdns-form" autocomplete="off" novalidate>
        <div class="table-responsive">
          <table class="table table-sm">
            <thead><tr><th>{$puqLang.client_rdns_address|escape:'html'}</th><th>{$puqLang.client_rdns_hostname|escape:'html'}</th><th>{$puqLang.client_rdns_how|escape:'html'}</th></tr></thead>
            <tbody>
              {foreach $d.ips as $ip}
                <tr>
                  <td class="align-middle"><code>{$ip.address|escape:'html'}</code></td>
                  <td>
                    <input type="text" class="form-control form-control-sm" name="ptr[{$ip.address|escape:'html'}]" data-address="{$ip.address|escape:'html'}"
                           value="{$ip.ptr|escape:'html'}" maxlength="{$d.max_length|escape:'html'}" spellcheck="false">
                    <div class="invalid-feedback"></div>
                  </td>
                  <td class="align-middle small">{if $ip.automatic}<span class="badge badge-success">{$puqLang.client_rdns_auto|escape:'html'}</span>{elseif $ip.ticket}<span class="badge badge-info">{$puqLang.client_rdns_by_ticket|escape:'html'}</span>{else}<span class="badge badge-secondary">{$puqLang.client_rdns_by_support|escape:'html'}</span>{/if}</td>
                </tr>
              {/foreach}
            </tbody>
          </table>
        </div>
        <p class="small text-muted">{$puqLang.client_rdns_hint|replace:'{0}':$d.fqdn|escape:'html'}</p>
        <button type="submit" class="btn btn-primary" id="puq-rdns-save"{if $puq.suspended} disabled{/if}><i class="fas fa-save"></i> {$puqLang.client_rdns_save|escape:'html'}</button>
      </form>
    {else}
      <p class="text-muted">{$puqLang.client_rdns_none|escape:'html'}</p>
    {/if}
  </div>
</div>
{/block}
