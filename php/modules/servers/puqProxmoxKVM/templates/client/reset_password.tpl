{extends file="./_layout.tpl"}
{* Reset password: a new password, applied live by the guest agent or through cloud-init, emailed to the client. *}
{block name=content}
{$d = $puq.data}
<div class="card mb-3">
  <div class="card-header"><strong>{$puqLang.client_rp_title|escape:'html'}</strong></div>
  <div class="card-body">
    <p>{$puqLang.client_rp_text|escape:'html'}</p>
    <div class="alert alert-info"><i class="fas fa-info-circle"></i> {$puqLang.client_rp_note|escape:'html'}</div>
    {if $d.username}<p>{$puqLang.client_rp_user|escape:'html'}: <code>{$d.username|escape:'html'}</code></p>{/if}
    {if $d.refusal}
      <div class="alert alert-secondary" id="puq-refusal" data-code="{$d.refusal|escape:'html'}">{$puqLang["client_why_`$d.refusal`"]|default:$puqLang.client_why_busy|escape:'html'}</div>
    {/if}
    <button type="button" class="btn btn-primary puq-act{if $d.refusal} puq-dim{/if}" id="puq-reset-password"{if $d.refusal} disabled aria-disabled="true"{/if}
            data-confirm="{$puqLang.client_rp_confirm|escape:'html'}"><i class="fas fa-key"></i> {$puqLang.client_rp_button|escape:'html'}</button>
  </div>
</div>
{/block}
