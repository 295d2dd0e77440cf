{* The client area's frame: the module's menu on the left (every feature of the product, dimmed when the package
   does not include it), the page on the right. Every value is escaped here; strings come from the module's lang
   file ($puqLang); the script reads its data and strings from the JSON boot block. *}
<link href="{$puqAssets|escape:'html'}/client.css" rel="stylesheet">
<script type="application/json" id="puq-boot">{$puqBoot nofilter}</script>
<div class="puq-client" id="puq-client" data-page="{$puq.page|escape:'html'}" dir="{$puqDir|escape:'html'}" lang="{$puqLocale|escape:'html'}">
  {if $puq.menu}
  <nav class="card mb-3 puq-menu" aria-label="{$puqLang.client_menu_title|escape:'html'}">
    <div class="card-body p-2">
      <ul class="nav nav-pills flex-column flex-sm-row">
        {foreach $puq.menu as $item}
          <li class="nav-item">
          {if $item.allowed}
            <a href="{$puqBase|escape:'html'}{if $item.name != 'overview'}&amp;modop=custom&amp;a=client&amp;page={$item.name|escape:'url'}{/if}"
               class="nav-link{if $item.active} active{/if}" data-menu="{$item.name|escape:'html'}"{if $item.active} aria-current="page"{/if}>
              <i class="fas fa-fw puq-icon-{$item.name|escape:'html'}"></i> {$puqLang["client_menu_`$item.name`"]|escape:'html'}</a>
          {else}
            <span class="nav-link puq-dim" data-menu="{$item.name|escape:'html'}" aria-disabled="true" title="{$puqLang["client_why_`$item.why`"]|escape:'html'}">
              <i class="fas fa-fw puq-icon-{$item.name|escape:'html'}"></i> {$puqLang["client_menu_`$item.name`"]|escape:'html'} <i class="fas fa-lock puq-lock"></i></span>
          {/if}
          </li>
        {/foreach}
      </ul>
    </div>
  </nav>
  {/if}
  <div id="puq-flash"></div>
  {block name=content}{/block}
</div>
{block name=scripts}{/block}
<script src="{$puqAssets|escape:'html'}/client.js"></script>
