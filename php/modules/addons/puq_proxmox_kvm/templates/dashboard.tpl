{extends file="layout.tpl"}
{block name=content}
<div id="puq-dashboard">
  <div class="row puq-cards">
    <div class="col-sm-4 col-md-2">
      <a class="puq-card panel panel-default" href="{$modulelink}&amp;page=ip_pools" id="puq-card-ip-pools">
        <div class="panel-body"><i class="fas fa-network-wired"></i>
          <div class="puq-card-value">{$v.cards.ip_pools}</div><div class="puq-card-label">{$LANG.card_ip_pools}</div></div>
      </a>
    </div>
    <div class="col-sm-4 col-md-2">
      <a class="puq-card panel panel-default" href="{$modulelink}&amp;page=dns_zones" id="puq-card-dns-zones">
        <div class="panel-body"><i class="fas fa-globe"></i>
          <div class="puq-card-value">{if $v.cards.dns_zones === null}&ndash;{else}{$v.cards.dns_zones}{/if}</div>
          <div class="puq-card-label">{$LANG.card_dns_zones}</div></div>
      </a>
    </div>
    <div class="col-sm-4 col-md-2">
      <div class="puq-card panel panel-default" id="puq-card-services">
        <div class="panel-body"><i class="fas fa-server"></i>
          <div class="puq-card-value">{$v.cards.kvm_services}</div><div class="puq-card-label">{$LANG.card_kvm_services}</div></div>
      </div>
    </div>
    <div class="col-sm-6 col-md-3">
      <a class="puq-card panel panel-default" href="{$modulelink}&amp;page=vms" id="puq-card-vms">
        <div class="panel-body"><i class="fas fa-desktop"></i>
          <div class="puq-card-value">{$v.cards.vms}</div><div class="puq-card-label">{$LANG.card_vm_management}</div></div>
      </a>
    </div>
    <div class="col-sm-6 col-md-3">
      <a class="puq-card panel panel-default" href="{$modulelink}&amp;page=settings" id="puq-card-settings">
        <div class="panel-body"><i class="fas fa-cogs"></i>
          <div class="puq-card-value">&nbsp;</div><div class="puq-card-label">{$LANG.card_settings}</div></div>
      </a>
    </div>
  </div>

  <div class="panel panel-default" id="puq-health">
    <div class="panel-heading"><h3 class="panel-title">{$LANG.health_title}</h3></div>
    <div class="panel-body">
      <div class="puq-health-vms">
        <a class="label label-danger" id="puq-health-errors" href="{$modulelink}&amp;page=vms&amp;vm_state=error">
          {$LANG.health_vms_error}: <span class="puq-n">{$v.health.error}</span></a>
        <a class="label label-warning" id="puq-health-waiting" href="{$modulelink}&amp;page=vms&amp;vm_state=progress">
          {$LANG.health_vms_waiting}: <span class="puq-n">{$v.health.waiting}</span></a>
      </div>
      <div class="row">
        <div class="col-md-7">
          <h4>{$LANG.health_cron}</h4>
          <table class="table table-condensed" id="puq-health-cron">
            <thead><tr><th>{$LANG.cron_task}</th><th>{$LANG.cron_interval}</th><th>{$LANG.cron_last_run}</th><th>{$LANG.cron_state}</th></tr></thead>
            <tbody><tr><td colspan="4" class="text-muted">{$LANG.loading}</td></tr></tbody>
          </table>
        </div>
        <div class="col-md-5">
          <h4>{$LANG.health_servers}</h4>
          <table class="table table-condensed" id="puq-health-servers">
            <thead><tr><th>{$LANG.server}</th><th>{$LANG.health_server_state}</th></tr></thead>
            <tbody><tr><td colspan="2" class="text-muted">{$LANG.loading}</td></tr></tbody>
          </table>
        </div>
      </div>
    </div>
  </div>
  {if $v.legacy_import}
  <div class="panel panel-default" id="puq-legacy-import">
    <div class="panel-heading"><h3 class="panel-title">{$LANG.legacy_title}</h3></div>
    <div class="panel-body">
      <p class="text-muted small">{$LANG.legacy_intro} {$v.legacy_import.at|date_format:"%Y-%m-%d %H:%M:%S"}</p>
      {foreach $v.legacy_import.sections as $s}
        {if $s.imported || $s.skipped}
        <h4 class="puq-legacy-section">{$s.name} <small>{$s.source}</small></h4>
        <ul class="list-unstyled puq-legacy-list">
          {foreach $s.imported as $line}<li class="text-success puq-legacy-imported"><i class="fas fa-check"></i> {$line}</li>{/foreach}
          {foreach $s.skipped as $line}<li class="text-warning puq-legacy-skipped"><i class="fas fa-exclamation-triangle"></i> {$LANG.legacy_skipped}: {$line}</li>{/foreach}
        </ul>
        {/if}
      {/foreach}
    </div>
  </div>
  {/if}
  <div class="panel panel-default" id="puq-doctor">
    <div class="panel-heading">
      <button type="button" class="btn btn-primary btn-sm pull-right" id="puq-doctor-run"><i class="fas fa-stethoscope"></i> {$LANG.doctor_run}</button>
      <h3 class="panel-title">{$LANG.doctor_title}</h3>
      <div class="clearfix"></div>
    </div>
    <div class="panel-body">
      <p class="text-muted" id="puq-doctor-intro">{$LANG.doctor_intro}</p>
      <p class="puq-doctor-summary" id="puq-doctor-summary" hidden></p>
      <table class="table table-condensed puq-doctor-table" id="puq-doctor-results" hidden>
        <thead><tr><th class="puq-doctor-state">{$LANG.doctor_state}</th><th>{$LANG.doctor_check}</th><th>{$LANG.doctor_detail}</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </div>
  <p class="text-muted small" id="puq-version">PUQ Proxmox KVM {$v.module.version} &middot; {$LANG.schema} {$v.module.schema_version}/{$v.module.schema_latest}</p>
</div>
{/block}
{block name=scripts}<script src="{$assets}/page-dashboard.js"></script>{/block}
