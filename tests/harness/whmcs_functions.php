<?php
/**
 * Recording stand-ins for the WHMCS global functions the module calls. Each call is appended to
 * $GLOBALS['__whmcs_calls'] as ['fn' => name, 'args' => [...]] before it does what WHMCS does.
 * Loaded by bootstrap.php; needs the Harness class (Harness.php).
 */

if (!function_exists('harness_record')) {
    function harness_record(string $fn, array $args): void
    {
        $GLOBALS['__whmcs_calls'][] = ['fn' => $fn, 'args' => $args];
    }
}

// ---------------------------------------------------------------------------------------------------
// encrypt / decrypt — reversible, keyed by $cc_encryption_hash (AES-256-CBC, random IV, base64).
// ---------------------------------------------------------------------------------------------------

function harness_cipher_key(): string
{
    $hash = $GLOBALS['cc_encryption_hash'] ?? '';
    if (!is_string($hash) || $hash === '') {
        throw new \RuntimeException('harness: $cc_encryption_hash is not set');
    }
    return hash('sha256', 'whmcs-harness|' . $hash, true);
}

function encrypt($string)
{
    harness_record('encrypt', [$string]);
    return harness_encrypt((string) $string);
}

/** Like WHMCS: returns '' for input that is not something encrypt() produced with this key. */
function decrypt($string)
{
    harness_record('decrypt', [$string]);
    return harness_decrypt((string) $string);
}

/** encrypt() without recording the call (the harness's own use). */
function harness_encrypt(string $string): string
{
    $iv = random_bytes(16);
    $mac = substr(hash_hmac('sha256', $string, harness_cipher_key(), true), 0, 8);
    $cipher = openssl_encrypt($mac . $string, 'aes-256-cbc', harness_cipher_key(), OPENSSL_RAW_DATA, $iv);
    if ($cipher === false) {
        throw new \RuntimeException('harness: openssl_encrypt failed');
    }
    return base64_encode($iv . $cipher);
}

/** decrypt() without recording the call (the harness's own use). */
function harness_decrypt(string $string): string
{
    $raw = base64_decode((string) $string, true);
    if ($raw === false || strlen($raw) < 32) {
        return '';
    }
    $plain = openssl_decrypt(substr($raw, 16), 'aes-256-cbc', harness_cipher_key(), OPENSSL_RAW_DATA, substr($raw, 0, 16));
    if ($plain === false || strlen($plain) < 8) {
        return '';
    }
    $mac = substr($plain, 0, 8);
    $value = substr($plain, 8);
    if (!hash_equals(substr(hash_hmac('sha256', $value, harness_cipher_key(), true), 0, 8), $mac)) {
        return '';
    }
    return $value;
}

// ---------------------------------------------------------------------------------------------------
// Logging
// ---------------------------------------------------------------------------------------------------

/**
 * Writes tblmodulelog when Module Debug Logging is on (tblconfiguration ModuleDebugMode = 'on', which
 * bootstrap.php sets; Harness::setConfig('ModuleDebugMode', '') turns it off, as in WHMCS).
 * Arrays/objects are stored print_r'd; every non-empty string in $replaceVars is masked as '********'
 * in request, response and processed data.
 */
function logModuleCall($module, $action, $requestString = '', $responseData = '', $processedData = '', $replaceVars = [])
{
    harness_record('logModuleCall', [$module, $action, $requestString, $responseData, $processedData, $replaceVars]);
    if (Harness::config('ModuleDebugMode') !== 'on') {
        return;
    }
    $toText = static function ($value): string {
        if (is_array($value) || is_object($value)) {
            return print_r($value, true);
        }
        if (is_bool($value)) {
            return $value ? '1' : '';
        }
        return (string) $value;
    };
    $request = $toText($requestString);
    $response = $toText($responseData);
    $processed = $toText($processedData);
    $masks = [];
    foreach ((array) $replaceVars as $secret) {
        if (is_scalar($secret) && (string) $secret !== '') {
            $masks[] = (string) $secret;
        }
    }
    // Longest first, so a secret that contains another is masked whole.
    usort($masks, static fn ($a, $b) => strlen($b) <=> strlen($a));
    foreach ($masks as $secret) {
        $request = str_replace($secret, '********', $request);
        $response = str_replace($secret, '********', $response);
        $processed = str_replace($secret, '********', $processed);
    }
    Harness::insert('tblmodulelog', [
        'date' => date('Y-m-d H:i:s'),
        'module' => (string) $module,
        'action' => (string) $action,
        'request' => $request,
        'response' => $response,
        'arrdata' => $processed,
    ]);
}

function logActivity($message, $userId = 0)
{
    harness_record('logActivity', [$message, $userId]);
    // As WHMCS: in an admin's session the entry names that admin, else 'System'.
    $adminId = (int) ($_SESSION['adminid'] ?? 0);
    $admin = $adminId > 0 ? Harness::value('SELECT username FROM tbladmins WHERE id = ?', [$adminId]) : null;
    Harness::insert('tblactivitylog', [
        'date' => date('Y-m-d H:i:s'),
        'description' => (string) $message,
        'user' => $admin !== null && $admin !== false ? (string) $admin : 'System',
        'userid' => (int) $userId,
        'user_id' => 0,
        'admin_id' => $admin !== null && $admin !== false ? $adminId : 0,
        'ipaddr' => '',
    ]);
}

// ---------------------------------------------------------------------------------------------------
// Hooks
// ---------------------------------------------------------------------------------------------------

/** $GLOBALS['__whmcs_hooks'][$hookPoint][] = ['priority' => int, 'seq' => int, 'fn' => callable] */
function add_hook($hookPoint, $priority, $function, $rollbackFunction = '')
{
    harness_record('add_hook', [$hookPoint, $priority, $function]);
    if (!is_callable($function)) {
        throw new \InvalidArgumentException("add_hook($hookPoint): the hook function is not callable");
    }
    static $seq = 0;
    $GLOBALS['__whmcs_hooks'][(string) $hookPoint][] = [
        'priority' => (int) $priority,
        'seq' => $seq++,
        'fn' => $function,
    ];
}

/** Calls the hooks of $hookPoint, lowest priority number first (ties: registration order); returns their results. */
function run_hook($hookPoint, $vars = [])
{
    harness_record('run_hook', [$hookPoint, $vars]);
    $hooks = $GLOBALS['__whmcs_hooks'][(string) $hookPoint] ?? [];
    usort($hooks, static fn ($a, $b) => [$a['priority'], $a['seq']] <=> [$b['priority'], $b['seq']]);
    $results = [];
    foreach ($hooks as $hook) {
        $results[] = call_user_func($hook['fn'], $vars);
    }
    return $results;
}

// ---------------------------------------------------------------------------------------------------
// CSRF tokens
// ---------------------------------------------------------------------------------------------------

if (!class_exists('HarnessCsrfError', false)) {
    /** Thrown where WHMCS would stop the request with "Invalid CSRF Protection Token". */
    class HarnessCsrfError extends \RuntimeException
    {
    }
}

function harness_csrf_token(): string
{
    if (empty($GLOBALS['__whmcs_token'])) {
        $GLOBALS['__whmcs_token'] = bin2hex(random_bytes(20));
    }
    return $GLOBALS['__whmcs_token'];
}

/** 'form' (default): hidden input; 'link': '&token=…'; 'plain': the token. */
function generate_token($type = 'form')
{
    harness_record('generate_token', [$type]);
    $token = harness_csrf_token();
    if ($type === 'link') {
        return '&token=' . $token;
    }
    if ($type === 'plain') {
        return $token;
    }
    return '<input type="hidden" name="token" value="' . $token . '" />';
}

/** Checks $token, else $_POST['token'], else $_REQUEST['token']; throws HarnessCsrfError on mismatch. */
function check_token($namespace = 'WHMCS.default', $token = '')
{
    harness_record('check_token', [$namespace, $token]);
    if ($token === '' || $token === null) {
        $token = $_POST['token'] ?? ($_REQUEST['token'] ?? '');
    }
    if (!is_string($token) || !hash_equals(harness_csrf_token(), $token)) {
        throw new HarnessCsrfError('Invalid CSRF Protection Token');
    }
    return true;
}

// ---------------------------------------------------------------------------------------------------
// localAPI
// ---------------------------------------------------------------------------------------------------

function localAPI($command, $values = [], $adminUser = '')
{
    harness_record('localAPI', [$command, $values, $adminUser]);
    $values = is_array($values) ? $values : [];
    $key = strtolower((string) $command);
    $mock = Harness::apiMock($key);
    if ($mock !== null) {
        return $mock($values, $adminUser);
    }
    switch ($key) {
        case 'sendemail':
            // Crash tests: PUQ_HARNESS_KILL_SENDEMAIL=before|after kills this
            // process (SIGKILL) right before / after WHMCS accepts the email;
            // PUQ_HARNESS_MAIL_LOG=file records each accepted email as a JSON
            // line (emails sent by child cron processes).
            $kill = (string) getenv('PUQ_HARNESS_KILL_SENDEMAIL');
            if ($kill === 'before') {
                posix_kill(getmypid(), 9);
            }
            $r = Harness::apiSendEmail($values);
            $log = (string) getenv('PUQ_HARNESS_MAIL_LOG');
            if ($log !== '' && ($r['result'] ?? '') === 'success') {
                file_put_contents($log, json_encode(['messagename' => $values['messagename'] ?? '', 'id' => (int) ($values['id'] ?? 0)]) . "\n", FILE_APPEND | LOCK_EX);
            }
            if ($kill === 'after') {
                posix_kill(getmypid(), 9);
            }
            return $r;
        case 'encryptpassword':
            if (!isset($values['password2'])) {
                return ['result' => 'error', 'message' => 'Password is required'];
            }
            return ['result' => 'success', 'password' => harness_encrypt((string) $values['password2'])];
        case 'decryptpassword':
            if (!isset($values['password2'])) {
                return ['result' => 'error', 'message' => 'Password is required'];
            }
            return ['result' => 'success', 'password' => harness_decrypt((string) $values['password2'])];
        case 'getclientsdetails':
            return Harness::apiGetClientsDetails($values);
        case 'openticket':
            return Harness::apiOpenTicket($values);
        case 'updateclientproduct':
            return Harness::apiUpdateClientProduct($values);
        case 'logactivity':
            logActivity((string) ($values['description'] ?? ''), (int) ($values['clientid'] ?? 0));
            return ['result' => 'success'];
        default:
            return ['result' => 'error', 'message' => 'Command Not Found'];
    }
}
