{extends file="./_layout.tpl"}
{* "Access Denied" (a refusal: not the client's service, a feature the package does not include, a suspended or
   inactive service) or "Something went wrong" (Proxmox or the VM unreachable), with a retry. *}
{block name=content}
{$e = $puq.error}
{$denied = ($e.status == 403 || $e.status == 404 || $e.status == 405)}
<div class="card border-{if $denied}warning{else}danger{/if} mb-3 puq-error" id="puq-error" data-code="{$e.code|escape:'html'}">
  <div class="card-body text-center py-5">
    <i class="fas {if $denied}fa-ban text-warning{else}fa-exclamation-triangle text-danger{/if} fa-3x mb-3"></i>
    <h3 class="h4">{if $denied}{$puqLang.client_err_title_denied|escape:'html'}{else}{$puqLang.client_err_title_failed|escape:'html'}{/if}</h3>
    <p class="mb-4" id="puq-error-text">{if $e.msg}{$e.message|escape:'html'}{else}{$puqLang["client_err_`$e.code`"]|default:$e.message|escape:'html'}{/if}</p>
    {if $e.retry}<a class="btn btn-primary" href="" id="puq-error-retry"><i class="fas fa-redo"></i> {$puqLang.client_retry|escape:'html'}</a>{/if}
    {if $puq.menu && $puq.page != 'overview'}<a class="btn btn-outline-secondary" href="{$puqBase|escape:'html'}">{$puqLang.client_back_overview|escape:'html'}</a>{/if}
  </div>
</div>
{/block}
