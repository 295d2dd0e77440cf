{* Frame of every addon page: navigation, messages, the page's boot data and scripts.
   Pages extend it and fill the "content" block (and "scripts" for their own JS). *}
<link rel="stylesheet" href="{$assets}/admin.css">
<div class="puq-admin" id="puq-page-{$page}" data-page="{$page}" dir="{$puqDir}" lang="{$puqLocale}">
  <ul class="nav nav-tabs puq-nav" role="tablist">
    {foreach $nav as $p}
      {assign var=navkey value="nav_"|cat:$p}
      <li role="presentation"{if $p == $page} class="active"{/if}>
        <a href="{$modulelink}&amp;page={$p}" id="puq-nav-{$p}">{$LANG[$navkey]|default:$p}</a>
      </li>
    {/foreach}
  </ul>
  <div id="puq-flash" class="puq-flash" aria-live="polite"></div>
  {if $error}
    <div class="alert alert-danger" id="puq-error"><strong>{$LANG.error_title}</strong> {$error}</div>
  {else}
    {block name=content}{/block}
  {/if}
</div>
<script type="application/json" id="puq-boot">{$boot_json nofilter}</script>
<script src="{$assets}/admin.js"></script>
{block name=scripts}{/block}
