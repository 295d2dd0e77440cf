{extends file="./_layout.tpl"}
{* Reinstall: the spec's warning, the operating systems the product offers, a typed REINSTALL confirmation. *}
{block name=content}
{$d = $puq.data}
<div class="card mb-3">
  <div class="card-header"><strong>{$puqLang.client_reinstall_title|escape:'html'}</strong></div>
  <div class="card-body">
    <div class="alert alert-danger"><i class="fas fa-exclamation-triangle"></i> {$puqLang.client_reinstall_warning|escape:'html'}</div>
    {if $d.refusal}
      <div class="alert alert-info" id="puq-refusal" data-code="{$d.refusal|escape:'html'}">{$puqLang["client_why_`$d.refusal`"]|default:$puqLang.client_why_busy|escape:'html'}</div>
    {/if}
    {if $d.os}
      <form id="puq-reinstall-form" autocomplete="off" novalidate>
        <div class="form-group">
          <label for="puq-os">{$puqLang.client_reinstall_os|escape:'html'}</label>
          <select class="form-control custom-select" id="puq-os" name="os">
            {foreach $d.os as $os}
              <option value="{$os.id|escape:'html'}"{if $os.current} selected{/if}>{if $os.current}{$puqLang.client_reinstall_current|replace:'{0}':$os.name|escape:'html'}{else}{$os.name|escape:'html'}{/if}</option>
            {/foreach}
          </select>
        </div>
        <div class="form-group">
          <label for="puq-confirm">{$puqLang.client_reinstall_confirm_label|escape:'html'}</label>
          <input type="text" class="form-control" id="puq-confirm" name="confirm" placeholder="{$d.confirm_word|escape:'html'}" spellcheck="false" autocapitalize="characters">
          <div class="invalid-feedback" data-field="confirm"></div>
        </div>
        <button type="submit" class="btn btn-danger puq-act{if $d.refusal} puq-dim{/if}" id="puq-reinstall"{if $d.refusal} disabled aria-disabled="true"{/if}
                data-word="{$d.confirm_word|escape:'html'}"><i class="fas fa-redo"></i> {$puqLang.client_reinstall_button|escape:'html'}</button>
      </form>
    {else}
      <p class="text-muted">{$puqLang.client_reinstall_none|escape:'html'}</p>
    {/if}
  </div>
</div>
{/block}
