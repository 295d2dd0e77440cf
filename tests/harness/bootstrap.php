<?php
/**
 * WHMCS test harness — require it first in every PHP test script:
 *
 *     require __DIR__ . '/../harness/bootstrap.php';
 *
 * It creates a fresh MariaDB database for this process and loads schema.sql, sets the globals WHMCS's
 * configuration.php sets ($db_host, $db_port, $db_username, $db_password, $db_name, $cc_encryption_hash …),
 * defines WHMCS and ROOTDIR, defines recording versions of the WHMCS functions the module calls, the
 * Harness class and the assertion helpers. See README.md next to this file.
 *
 * Environment:
 *   PUQ_TEST_DB_HOST (127.0.0.1)  PUQ_TEST_DB_PORT (33306)  PUQ_TEST_DB_USER (whmcs)
 *   PUQ_TEST_DB_PASS (whmcs-test-pw)
 *   PUQ_TEST_DB_NAME   use (and keep) this database instead of a fresh one; schema loaded if missing
 *   PUQ_TEST_KEEP_DB=1 do not drop the fresh database at exit (its name goes to stderr)
 *   PUQ_TEST_ROOTDIR   WHMCS root holding modules/ (default: <repo>/php)
 *   PUQ_TEST_LENIENT=1 do not turn PHP warnings/notices into exceptions
 */

if (defined('PUQ_HARNESS_LOADED')) {
    return;
}
define('PUQ_HARNESS_LOADED', true);

error_reporting(E_ALL);
ini_set('display_errors', 'stderr');
ini_set('log_errors', '0');
if (!ini_get('date.timezone')) {
    date_default_timezone_set('UTC');
}
@ini_set('assert.exception', '1');
if ((int) ini_get('zend.assertions') !== 1) {
    // zend.assertions can only be switched between 0 and 1 at run time; -1 (production) needs -d.
    if (@ini_set('zend.assertions', '1') === false) {
        fwrite(STDERR, "harness: note: zend.assertions is off; run php with -d zend.assertions=1 -d assert.exception=1\n");
    }
}

// Warnings and notices are bugs in a test run (WHMCS logs them); deprecations are only reported.
if (getenv('PUQ_TEST_LENIENT') !== '1') {
    set_error_handler(static function (int $errno, string $errstr, string $errfile = '', int $errline = 0): bool {
        if (!(error_reporting() & $errno)) {
            return false; // silenced with @
        }
        if ($errno === E_DEPRECATED || $errno === E_USER_DEPRECATED) {
            fwrite(STDERR, "PHP Deprecated: $errstr in $errfile:$errline\n");
            return true;
        }
        throw new \ErrorException($errstr, 0, $errno, $errfile, $errline);
    });
}

// ---- constants and configuration.php globals ------------------------------------------------------

if (!defined('WHMCS')) {
    define('WHMCS', true);
}
if (!defined('ROOTDIR')) {
    $__root = getenv('PUQ_TEST_ROOTDIR') ?: dirname(__DIR__, 2) . '/php';
    define('ROOTDIR', rtrim(realpath($__root) ?: $__root, '/'));
    unset($__root);
}

$GLOBALS['db_host'] = getenv('PUQ_TEST_DB_HOST') ?: '127.0.0.1';
$GLOBALS['db_port'] = (string) (getenv('PUQ_TEST_DB_PORT') ?: '33306');
$GLOBALS['db_username'] = getenv('PUQ_TEST_DB_USER') ?: 'whmcs';
$GLOBALS['db_password'] = getenv('PUQ_TEST_DB_PASS') !== false ? (string) getenv('PUQ_TEST_DB_PASS') : 'whmcs-test-pw';
$GLOBALS['db_name'] = '';
$GLOBALS['cc_encryption_hash'] = getenv('PUQ_TEST_CC_HASH') ?: bin2hex(random_bytes(32));
$GLOBALS['mysql_charset'] = 'utf8';
$GLOBALS['templates_compiledir'] = sys_get_temp_dir() . '/puq-harness-tplc-' . getmypid();
$GLOBALS['customadminpath'] = 'admin';
$GLOBALS['__whmcs_calls'] = [];
$GLOBALS['__whmcs_hooks'] = [];

require_once __DIR__ . '/assert.php';
require_once __DIR__ . '/Harness.php';
require_once __DIR__ . '/whmcs_functions.php';

Harness::setUpDatabase(__DIR__ . '/schema.sql');

// WHMCS always has Smarty loaded; so does the harness (Debian's smarty4).
if (!class_exists('Smarty', false) && is_file('/usr/share/php/smarty4/bootstrap.php')) {
    require_once '/usr/share/php/smarty4/bootstrap.php';
}
