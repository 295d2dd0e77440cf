{extends file="layout.tpl"}
{block name=content}
<div id="puq-settings">
  <ul class="nav nav-pills puq-subnav" role="tablist">
    <li role="presentation" class="active"><a href="#puq-settings-general" id="puq-tab-general" role="tab" data-toggle="tab">{$LANG.settings_general}</a></li>
    <li role="presentation"><a href="#puq-settings-cron" id="puq-tab-cron" role="tab" data-toggle="tab">{$LANG.settings_cron}</a></li>
  </ul>
  <div class="tab-content">
    <div role="tabpanel" class="tab-pane active" id="puq-settings-general">
      <form id="puq-settings-form" class="form-horizontal" autocomplete="off" novalidate>
        <div class="alert alert-danger hidden puq-form-error"></div>
        <h4>{$LANG.settings_api_timeouts}</h4>
        {foreach ['default_timeout', 'heavy_timeout'] as $f}
          {assign var=lk value="set_"|cat:$f}{assign var=hk value="set_"|cat:$f|cat:"_help"}
          <div class="form-group">
            <label class="col-sm-3 control-label" for="puq-{$f}">{$LANG[$lk]}</label>
            <div class="col-sm-3"><div class="input-group">
              <input type="number" class="form-control" id="puq-{$f}" name="{$f}" value="{$v.settings[$f]}" min="{$v.ranges[$f].min}" max="{$v.ranges[$f].max}" required>
              <span class="input-group-addon">s</span></div></div>
            <div class="col-sm-6"><p class="help-block">{$LANG[$hk]} ({$LANG.range} {$v.ranges[$f].min}–{$v.ranges[$f].max})</p></div>
          </div>
        {/foreach}
        <h4>{$LANG.settings_migration}</h4>
        <div class="form-group">
          <label class="col-sm-3 control-label" for="puq-migration_enabled">{$LANG.set_migration_enabled}</label>
          <div class="col-sm-3"><div class="checkbox"><label><input type="checkbox" id="puq-migration_enabled" name="migration_enabled" value="1"{if $v.settings.migration_enabled} checked{/if}> {$LANG.yes}</label></div></div>
          <div class="col-sm-6"><p class="help-block">{$LANG.set_migration_enabled_help}</p></div>
        </div>
        <div class="form-group">
          <label class="col-sm-3 control-label" for="puq-migration_timeout">{$LANG.set_migration_timeout}</label>
          <div class="col-sm-3"><div class="input-group">
            <input type="number" class="form-control" id="puq-migration_timeout" name="migration_timeout" value="{$v.settings.migration_timeout}" min="{$v.ranges.migration_timeout.min}" max="{$v.ranges.migration_timeout.max}" required>
            <span class="input-group-addon">s</span></div></div>
          <div class="col-sm-6"><p class="help-block">{$LANG.set_migration_timeout_help} ({$LANG.range} {$v.ranges.migration_timeout.min}–{$v.ranges.migration_timeout.max})</p></div>
        </div>
        <h4>{$LANG.settings_processing}</h4>
        <div class="form-group">
          <label class="col-sm-3 control-label" for="puq-cron_workers">{$LANG.set_cron_workers}</label>
          <div class="col-sm-3"><input type="number" class="form-control" id="puq-cron_workers" name="cron_workers" value="{$v.settings.cron_workers}" min="{$v.ranges.cron_workers.min}" max="{$v.ranges.cron_workers.max}" required></div>
          <div class="col-sm-6"><p class="help-block">{$LANG.set_cron_workers_help} ({$LANG.range} {$v.ranges.cron_workers.min}–{$v.ranges.cron_workers.max})</p></div>
        </div>
        <h4>{$LANG.settings_module_data}</h4>
        <div class="form-group">
          <label class="col-sm-3 control-label" for="puq-delete_tables_on_deactivate">{$LANG.set_delete_tables}</label>
          <div class="col-sm-3"><div class="checkbox"><label><input type="checkbox" id="puq-delete_tables_on_deactivate" name="delete_tables_on_deactivate" value="1"{if $v.settings.delete_tables_on_deactivate} checked{/if}> {$LANG.yes}</label></div></div>
          <div class="col-sm-6"><p class="help-block">{$LANG.set_delete_tables_help}</p></div>
        </div>
        <div class="form-group"><div class="col-sm-offset-3 col-sm-9">
          <button type="submit" class="btn btn-primary" id="puq-settings-save"><i class="fas fa-save"></i> {$LANG.save}</button>
        </div></div>
      </form>
    </div>
    <div role="tabpanel" class="tab-pane" id="puq-settings-cron">
      <p class="text-muted">{$LANG.loading}</p>
    </div>
  </div>
</div>
{/block}
{block name=scripts}<script src="{$assets}/page-settings.js"></script>{/block}
