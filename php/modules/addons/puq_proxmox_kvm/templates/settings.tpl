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
        <h4>{$LANG.settings_stop_windows}</h4>
        {foreach ['stop_timeout', 'force_stop_timeout'] as $f}
          {assign var=lk value="set_"|cat:$f}{assign var=hk value="set_"|cat:$f|cat:"_help"}
          <div class="form-group">
            <label class="col-sm-3 control-label" for="puq-{$f}">{$LANG[$lk]}</label>
            <div class="col-sm-3"><div class="input-group">
              <input type="number" class="form-control" id="puq-{$f}" name="{$f}" value="{$v.settings[$f]}" min="{$v.ranges[$f].min}" max="{$v.ranges[$f].max}" required>
              <span class="input-group-addon">s</span></div></div>
            <div class="col-sm-6"><p class="help-block">{$LANG[$hk]} ({$LANG.range} {$v.ranges[$f].min}–{$v.ranges[$f].max})</p></div>
          </div>
        {/foreach}
        <div class="form-group">
          <label class="col-sm-3 control-label" for="puq-lock_wait_minutes">{$LANG.set_lock_wait_minutes}</label>
          <div class="col-sm-3"><div class="input-group">
            <input type="number" class="form-control" id="puq-lock_wait_minutes" name="lock_wait_minutes" value="{$v.settings.lock_wait_minutes}" min="{$v.ranges.lock_wait_minutes.min}" max="{$v.ranges.lock_wait_minutes.max}" required>
            <span class="input-group-addon">{$LANG.minutes}</span></div></div>
          <div class="col-sm-6"><p class="help-block">{$LANG.set_lock_wait_minutes_help} ({$LANG.range} {$v.ranges.lock_wait_minutes.min}–{$v.ranges.lock_wait_minutes.max})</p></div>
        </div>
        <div class="form-group">
          <label class="col-sm-3 control-label" for="puq-client_fw_max_rules">{$LANG.set_client_fw_max_rules}</label>
          <div class="col-sm-3"><input type="number" class="form-control" id="puq-client_fw_max_rules" name="client_fw_max_rules" value="{$v.settings.client_fw_max_rules}" min="{$v.ranges.client_fw_max_rules.min}" max="{$v.ranges.client_fw_max_rules.max}" required></div>
          <div class="col-sm-6"><p class="help-block">{$LANG.set_client_fw_max_rules_help} ({$LANG.range} {$v.ranges.client_fw_max_rules.min}–{$v.ranges.client_fw_max_rules.max})</p></div>
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
        <h4>{$LANG.settings_dns_providers}</h4>
        <div class="form-group">
          <label class="col-sm-3 control-label" for="puq-dns_allow_loopback">{$LANG.set_dns_allow_loopback}</label>
          <div class="col-sm-3"><div class="checkbox"><label><input type="checkbox" id="puq-dns_allow_loopback" name="dns_allow_loopback" value="1"{if $v.settings.dns_allow_loopback} checked{/if}> {$LANG.yes}</label></div></div>
          <div class="col-sm-6"><p class="help-block">{$LANG.set_dns_allow_loopback_help}</p></div>
        </div>
        <h4>{$LANG.settings_legacy_dns}</h4>
        <div class="form-group">
          <label class="col-sm-3 control-label" for="puq-dns_legacy_allowlist">{$LANG.set_dns_legacy_allowlist}</label>
          <div class="col-sm-3"><textarea class="form-control puq-mono" id="puq-dns_legacy_allowlist" name="dns_legacy_allowlist" rows="2">{$v.dns_legacy_allowlist}</textarea></div>
          <div class="col-sm-6"><p class="help-block">{$LANG.set_dns_legacy_allowlist_help}</p></div>
        </div>
        <div class="alert alert-warning col-sm-offset-3{if !$v.dns_legacy_allowlist_open} hidden{/if}" id="puq-allowlist-open"><i class="fas fa-exclamation-triangle"></i> {$LANG.set_dns_legacy_allowlist_open}</div>
        <div class="form-group"><div class="col-sm-offset-3 col-sm-9">
          <button type="submit" class="btn btn-primary" id="puq-settings-save"><i class="fas fa-save"></i> {$LANG.save}</button>
        </div></div>
      </form>
    </div>
    <div role="tabpanel" class="tab-pane" id="puq-settings-cron">
      <form id="puq-cron-form" autocomplete="off" novalidate>
        <div class="alert alert-danger hidden puq-form-error"></div>
        <h4>{$LANG.cron_mode}</h4>
        <div class="form-group puq-cron-modes">
          <div class="radio"><label><input type="radio" name="cron_mode" id="puq-cron-mode-hook" value="hook"{if $v.settings.cron_mode == 'hook'} checked{/if}> <strong>{$LANG.cron_mode_hook}</strong> — {$LANG.cron_mode_hook_help}</label></div>
          <div class="radio"><label><input type="radio" name="cron_mode" id="puq-cron-mode-standalone" value="standalone"{if $v.settings.cron_mode == 'standalone'} checked{/if}> <strong>{$LANG.cron_mode_standalone}</strong> — {$LANG.cron_mode_standalone_help}</label></div>
        </div>
        <div class="well well-sm puq-cron-line" id="puq-cron-line-hook" data-mode="hook">
          <p>{$LANG.cron_line_hook}</p>
          <pre class="puq-mono" id="puq-crontab-whmcs">{$v.crontab.whmcs}</pre>
        </div>
        <div class="well well-sm puq-cron-line" id="puq-cron-line-standalone" data-mode="standalone">
          <p>{$LANG.cron_line_standalone}</p>
          <pre class="puq-mono" id="puq-crontab-standalone">{$v.crontab.standalone}</pre>
          {if !$v.crontab.known}<p class="text-warning">{$LANG.cron_line_unknown}</p>{/if}
          <p class="help-block">{$LANG.cron_line_cli}</p>
        </div>
        <h4>{$LANG.cron_tasks}</h4>
        <table class="table table-condensed table-striped puq-cron-table" id="puq-cron-tasks">
          <thead><tr>
            <th>{$LANG.cron_task}</th><th>{$LANG.cron_interval_min}</th><th>{$LANG.cron_last_run}</th>
            <th>{$LANG.cron_next_due}</th><th>{$LANG.cron_last_result}</th><th>{$LANG.cron_lock}</th>
          </tr></thead>
          <tbody>
            {foreach $v.cron.tasks as $t}
              {assign var=nk value="cron_task_"|cat:$t.key}{assign var=ik value="interval_"|cat:$t.key}
              <tr data-task="{$t.key}">
                <td><strong>{$LANG[$nk]|default:$t.key}</strong><span class="puq-sub puq-mono">{$t.cli}</span></td>
                <td class="puq-interval"><div class="form-group">
                  <div class="input-group input-group-sm">
                    <input type="number" class="form-control" id="puq-interval_{$t.key}" name="interval_{$t.key}" value="{$t.interval}" min="{$v.ranges[$ik].min}" max="{$v.ranges[$ik].max}" aria-label="{$LANG.cron_interval_min}">
                    <span class="input-group-addon">{$LANG.minutes}</span>
                  </div>
                  <span class="puq-sub">{$LANG.cron_default} {$t.default_interval}</span>
                </div></td>
                <td class="puq-last-run"></td>
                <td class="puq-next-due"></td>
                <td class="puq-last-result"></td>
                <td class="puq-lock"></td>
              </tr>
            {/foreach}
          </tbody>
        </table>
        <p class="help-block">{$LANG.cron_interval_help}</p>
        <div class="puq-toolbar">
          <button type="submit" class="btn btn-primary" id="puq-cron-save"><i class="fas fa-save"></i> {$LANG.save}</button>
          <button type="button" class="btn btn-default" id="puq-cron-refresh"><i class="fas fa-sync-alt"></i> {$LANG.refresh}</button>
          <button type="button" class="btn btn-warning" id="puq-cron-clear-locks"><i class="fas fa-unlock"></i> {$LANG.cron_clear_locks}</button>
        </div>
        <p class="help-block">{$LANG.cron_clear_locks_help}</p>
        <ul class="list-unstyled hidden" id="puq-cron-locks-result"></ul>
      </form>
    </div>
  </div>
</div>
{/block}
{block name=scripts}<script src="{$assets}/page-settings.js"></script>{/block}
