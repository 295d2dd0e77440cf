{extends file="./_layout.tpl"}
{* ISO mount: the mounted image on top with Unmount; the images of the ISO storage in folders (the part of the file
   name before the first "-"), each with Mount. *}
{block name=content}
{$d = $puq.data}
<div class="card mb-3">
  <div class="card-header"><strong>{$puqLang.client_iso_title|escape:'html'}</strong></div>
  <div class="card-body">
    <p class="small text-muted">{$puqLang.client_iso_intro|escape:'html'}</p>
    {if $d.refusal}
      <div class="alert alert-info" id="puq-refusal" data-code="{$d.refusal|escape:'html'}">{$puqLang["client_why_`$d.refusal`"]|default:$puqLang.client_why_busy|escape:'html'}</div>
    {/if}
    {if $d.mounted}
      <div class="alert alert-success d-flex justify-content-between align-items-center" id="puq-iso-mounted" data-volid="{$d.mounted.volid|escape:'html'}">
        <span><i class="fas fa-compact-disc"></i> <strong class="puq-iso-file">{$puqLang.client_iso_mounted|replace:'{0}':$d.mounted.file|escape:'html'}</strong></span>
        <button type="button" class="btn btn-sm btn-outline-danger{if $d.refusal} puq-dim{/if}" id="puq-iso-unmount"{if $d.refusal} disabled{/if} data-file="{$d.mounted.file|escape:'html'}"><i class="fas fa-eject"></i> {$puqLang.client_iso_unmount|escape:'html'}</button>
      </div>
    {/if}
    {if !$d.storage_set}
      <p class="text-muted" id="puq-iso-none">{$puqLang.client_iso_no_storage|escape:'html'}</p>
    {elseif !$d.folders}
      <p class="text-muted" id="puq-iso-none">{$puqLang.client_iso_none|escape:'html'}</p>
    {else}
      <div class="list-group" id="puq-iso-folders">
        {foreach $d.folders as $f}
          <div class="list-group-item p-0 puq-iso-folder" data-folder="{$f.name|escape:'html'}">
            <button type="button" class="btn btn-link btn-block text-left px-3 py-2 puq-iso-toggle" aria-expanded="false">
              <i class="fas fa-folder"></i> <span class="puq-iso-fname">{$f.name|escape:'html'}</span> <span class="badge badge-secondary badge-pill ml-1">{$f.count|escape:'html'}</span>
            </button>
            <ul class="list-unstyled mb-0 d-none puq-iso-images">
              {foreach $f.images as $i}
                <li class="d-flex justify-content-between align-items-center px-4 py-1 border-top">
                  <span class="small text-monospace puq-iso-name">{$i.file|escape:'html'}</span>
                  <button type="button" class="btn btn-sm btn-outline-primary puq-iso-mount{if $d.refusal} puq-dim{/if}"{if $d.refusal} disabled{/if} data-volid="{$i.volid|escape:'html'}" data-file="{$i.file|escape:'html'}"><i class="fas fa-compact-disc"></i> {$puqLang.client_iso_mount|escape:'html'}</button>
                </li>
              {/foreach}
            </ul>
          </div>
        {/foreach}
      </div>
    {/if}
  </div>
</div>
{/block}
