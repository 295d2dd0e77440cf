<?php
$_ADDONLANG['title'] = 'PUQ Proxmox KVM';
$_ADDONLANG['version'] = 'Module version';
$_ADDONLANG['schema'] = 'Database schema';
