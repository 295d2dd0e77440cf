{extends file="./_layout.tpl"}
{* Charts: CPU, RAM, disk I/O and network from Proxmox's RRD data, one time frame at a time (drawn by
   assets/charts.js with uPlot, served from the module). *}
{block name=content}
<div class="card mb-3">
  <div class="card-header d-flex flex-wrap align-items-center">
    <strong class="mr-auto">{$puqLang.client_charts_title|escape:'html'}</strong>
    <div class="btn-group btn-group-sm" role="group" id="puq-timeframes">
      {foreach $puq.data.timeframes as $tf}
        <button type="button" class="btn btn-outline-primary{if $tf@first} active{/if}" data-timeframe="{$tf|escape:'html'}">{$puqLang["client_tf_`$tf`"]|escape:'html'}</button>
      {/foreach}
    </div>
  </div>
  <div class="card-body">
    <p class="text-muted small mb-2" id="puq-chart-msg">{$puqLang.client_chart_loading|escape:'html'}</p>
    <div class="row">
      {foreach ['cpu' => 'client_chart_cpu', 'ram' => 'client_chart_ram', 'disk' => 'client_chart_disk', 'net' => 'client_chart_net'] as $c => $title}
        <div class="col-xl-6 mb-3">
          <h4 class="h6">{$puqLang[$title]|escape:'html'}</h4>
          <div class="puq-chart" data-chart="{$c}"></div>
        </div>
      {/foreach}
    </div>
  </div>
</div>
{/block}
{block name=scripts}
<link href="{$puqAssets|escape:'html'}/vendor/uplot/uPlot.min.css" rel="stylesheet">
<script src="{$puqAssets|escape:'html'}/vendor/uplot/uPlot.iife.min.js"></script>
<script src="{$puqAssets|escape:'html'}/charts.js"></script>
{/block}
