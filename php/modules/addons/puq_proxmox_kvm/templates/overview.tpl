<div class="puq-proxmox-kvm">
  <h2>PUQ Proxmox KVM {$data.version|escape}</h2>
  {if $error}
    <div class="alert alert-danger" id="puq-error">{$error|escape}</div>
  {else}
    <table class="table" id="puq-overview">
      <tr><th>Module version</th><td>{$data.version|escape}</td></tr>
      <tr><th>Database schema</th><td>{$data.schema_version|escape} / {$data.schema_latest|escape}</td></tr>
      <tr><th>Default timeout</th><td>{$data.settings.default_timeout|escape} s</td></tr>
      <tr><th>Heavy operations timeout</th><td>{$data.settings.heavy_timeout|escape} s</td></tr>
    </table>
  {/if}
</div>
