<?php
/**
 * Legacy read-only DNS endpoint (spec: Addon Module > DNS Zones > "Legacy DNS endpoint (dns.php)"):
 * GET returns [{"forward", "ip", "reverse"}, ...] for every active service. It writes nothing.
 *
 * Access: only callers whose IP is on the DNS allowlist setting get an answer (403 otherwise; an empty
 * list refuses everyone). Set it with puq_dns_legacy_allowlist_set('203.0.113.5, 10.0.0.0/8'). As an
 * alternative or in addition, a .htaccess next to this file:
 *     order deny,allow
 *     deny from all
 *     allow from <allowed_IP_address>
 */

require_once dirname(__DIR__, 5) . '/init.php';

header('Content-Type: application/json');
try {
    $reply = puq_dns_legacy((string) ($_SERVER['REMOTE_ADDR'] ?? ''));
    http_response_code($reply['status']);
    echo $reply['body'];
} catch (\Throwable $e) {
    // No detail to an unauthenticated caller: it goes to the module log.
    if (function_exists('logModuleCall')) {
        logModuleCall('puqProxmoxKVM', 'dns.php', '', get_class($e) . ': ' . $e->getMessage(), '');
    }
    http_response_code(500);
    echo json_encode(['error' => 'internal error; see the WHMCS module log']);
}
