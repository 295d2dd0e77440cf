<?php
/**
 * Harness — fixtures, $params building and entry-point calls for the WHMCS test harness.
 * Loaded by bootstrap.php. All methods are static; one database per PHP process.
 */

final class Harness
{
    public const SERVER_MODULE = 'puqProxmoxKVM';
    public const ADDON_MODULE = 'puq_proxmox_kvm';

    /** Option types as stored in tblproductconfigoptions.optiontype. */
    public const OPT_DROPDOWN = 1;
    public const OPT_RADIO = 2;
    public const OPT_YESNO = 3;
    public const OPT_QUANTITY = 4;

    private static ?PDO $pdo = null;
    private static string $dbName = '';
    private static bool $dropAtExit = false;
    private static int $ownerPid = 0;
    private static int $counter = 0;
    /** @var array<string, callable> lower-case command => handler */
    private static array $apiMocks = [];
    /** @var list<array> */
    private static array $emails = [];
    /** @var list<array> */
    private static array $tickets = [];
    private static ?string $smartyCompileDir = null;

    // =============================================================================================
    // Database
    // =============================================================================================

    /** Called once by bootstrap.php. */
    public static function setUpDatabase(string $schemaFile): void
    {
        $host = $GLOBALS['db_host'];
        $port = $GLOBALS['db_port'];
        $dsn = "mysql:host=$host;port=$port;charset=utf8mb4";
        try {
            $server = new PDO($dsn, $GLOBALS['db_username'], $GLOBALS['db_password'], self::pdoOptions());
        } catch (PDOException $e) {
            throw new RuntimeException(
                "harness: cannot connect to MariaDB at $host:$port as {$GLOBALS['db_username']}: {$e->getMessage()}\n"
                . "Start one with: tests/services/mariadb.sh start /tmp/puq-db $port "
                . "(and set PUQ_TEST_DB_PORT=$port)"
            );
        }

        $given = getenv('PUQ_TEST_DB_NAME');
        if ($given !== false && $given !== '') {
            if (!preg_match('/^[A-Za-z0-9_]{1,64}$/', $given)) {
                throw new RuntimeException("harness: PUQ_TEST_DB_NAME must match [A-Za-z0-9_]{1,64}, got '$given'");
            }
            $name = $given;
            self::$dropAtExit = false;
        } else {
            $name = 'whmcs_t' . getmypid() . '_' . bin2hex(random_bytes(4));
            self::$dropAtExit = getenv('PUQ_TEST_KEEP_DB') !== '1';
        }
        $server->exec("CREATE DATABASE IF NOT EXISTS `$name` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        $server = null;

        self::$pdo = new PDO("$dsn;dbname=$name", $GLOBALS['db_username'], $GLOBALS['db_password'], self::pdoOptions());
        self::$dbName = $name;
        self::$ownerPid = getmypid();
        $GLOBALS['db_name'] = $name;

        $hasSchema = (bool) self::value(
            'SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?',
            [$name, 'tblhosting']
        );
        if (!$hasSchema) {
            self::loadSqlFile($schemaFile);
        }
        foreach (self::defaultConfiguration() as $setting => $value) {
            if (self::config($setting) === null) {
                self::setConfig($setting, $value);
            }
        }

        register_shutdown_function([self::class, 'tearDown']);
        if (getenv('PUQ_TEST_KEEP_DB') === '1' && ($given === false || $given === '')) {
            fwrite(STDERR, "harness: keeping database $name\n");
        }
    }

    private static function pdoOptions(): array
    {
        return [
            PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
            PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC,
            // Native prepares, as Laravel/Eloquent in WHMCS: int columns come back as PHP ints.
            PDO::ATTR_EMULATE_PREPARES => false,
            PDO::ATTR_STRINGIFY_FETCHES => false,
        ];
    }

    private static function defaultConfiguration(): array
    {
        return [
            'ModuleDebugMode' => 'on',
            'Language' => 'english',
            'CompanyName' => 'Harness Hosting',
            'Email' => 'billing@whmcs.test',
            'SystemURL' => 'https://whmcs.test/',
            'Domain' => 'https://whmcs.test/',
            'Version' => '8.13.1-release.1',
        ];
    }

    /** Executes a file of statements separated by ';' at line ends (comments with -- allowed). */
    public static function loadSqlFile(string $file): void
    {
        $sql = file_get_contents($file);
        if ($sql === false) {
            throw new RuntimeException("harness: cannot read $file");
        }
        $sql = preg_replace('/^\s*--.*$/m', '', $sql);
        foreach (preg_split('/;\s*$/m', $sql) as $statement) {
            if (trim($statement) !== '') {
                try {
                    self::pdo()->exec($statement);
                } catch (PDOException $e) {
                    throw new RuntimeException("harness: $file: {$e->getMessage()}\nin: " . substr(trim($statement), 0, 200));
                }
            }
        }
    }

    /** Drops the per-process database (shutdown function). */
    public static function tearDown(): void
    {
        if (self::$pdo !== null && self::$dropAtExit && getmypid() === self::$ownerPid) {
            try {
                self::$pdo->exec('DROP DATABASE IF EXISTS `' . self::$dbName . '`');
            } catch (Throwable $e) {
                fwrite(STDERR, 'harness: could not drop ' . self::$dbName . ': ' . $e->getMessage() . "\n");
            }
            self::$dropAtExit = false;
        }
        if (self::$smartyCompileDir !== null && getmypid() === self::$ownerPid) {
            self::removeTree(self::$smartyCompileDir);
            self::$smartyCompileDir = null;
        }
    }

    public static function pdo(): PDO
    {
        if (self::$pdo === null) {
            throw new RuntimeException('harness: database not set up (require bootstrap.php first)');
        }
        return self::$pdo;
    }

    public static function dbName(): string
    {
        return self::$dbName;
    }

    /** @return list<array<string, mixed>> */
    public static function query(string $sql, array $args = []): array
    {
        $st = self::pdo()->prepare($sql);
        $st->execute($args);
        return $st->columnCount() > 0 ? $st->fetchAll() : [];
    }

    public static function row(string $sql, array $args = []): ?array
    {
        $rows = self::query($sql, $args);
        return $rows[0] ?? null;
    }

    /** First column of the first row, or null. */
    public static function value(string $sql, array $args = [])
    {
        $st = self::pdo()->prepare($sql);
        $st->execute($args);
        $v = $st->fetchColumn();
        return $v === false ? null : $v;
    }

    public static function exec(string $sql, array $args = []): int
    {
        $st = self::pdo()->prepare($sql);
        $st->execute($args);
        return $st->rowCount();
    }

    /** INSERT one row; returns the new auto-increment id (0 for tables without one). */
    public static function insert(string $table, array $row): int
    {
        self::checkIdent($table);
        $cols = array_keys($row);
        array_walk($cols, [self::class, 'checkIdent']);
        $sql = "INSERT INTO `$table` (`" . implode('`, `', $cols) . '`) VALUES (' . implode(', ', array_fill(0, count($cols), '?')) . ')';
        $st = self::pdo()->prepare($sql);
        $st->execute(array_values(array_map([self::class, 'dbValue'], $row)));
        return (int) self::pdo()->lastInsertId();
    }

    /** UPDATE $table SET $set WHERE col = value AND …; returns affected rows. */
    public static function update(string $table, array $set, array $where): int
    {
        self::checkIdent($table);
        $sets = $args = [];
        foreach ($set as $col => $val) {
            self::checkIdent($col);
            $sets[] = "`$col` = ?";
            $args[] = self::dbValue($val);
        }
        $conds = [];
        foreach ($where as $col => $val) {
            self::checkIdent($col);
            $conds[] = "`$col` = ?";
            $args[] = self::dbValue($val);
        }
        if (!$sets || !$conds) {
            throw new InvalidArgumentException('harness: update needs SET and WHERE columns');
        }
        return self::exec("UPDATE `$table` SET " . implode(', ', $sets) . ' WHERE ' . implode(' AND ', $conds), $args);
    }

    private static function dbValue($v)
    {
        return is_bool($v) ? (int) $v : $v;
    }

    private static function checkIdent($name): void
    {
        if (!is_string($name) || !preg_match('/^[A-Za-z0-9_]+$/', $name)) {
            throw new InvalidArgumentException('harness: bad SQL identifier ' . var_export($name, true));
        }
    }

    /** tblconfiguration value, or null when the setting does not exist. */
    public static function config(string $setting): ?string
    {
        $v = self::value('SELECT `value` FROM tblconfiguration WHERE setting = ? LIMIT 1', [$setting]);
        return $v === null ? null : (string) $v;
    }

    public static function setConfig(string $setting, string $value): void
    {
        $now = date('Y-m-d H:i:s');
        if (self::exec('UPDATE tblconfiguration SET `value` = ?, updated_at = ? WHERE setting = ?', [$value, $now, $setting]) === 0
            && self::config($setting) === null) {
            self::insert('tblconfiguration', ['setting' => $setting, 'value' => $value, 'created_at' => $now, 'updated_at' => $now]);
        }
    }

    // =============================================================================================
    // Fixtures
    // =============================================================================================

    private static function next(): int
    {
        return ++self::$counter;
    }

    private static function now(): string
    {
        return date('Y-m-d H:i:s');
    }

    private static function rejectUnknown(string $table, array $defaults, array $overrides): void
    {
        $unknown = array_diff(array_keys($overrides), array_keys($defaults));
        if ($unknown) {
            throw new InvalidArgumentException("harness: unknown $table column(s): " . implode(', ', $unknown));
        }
    }

    /**
     * tblservers row. 'password' in $overrides is plain text and is stored encrypted (as WHMCS does).
     * Defaults: type puqProxmoxKVM, hostname/ipaddress 127.0.0.1, username root@pam!whmcs, secure 'on',
     * port 8006, accesshash '', assignedips '', active 1, disabled 0, maxaccounts 0.
     */
    public static function createServer(array $overrides = []): int
    {
        $n = self::next();
        $defaults = [
            'name' => "Proxmox $n", 'ipaddress' => '127.0.0.1', 'assignedips' => '', 'hostname' => '127.0.0.1',
            'monthlycost' => '0.00', 'noc' => '', 'statusaddress' => '',
            'nameserver1' => '', 'nameserver1ip' => '', 'nameserver2' => '', 'nameserver2ip' => '',
            'nameserver3' => '', 'nameserver3ip' => '', 'nameserver4' => '', 'nameserver4ip' => '',
            'nameserver5' => '', 'nameserver5ip' => '', 'maxaccounts' => 0, 'type' => self::SERVER_MODULE,
            'username' => 'root@pam!whmcs', 'password' => 'server-secret', 'accesshash' => '', 'secure' => 'on',
            'port' => 8006, 'active' => 1, 'disabled' => 0,
        ];
        self::rejectUnknown('tblservers', $defaults, $overrides);
        $row = array_merge($defaults, $overrides);
        $row['password'] = harness_encrypt((string) $row['password']);
        return self::insert('tblservers', $row);
    }

    /** tblservergroups (+ tblservergroupsrel rows). filltype 1 = add to the least full server, 2 = fill until full. */
    public static function createServerGroup(string $name = '', array $serverIds = [], int $filltype = 1): int
    {
        $id = self::insert('tblservergroups', ['name' => $name !== '' ? $name : 'Group ' . self::next(), 'filltype' => $filltype]);
        foreach ($serverIds as $sid) {
            self::insert('tblservergroupsrel', ['groupid' => $id, 'serverid' => (int) $sid]);
        }
        return $id;
    }

    public static function createProductGroup(array $overrides = []): int
    {
        $n = self::next();
        $defaults = [
            'name' => "Group $n", 'slug' => "group-$n", 'headline' => null, 'tagline' => null, 'orderfrmtpl' => '',
            'disabledgateways' => '', 'hidden' => 0, 'order' => 0, 'created_at' => self::now(), 'updated_at' => self::now(),
        ];
        self::rejectUnknown('tblproductgroups', $defaults, $overrides);
        return self::insert('tblproductgroups', array_merge($defaults, $overrides));
    }

    /**
     * tblproducts row: type 'server', servertype puqProxmoxKVM, configoption1..24 ''. Without 'gid' a
     * product group is created.
     */
    public static function createProduct(array $overrides = []): int
    {
        $n = self::next();
        $defaults = [
            'type' => 'server', 'gid' => 0, 'name' => "KVM Product $n", 'slug' => "kvm-product-$n", 'description' => '',
            'hidden' => 0, 'showdomainoptions' => 0, 'welcomeemail' => 0, 'stockcontrol' => 0, 'qty' => 0,
            'proratabilling' => 0, 'proratadate' => 0, 'proratachargenextmonth' => 0, 'paytype' => 'recurring',
            'allowqty' => 0, 'subdomain' => '', 'autosetup' => 'payment', 'servertype' => self::SERVER_MODULE,
            'servergroup' => 0,
        ];
        for ($i = 1; $i <= 24; $i++) {
            $defaults["configoption$i"] = '';
        }
        $defaults += [
            'freedomain' => '', 'freedomainpaymentterms' => '', 'freedomaintlds' => '', 'recurringcycles' => 0,
            'autoterminatedays' => 0, 'autoterminateemail' => 0, 'configoptionsupgrade' => 0,
            'billingcycleupgrade' => '', 'upgradeemail' => 0, 'overagesenabled' => '', 'overagesdisklimit' => 0,
            'overagesbwlimit' => 0, 'overagesdiskprice' => '0.0000', 'overagesbwprice' => '0.0000', 'tax' => 0,
            'affiliateonetime' => 0, 'affiliatepaytype' => '', 'affiliatepayamount' => '0.00', 'order' => 0,
            'retired' => 0, 'is_featured' => 0, 'color' => '', 'tagline' => '', 'short_description' => '',
            'created_at' => self::now(), 'updated_at' => self::now(),
        ];
        self::rejectUnknown('tblproducts', $defaults, $overrides);
        $row = array_merge($defaults, $overrides);
        if ((int) $row['gid'] === 0) {
            $row['gid'] = self::createProductGroup();
        }
        return self::insert('tblproducts', $row);
    }

    /** tblclients row with every NOT NULL column filled ('password' is stored hashed). */
    public static function createClient(array $overrides = []): int
    {
        $n = self::next();
        $defaults = [
            'uuid' => self::uuid(), 'firstname' => 'Test', 'lastname' => "Client$n", 'companyname' => '',
            'email' => "client$n@example.test", 'address1' => '1 Test Street', 'address2' => '', 'city' => 'Berlin',
            'state' => 'Berlin', 'postcode' => '10115', 'country' => 'DE', 'phonenumber' => '+49.301234567',
            'tax_id' => '', 'password' => 'client-password', 'authmodule' => '', 'authdata' => '', 'currency' => 1,
            'defaultgateway' => '', 'credit' => '0.00', 'taxexempt' => 0, 'latefeeoveride' => 0,
            'overideduenotices' => 0, 'separateinvoices' => 0, 'disableautocc' => 0, 'datecreated' => date('Y-m-d'),
            'notes' => '', 'billingcid' => 0, 'securityqid' => 0, 'securityqans' => '', 'groupid' => 0,
            'cardtype' => '', 'cardlastfour' => '', 'cardnum' => '', 'startdate' => '', 'expdate' => '',
            'issuenumber' => '', 'bankname' => '', 'banktype' => '', 'bankcode' => '', 'bankacct' => '',
            'gatewayid' => '', 'lastlogin' => null, 'ip' => '', 'host' => '', 'status' => 'Active',
            'language' => '', 'pwresetkey' => '', 'emailoptout' => 0, 'marketing_emails_opt_in' => 0,
            'overrideautoclose' => 0, 'allow_sso' => 1, 'email_verified' => 0, 'email_preferences' => null,
            'created_at' => self::now(), 'updated_at' => self::now(), 'pwresetexpiry' => '0000-00-00 00:00:00',
        ];
        self::rejectUnknown('tblclients', $defaults, $overrides);
        $row = array_merge($defaults, $overrides);
        $row['password'] = password_hash((string) $row['password'], PASSWORD_DEFAULT);
        return self::insert('tblclients', $row);
    }

    /**
     * tblhosting row (domainstatus Pending; every NOT NULL column filled). 'password' in $overrides is plain
     * text and is stored encrypted, as WHMCS does; without it a random 12-character password is used.
     */
    public static function createService(int $clientId, int $productId, int $serverId, array $overrides = []): int
    {
        $n = self::next();
        $due = date('Y-m-d', strtotime('+1 month'));
        $defaults = [
            'userid' => $clientId, 'orderid' => 0, 'packageid' => $productId, 'server' => $serverId,
            'regdate' => date('Y-m-d'), 'domain' => "vm$n.example.test", 'paymentmethod' => 'banktransfer',
            'qty' => 1, 'firstpaymentamount' => '10.00', 'amount' => '10.00', 'billingcycle' => 'Monthly',
            'nextduedate' => $due, 'nextinvoicedate' => $due, 'termination_date' => '0000-00-00',
            'completed_date' => '0000-00-00', 'domainstatus' => 'Pending', 'username' => '',
            'password' => self::randomPassword(12), 'notes' => '', 'subscriptionid' => '', 'promoid' => 0,
            'promocount' => 0, 'suspendreason' => '', 'overideautosuspend' => 0,
            'overidesuspenduntil' => '0000-00-00', 'dedicatedip' => '', 'assignedips' => '', 'ns1' => '',
            'ns2' => '', 'diskusage' => 0, 'disklimit' => 0, 'bwusage' => 0, 'bwlimit' => 0,
            'lastupdate' => '0000-00-00 00:00:00', 'created_at' => self::now(), 'updated_at' => self::now(),
        ];
        self::rejectUnknown('tblhosting', $defaults, $overrides);
        $row = array_merge($defaults, $overrides);
        $row['password'] = harness_encrypt((string) $row['password']);
        return self::insert('tblhosting', $row);
    }

    /** Product-type email template (or another $type: general, admin, …). */
    public static function createEmailTemplate(string $name, string $subject = 'Subject', string $message = 'Message', string $type = 'product', array $overrides = []): int
    {
        $defaults = [
            'type' => $type, 'name' => $name, 'subject' => $subject, 'message' => $message, 'attachments' => '',
            'fromname' => '', 'fromemail' => '', 'disabled' => 0, 'custom' => 1, 'language' => '', 'copyto' => '',
            'blind_copy_to' => '', 'plaintext' => 0, 'created_at' => self::now(), 'updated_at' => self::now(),
        ];
        self::rejectUnknown('tblemailtemplates', $defaults, $overrides);
        return self::insert('tblemailtemplates', array_merge($defaults, $overrides));
    }

    public static function createTicketDepartment(string $name = 'Support', array $overrides = []): int
    {
        $defaults = [
            'name' => $name, 'description' => '', 'email' => 'support@whmcs.test', 'clientsonly' => '',
            'piperepliesonly' => '', 'noautoresponder' => '', 'hidden' => '', 'order' => 1, 'host' => '',
            'port' => '', 'login' => '', 'password' => '', 'feedback_request' => 0,
        ];
        self::rejectUnknown('tblticketdepartments', $defaults, $overrides);
        return self::insert('tblticketdepartments', array_merge($defaults, $overrides));
    }

    /**
     * An administrator role holding exactly the WHMCS permission ids $permIds (tbladminperms rows), as
     * Setup > Staff Management > Administrator Roles saves it. E.g. [11, 46] (View Clients
     * Products/Services, Addon Modules) without 14 (Perform Server Operations).
     */
    public static function createRole(string $name, array $permIds): int
    {
        $role = self::insert('tbladminroles', ['name' => $name, 'widgets' => '', 'reports' => '']);
        foreach (array_unique(array_map('intval', $permIds)) as $perm) {
            self::insert('tbladminperms', ['roleid' => $role, 'permid' => $perm]);
        }
        return $role;
    }

    public static function createAdmin(string $username = 'admin', array $overrides = []): int
    {
        $defaults = [
            'uuid' => self::uuid(), 'roleid' => 1, 'username' => $username, 'password' => '',
            'passwordhash' => password_hash('admin-password', PASSWORD_DEFAULT), 'authmodule' => '', 'authdata' => '',
            'firstname' => 'Admin', 'lastname' => 'User', 'email' => "$username@whmcs.test", 'signature' => '',
            'notes' => '', 'template' => 'blend', 'language' => 'english', 'disabled' => 0, 'loginattempts' => 0,
            'supportdepts' => '', 'ticketnotifications' => '', 'homewidgets' => '', 'password_reset_key' => '',
            'password_reset_data' => '', 'password_reset_expiry' => '0000-00-00 00:00:00', 'hidden_widgets' => '',
            'widget_order' => '', 'created_at' => self::now(), 'updated_at' => self::now(),
        ];
        self::rejectUnknown('tbladmins', $defaults, $overrides);
        return self::insert('tbladmins', array_merge($defaults, $overrides));
    }

    /**
     * Adds a configurable option to product $pid (creating the product's configurable-option group and
     * link on first use) and, with $serviceId, selects a value for that service.
     *
     * $optionName may be 'name|Friendly Name'. $subOptions: list of sub-option names ('2|2 Cores'), or of
     * arrays ['2|2 Cores', 'hidden' => 0]. For yes/no and quantity options one sub-option is enough (it is
     * created from the option name when $subOptions is empty).
     * $selected: for dropdown/radio the sub-option's full name or its part before '|' (null = first);
     * for yes/no and quantity the quantity (bool or int).
     * $opts: type (1 dropdown, 2 radio, 3 yesno, 4 quantity, or those words), qtyminimum, qtymaximum,
     * hidden, order.
     * Returns the configid (tblproductconfigoptions.id).
     */
    public static function addConfigOption(int $pid, string $optionName, array $subOptions = [], ?int $serviceId = null, $selected = null, array $opts = []): int
    {
        $type = self::optionType($opts['type'] ?? self::OPT_DROPDOWN);
        $gid = self::value('SELECT gid FROM tblproductconfiglinks WHERE pid = ? ORDER BY id LIMIT 1', [$pid]);
        if ($gid === null) {
            $gid = self::insert('tblproductconfiggroups', ['name' => "Options for product $pid", 'description' => '']);
            self::insert('tblproductconfiglinks', ['gid' => $gid, 'pid' => $pid]);
        }
        $configId = self::insert('tblproductconfigoptions', [
            'gid' => (int) $gid, 'optionname' => $optionName, 'optiontype' => (string) $type,
            'qtyminimum' => (int) ($opts['qtyminimum'] ?? 0), 'qtymaximum' => (int) ($opts['qtymaximum'] ?? 0),
            'order' => (int) ($opts['order'] ?? 0), 'hidden' => (int) ($opts['hidden'] ?? 0),
        ]);
        if (!$subOptions && ($type === self::OPT_YESNO || $type === self::OPT_QUANTITY)) {
            $subOptions = [$optionName];
        }
        if (!$subOptions) {
            throw new InvalidArgumentException("harness: dropdown/radio option '$optionName' needs sub-options");
        }
        foreach (array_values($subOptions) as $i => $sub) {
            $subName = is_array($sub) ? (string) ($sub['optionname'] ?? $sub[0]) : (string) $sub;
            $hidden = is_array($sub) ? (int) ($sub['hidden'] ?? 0) : 0;
            self::insert('tblproductconfigoptionssub', [
                'configid' => $configId, 'optionname' => $subName, 'sortorder' => $i, 'hidden' => $hidden,
            ]);
        }
        if ($serviceId !== null) {
            self::setServiceConfigOption($serviceId, $configId, $selected);
        }
        return $configId;
    }

    /** Selects a value of configurable option $configId for service $serviceId (see addConfigOption). */
    public static function setServiceConfigOption(int $serviceId, int $configId, $selected = null): void
    {
        $option = self::row('SELECT * FROM tblproductconfigoptions WHERE id = ?', [$configId]);
        if ($option === null) {
            throw new InvalidArgumentException("harness: no configurable option $configId");
        }
        $subs = self::query('SELECT id, optionname FROM tblproductconfigoptionssub WHERE configid = ? ORDER BY sortorder, id', [$configId]);
        $type = (int) $option['optiontype'];
        $qty = 0;
        if ($type === self::OPT_YESNO || $type === self::OPT_QUANTITY) {
            $optionId = (int) $subs[0]['id'];
            $qty = $type === self::OPT_YESNO ? ($selected ? 1 : 0) : (int) $selected;
        } else {
            $optionId = null;
            foreach ($subs as $sub) {
                $valuePart = trim(explode('|', $sub['optionname'], 2)[0]);
                if ($selected === null || $selected === $sub['optionname'] || (string) $selected === $valuePart) {
                    $optionId = (int) $sub['id'];
                    break;
                }
            }
            if ($optionId === null) {
                throw new InvalidArgumentException("harness: option $configId has no sub-option " . var_export($selected, true));
            }
        }
        self::exec('DELETE FROM tblhostingconfigoptions WHERE relid = ? AND configid = ?', [$serviceId, $configId]);
        self::insert('tblhostingconfigoptions', ['relid' => $serviceId, 'configid' => $configId, 'optionid' => $optionId, 'qty' => $qty]);
    }

    private static function optionType($type): int
    {
        $map = ['dropdown' => 1, 'radio' => 2, 'yesno' => 3, 'quantity' => 4];
        if (is_string($type) && isset($map[strtolower($type)])) {
            return $map[strtolower($type)];
        }
        $t = (int) $type;
        if ($t < 1 || $t > 4) {
            throw new InvalidArgumentException('harness: option type must be 1-4 or dropdown/radio/yesno/quantity');
        }
        return $t;
    }

    /**
     * Product custom field (tblcustomfields type 'product', relid = pid); with $serviceId also its value.
     * $opts: fieldtype (text), description, fieldoptions, regexpr, adminonly, required, showorder, showinvoice,
     * sortorder. Returns the field id.
     */
    public static function addCustomField(int $pid, string $fieldName, ?int $serviceId = null, string $value = '', array $opts = []): int
    {
        $defaults = [
            'fieldtype' => 'text', 'description' => '', 'fieldoptions' => '', 'regexpr' => '', 'adminonly' => '',
            'required' => '', 'showorder' => 'on', 'showinvoice' => '', 'sortorder' => 0,
        ];
        self::rejectUnknown('tblcustomfields', $defaults, $opts);
        $fieldId = self::insert('tblcustomfields', array_merge($defaults, $opts, [
            'type' => 'product', 'relid' => $pid, 'fieldname' => $fieldName,
            'created_at' => self::now(), 'updated_at' => self::now(),
        ]));
        if ($serviceId !== null) {
            self::setCustomFieldValue($fieldId, $serviceId, $value);
        }
        return $fieldId;
    }

    public static function setCustomFieldValue(int $fieldId, int $serviceId, string $value): void
    {
        $now = self::now();
        if (self::exec('UPDATE tblcustomfieldsvalues SET `value` = ?, updated_at = ? WHERE fieldid = ? AND relid = ?', [$value, $now, $fieldId, $serviceId]) === 0
            && self::value('SELECT id FROM tblcustomfieldsvalues WHERE fieldid = ? AND relid = ?', [$fieldId, $serviceId]) === null) {
            self::insert('tblcustomfieldsvalues', ['fieldid' => $fieldId, 'relid' => $serviceId, 'value' => $value, 'created_at' => $now, 'updated_at' => $now]);
        }
    }

    /** The tblhosting row of a service (password still encrypted). */
    public static function service(int $serviceId): array
    {
        $row = self::row('SELECT * FROM tblhosting WHERE id = ?', [$serviceId]);
        if ($row === null) {
            throw new InvalidArgumentException("harness: no service $serviceId");
        }
        return $row;
    }

    // =============================================================================================
    // $params as WHMCS builds them for server-module calls
    // =============================================================================================

    /**
     * Builds $params for service $serviceId the way WHMCS's server-module layer does: service fields,
     * configoption1..24, customfields and configoptions (names and values cut at the first '|'; yes/no and
     * quantity options give the quantity), model, then the server fields (serversecure and server are
     * booleans, serverport falls back to the module's DefaultSSLPort/DefaultNonSSLPort), then clientsdetails.
     * Integer columns arrive as PHP ints (as Eloquent returns them), text columns as strings.
     */
    public static function params(int $serviceId): array
    {
        $svc = self::service($serviceId);
        $product = self::row('SELECT * FROM tblproducts WHERE id = ?', [$svc['packageid']]);
        if ($product === null) {
            throw new RuntimeException("harness: service $serviceId points at missing product {$svc['packageid']}");
        }
        $pid = (int) $svc['packageid'];
        $p = [
            'accountid' => (int) $svc['id'],
            'serviceid' => (int) $svc['id'],
            'addonId' => 0,
            'userid' => (int) $svc['userid'],
            'domain' => $svc['domain'],
            'username' => $svc['username'],
            'password' => html_entity_decode(harness_decrypt((string) $svc['password']), ENT_QUOTES),
            'packageid' => $pid,
            'pid' => $pid,
            'serverid' => (int) $svc['server'],
            'status' => $svc['domainstatus'],
            'type' => $product['type'],
            'producttype' => $product['type'],
            'moduletype' => $product['servertype'],
        ];
        for ($i = 1; $i <= 24; $i++) {
            $p["configoption$i"] = $product["configoption$i"];
        }

        $customFields = [];
        $rows = self::query(
            "SELECT f.fieldname, v.value FROM tblcustomfields f
               JOIN tblcustomfieldsvalues v ON v.fieldid = f.id
              WHERE v.relid = ? AND f.relid = ? AND f.type = 'product' ORDER BY f.sortorder, f.id",
            [$serviceId, $pid]
        );
        foreach ($rows as $r) {
            $customFields[self::beforePipe((string) $r['fieldname'])] = self::beforePipe((string) $r['value']);
        }
        $p['customfields'] = $customFields;

        $configOptions = [];
        $rows = self::query(
            'SELECT o.optionname AS configname, o.optiontype, s.optionname AS subname, h.qty
               FROM tblproductconfigoptions o
               JOIN tblhostingconfigoptions h ON h.configid = o.id
               JOIN tblproductconfigoptionssub s ON s.id = h.optionid
               JOIN tblproductconfiglinks l ON l.gid = o.gid
              WHERE h.relid = ? AND l.pid = ? ORDER BY o.`order`, o.id',
            [$serviceId, $pid]
        );
        foreach ($rows as $r) {
            $type = (int) $r['optiontype'];
            $value = ($type === self::OPT_YESNO || $type === self::OPT_QUANTITY)
                ? (int) $r['qty']
                : self::beforePipe((string) $r['subname']);
            $configOptions[self::beforePipe((string) $r['configname'])] = $value;
        }
        $p['configoptions'] = $configOptions;

        $model = new stdClass();
        foreach ($svc as $k => $v) {
            $model->$k = $v;
        }
        $model->id = (int) $svc['id'];
        $p['model'] = $model;

        $p = array_merge($p, self::serverParams((int) $svc['server']));
        $p['clientsdetails'] = self::clientsDetails((int) $svc['userid']);
        return $p;
    }

    /** The server part of $params (what WHMCS passes alone to TestConnection). */
    public static function serverParams(int $serverId): array
    {
        $s = $serverId > 0 ? self::row('SELECT * FROM tblservers WHERE id = ?', [$serverId]) : null;
        if ($s === null) {
            return [
                'server' => false, 'serverip' => '', 'serverhostname' => '', 'serverusername' => '',
                'serverpassword' => '', 'serveraccesshash' => '', 'serversecure' => false,
                'serverhttpprefix' => '', 'serverport' => '',
            ];
        }
        $secure = (string) $s['secure'] !== '';
        $port = $s['port'];
        if (!$port) {
            $meta = self::serverMetaData();
            $port = $meta[$secure ? 'DefaultSSLPort' : 'DefaultNonSSLPort'] ?? '';
        }
        return [
            'server' => true,
            'serverid' => (int) $s['id'],
            'serverip' => $s['ipaddress'],
            'serverhostname' => $s['hostname'],
            'serverusername' => html_entity_decode((string) $s['username'], ENT_QUOTES),
            'serverpassword' => html_entity_decode(harness_decrypt((string) $s['password']), ENT_QUOTES),
            'serveraccesshash' => html_entity_decode((string) $s['accesshash'], ENT_QUOTES),
            'serversecure' => $secure,
            'serverhttpprefix' => $secure ? 'https' : 'http',
            'serverport' => $port,
        ];
    }

    /** clientsdetails as WHMCS passes them (the usual keys of WHMCS\Client::getDetails()). */
    public static function clientsDetails(int $clientId): array
    {
        $c = self::row('SELECT * FROM tblclients WHERE id = ?', [$clientId]);
        if ($c === null) {
            return [];
        }
        [$cc, $number] = strpos((string) $c['phonenumber'], '.') !== false
            ? explode('.', ltrim((string) $c['phonenumber'], '+'), 2)
            : ['', (string) $c['phonenumber']];
        return [
            'userid' => (int) $c['id'], 'client_id' => (int) $c['id'], 'id' => (int) $c['id'], 'uuid' => $c['uuid'],
            'firstname' => $c['firstname'], 'lastname' => $c['lastname'],
            'fullname' => trim($c['firstname'] . ' ' . $c['lastname']), 'companyname' => $c['companyname'],
            'email' => $c['email'], 'address1' => $c['address1'], 'address2' => $c['address2'], 'city' => $c['city'],
            'fullstate' => $c['state'], 'state' => $c['state'], 'statecode' => $c['state'], 'postcode' => $c['postcode'],
            'countrycode' => $c['country'], 'country' => $c['country'], 'countryname' => $c['country'],
            'phonecc' => $cc, 'phonenumber' => $number, 'phonenumberformatted' => $c['phonenumber'],
            'telephoneNumber' => $c['phonenumber'], 'tax_id' => $c['tax_id'], 'billingcid' => (int) $c['billingcid'],
            'notes' => $c['notes'], 'currency' => (int) $c['currency'], 'currency_code' => 'USD',
            'defaultgateway' => $c['defaultgateway'], 'groupid' => (int) $c['groupid'], 'status' => $c['status'],
            'credit' => $c['credit'], 'taxexempt' => (bool) $c['taxexempt'], 'latefeeoveride' => (bool) $c['latefeeoveride'],
            'overideduenotices' => (bool) $c['overideduenotices'], 'separateinvoices' => (bool) $c['separateinvoices'],
            'disableautocc' => (bool) $c['disableautocc'], 'emailoptout' => (bool) $c['emailoptout'],
            'marketing_emails_opt_in' => (bool) $c['marketing_emails_opt_in'],
            'overrideautoclose' => (bool) $c['overrideautoclose'], 'allowSingleSignOn' => (int) $c['allow_sso'],
            'language' => $c['language'], 'lastlogin' => $c['lastlogin'] ?? 'No Login Logged',
        ];
    }

    private static function beforePipe(string $s): string
    {
        return strpos($s, '|') ? trim(explode('|', $s, 2)[0]) : $s;
    }

    // =============================================================================================
    // Calling the module
    // =============================================================================================

    public static function serverModuleFile(): string
    {
        return ROOTDIR . '/modules/servers/' . self::SERVER_MODULE . '/' . self::SERVER_MODULE . '.php';
    }

    public static function addonModuleDir(): string
    {
        return ROOTDIR . '/modules/addons/' . self::ADDON_MODULE;
    }

    public static function loadServerModule(): void
    {
        $file = self::serverModuleFile();
        if (!is_file($file)) {
            throw new RuntimeException("harness: server module not found at $file");
        }
        require_once $file;
    }

    public static function loadAddonModule(): void
    {
        $file = self::addonModuleDir() . '/' . self::ADDON_MODULE . '.php';
        if (!is_file($file)) {
            throw new RuntimeException("harness: addon module not found at $file");
        }
        require_once $file;
    }

    /** MetaData() of the server module, or [] when the module file does not exist yet. */
    public static function serverMetaData(): array
    {
        if (!is_file(self::serverModuleFile())) {
            return [];
        }
        self::loadServerModule();
        $fn = self::SERVER_MODULE . '_MetaData';
        return function_exists($fn) ? (array) $fn() : [];
    }

    /**
     * Calls puqProxmoxKVM_<$fn>($params) with params($serviceId) plus 'action' (create, suspend, …, as
     * WHMCS adds it) and $extra merged over them. Throws when the function does not exist.
     */
    public static function callServer(string $fn, int $serviceId, array $extra = [])
    {
        self::loadServerModule();
        $func = self::SERVER_MODULE . '_' . $fn;
        if (!function_exists($func)) {
            throw new RuntimeException("harness: $func() is not defined by " . self::serverModuleFile());
        }
        $actions = [
            'CreateAccount' => 'create', 'SuspendAccount' => 'suspend', 'UnsuspendAccount' => 'unsuspend',
            'TerminateAccount' => 'terminate', 'ChangePassword' => 'changepw', 'ChangePackage' => 'upgrade',
        ];
        $params = array_merge(self::params($serviceId), ['action' => $actions[$fn] ?? $fn], $extra);
        $GLOBALS['moduleparams'] = $params;
        return $func($params);
    }

    /** Calls puqProxmoxKVM_<$fn>($params) with the given params as they are (ConfigOptions, MetaData, loaders…). */
    public static function callServerWith(string $fn, array $params = [])
    {
        self::loadServerModule();
        $func = self::SERVER_MODULE . '_' . $fn;
        if (!function_exists($func)) {
            throw new RuntimeException("harness: $func() is not defined by " . self::serverModuleFile());
        }
        return $func($params);
    }

    /** TestConnection as WHMCS calls it from the server configuration page: server params only. */
    public static function testConnection(int $serverId)
    {
        return self::callServerWith('TestConnection', self::serverParams($serverId) + ['action' => 'TestConnection']);
    }

    /**
     * A module command the way WHMCS runs it (ModuleCreate & co.): Pre… hook (abortcmd honoured), the module
     * call, then on 'success' the status change (Create/Unsuspend → Active, Suspend → Suspended with
     * suspendreason, Terminate → Terminated), an activity-log line and the After… hook; on failure the
     * activity-log line and the After…Failed hook. Returns what the module returned.
     */
    public static function moduleCommand(string $fn, int $serviceId, array $extra = [])
    {
        $names = [
            'CreateAccount' => 'Create', 'SuspendAccount' => 'Suspend', 'UnsuspendAccount' => 'Unsuspend',
            'TerminateAccount' => 'Terminate', 'ChangePackage' => 'ChangePackage', 'ChangePassword' => 'ChangePassword',
            'Renew' => 'Renew',
        ];
        if (!isset($names[$fn])) {
            throw new InvalidArgumentException("harness: moduleCommand supports " . implode(', ', array_keys($names)));
        }
        $name = $names[$fn];
        self::loadHooks();
        $params = array_merge(self::params($serviceId), $extra);
        foreach (run_hook("PreModule$name", ['params' => $params]) as $r) {
            if (is_array($r) && !empty($r['abortcmd'])) {
                return 'Function Aborted by Action Hook Code';
            }
        }
        $result = self::callServer($fn, $serviceId, $extra);
        $userId = (int) $params['userid'];
        $label = ['Create' => 'Create', 'Suspend' => 'Suspend', 'Unsuspend' => 'Unsuspend', 'Terminate' => 'Terminate',
            'ChangePackage' => 'Change Package', 'ChangePassword' => 'Password Change', 'Renew' => 'Renew'][$name];
        if ($result === 'success') {
            $status = ['Create' => 'Active', 'Unsuspend' => 'Active', 'Suspend' => 'Suspended', 'Terminate' => 'Terminated'][$name] ?? null;
            if ($status !== null) {
                $set = ['domainstatus' => $status, 'updated_at' => self::now()];
                if ($name === 'Suspend') {
                    $set['suspendreason'] = (string) ($extra['suspendreason'] ?? '');
                } elseif ($name === 'Unsuspend') {
                    $set['suspendreason'] = '';
                } elseif ($name === 'Terminate') {
                    $set['termination_date'] = date('Y-m-d');
                }
                self::update('tblhosting', $set, ['id' => $serviceId]);
            }
            logActivity("Module $label Successful - Service ID: $serviceId", $userId);
            run_hook("AfterModule$name", ['params' => array_merge(self::params($serviceId), $extra)]);
        } else {
            $message = is_string($result) ? $result : var_export($result, true);
            logActivity("Module $label Failed - Service ID: $serviceId - Error: $message", $userId);
            run_hook("AfterModule{$name}Failed", ['params' => $params, 'failureResponseMessage' => $message]);
        }
        return $result;
    }

    /**
     * Calls the ClientArea function and renders what it returns (templatefile + vars, or
     * tabOverviewReplacementTemplate + templateVariables) with Smarty; returns the HTML.
     */
    public static function renderClientArea(int $serviceId, array $extra = [], array $templateVars = []): string
    {
        $result = self::callServer('ClientArea', $serviceId, $extra);
        if (is_string($result)) {
            return $result;
        }
        if (!is_array($result)) {
            throw new RuntimeException('harness: ClientArea returned ' . gettype($result));
        }
        $dir = dirname(self::serverModuleFile());
        if (isset($result['tabOverviewReplacementTemplate'])) {
            $file = $dir . '/' . $result['tabOverviewReplacementTemplate'];
            $vars = (array) ($result['templateVariables'] ?? []);
        } elseif (isset($result['templatefile'])) {
            $file = $dir . '/' . $result['templatefile'];
            $vars = (array) ($result['vars'] ?? []);
        } else {
            throw new RuntimeException('harness: ClientArea result has no template: ' . implode(', ', array_keys($result)));
        }
        if (substr($file, -4) !== '.tpl') {
            $file .= '.tpl';
        }
        return self::renderSmarty($file, array_merge(['moduleParams' => self::params($serviceId)], $vars, $templateVars));
    }

    // =============================================================================================
    // Addon module
    // =============================================================================================

    /** tbladdonmodules settings of the addon as [setting => value]. */
    public static function addonSettings(): array
    {
        $out = [];
        foreach (self::query('SELECT setting, `value` FROM tbladdonmodules WHERE module = ?', [self::ADDON_MODULE]) as $r) {
            $out[$r['setting']] = $r['value'];
        }
        return $out;
    }

    public static function setAddonSetting(string $name, string $value): void
    {
        self::exec('DELETE FROM tbladdonmodules WHERE module = ? AND setting = ?', [self::ADDON_MODULE, $name]);
        self::insert('tbladdonmodules', ['module' => self::ADDON_MODULE, 'setting' => $name, 'value' => $value]);
    }

    /** $_ADDONLANG from the addon's lang/<language>.php (english.php as fallback), or []. */
    public static function addonLang(?string $language = null): array
    {
        $language = $language ?? (self::config('Language') ?: 'english');
        $dir = self::addonModuleDir() . '/lang/';
        $file = is_file($dir . $language . '.php') ? $dir . $language . '.php' : $dir . 'english.php';
        if (!is_file($file)) {
            return [];
        }
        return (static function (string $__file): array {
            $_ADDONLANG = [];
            include $__file;
            return is_array($_ADDONLANG) ? $_ADDONLANG : [];
        })($file);
    }

    /**
     * Calls puq_proxmox_kvm_<$fn> like WHMCS does:
     *  - config: returns _config().
     *  - activate: _activate(); on status success/info stores 'version' (from _config), 'access' => '1'
     *    and the Default of each config field not yet set. Returns the result array.
     *  - deactivate: _deactivate(); on success removes the addon's tbladdonmodules rows.
     *  - upgrade: _upgrade($vars) with $vars['version'] = the stored (previous) version, then stores the
     *    new version.
     *  - output: _output($vars) — returns the echoed HTML (string).
     *  - sidebar / clientarea / anything else: returns what the function returns.
     * $vars for output/sidebar/clientarea/upgrade: saved settings + modulelink, version, _lang, overlaid by $vars.
     */
    public static function callAddon(string $fn, array $vars = [])
    {
        self::loadAddonModule();
        $func = self::ADDON_MODULE . '_' . $fn;
        if (!function_exists($func)) {
            throw new RuntimeException("harness: $func() is not defined");
        }
        $configFn = self::ADDON_MODULE . '_config';
        $config = function_exists($configFn) ? (array) $configFn() : [];

        switch ($fn) {
            case 'config':
                return $config;
            case 'activate':
                $result = $func();
                if (is_array($result) && in_array($result['status'] ?? '', ['success', 'info'], true)) {
                    $settings = self::addonSettings();
                    self::setAddonSetting('version', (string) ($config['version'] ?? ''));
                    if (!isset($settings['access'])) {
                        self::setAddonSetting('access', '1');
                    }
                    foreach ((array) ($config['fields'] ?? []) as $key => $field) {
                        if (!isset($settings[$key]) && is_array($field) && array_key_exists('Default', $field)) {
                            self::setAddonSetting((string) $key, (string) $field['Default']);
                        }
                    }
                }
                return $result;
            case 'deactivate':
                $result = $func();
                if (is_array($result) && in_array($result['status'] ?? '', ['success', 'info'], true)) {
                    self::exec('DELETE FROM tbladdonmodules WHERE module = ?', [self::ADDON_MODULE]);
                }
                return $result;
        }

        $settings = self::addonSettings();
        $all = array_merge($settings, [
            'modulelink' => 'addonmodules.php?module=' . self::ADDON_MODULE,
            'version' => $settings['version'] ?? (string) ($config['version'] ?? ''),
            '_lang' => self::addonLang(),
        ], $vars);

        if ($fn === 'upgrade') {
            $result = $func($all);
            self::setAddonSetting('version', (string) ($config['version'] ?? ''));
            return $result;
        }
        if ($fn === 'output') {
            ob_start();
            try {
                $func($all);
            } finally {
                $html = (string) ob_get_clean();
            }
            return $html;
        }
        return $func($all);
    }

    /** Loads the addon's and the server module's hooks.php (once each), as WHMCS does on every request. */
    public static function loadHooks(): void
    {
        foreach ([self::addonModuleDir() . '/hooks.php', dirname(self::serverModuleFile()) . '/hooks.php'] as $file) {
            if (is_file($file)) {
                require_once $file;
            }
        }
    }

    /** Requires the hooks files and runs the $hookPoint (AfterCronJob) hooks; returns their results. */
    public static function runCronHook(string $hookPoint = 'AfterCronJob', array $vars = []): array
    {
        self::loadHooks();
        return run_hook($hookPoint, $vars);
    }

    // =============================================================================================
    // Recordings
    // =============================================================================================

    /** Recorded WHMCS function calls (all, or those of $fn) as ['fn' => …, 'args' => […]]. */
    public static function calls(?string $fn = null): array
    {
        $calls = $GLOBALS['__whmcs_calls'] ?? [];
        if ($fn === null) {
            return $calls;
        }
        return array_values(array_filter($calls, static fn ($c) => strcasecmp($c['fn'], $fn) === 0));
    }

    /** localAPI calls of one command: list of [$values, $adminUser]. */
    public static function apiCalls(string $command): array
    {
        $out = [];
        foreach (self::calls('localAPI') as $c) {
            if (strcasecmp((string) $c['args'][0], $command) === 0) {
                $out[] = [$c['args'][1], $c['args'][2]];
            }
        }
        return $out;
    }

    public static function resetCalls(): void
    {
        $GLOBALS['__whmcs_calls'] = [];
        self::$emails = [];
        self::$tickets = [];
    }

    /** Emails accepted by localAPI SendEmail: messagename, id, customvars (decoded), subject, message, type. */
    public static function sentEmails(): array
    {
        return self::$emails;
    }

    /** Tickets opened through localAPI OpenTicket. */
    public static function tickets(): array
    {
        return self::$tickets;
    }

    /** Replace a localAPI command: $handler(array $values, string $adminUser): array. null removes it. */
    public static function mockApi(string $command, ?callable $handler): void
    {
        if ($handler === null) {
            unset(self::$apiMocks[strtolower($command)]);
        } else {
            self::$apiMocks[strtolower($command)] = $handler;
        }
    }

    /** @internal used by localAPI() */
    public static function apiMock(string $command): ?callable
    {
        return self::$apiMocks[$command] ?? null;
    }

    // ---- localAPI commands ------------------------------------------------------------------------

    /** @internal localAPI SendEmail */
    public static function apiSendEmail(array $v): array
    {
        $id = (int) ($v['id'] ?? 0);
        $customVars = [];
        if (isset($v['customvars']) && $v['customvars'] !== '') {
            if (is_array($v['customvars'])) {
                $customVars = $v['customvars'];
            } else {
                $raw = base64_decode((string) $v['customvars'], true);
                $decoded = $raw === false ? false : @unserialize($raw, ['allowed_classes' => false]);
                if (!is_array($decoded)) {
                    return ['result' => 'error', 'message' => 'customvars must be base64_encode(serialize(array))'];
                }
                $customVars = $decoded;
            }
        }

        if (!empty($v['customtype'])) {
            $type = (string) $v['customtype'];
            if (empty($v['customsubject']) || empty($v['custommessage'])) {
                return ['result' => 'error', 'message' => 'A subject and message are required for a custom email'];
            }
            $name = '';
            $subject = (string) $v['customsubject'];
            $message = (string) $v['custommessage'];
        } else {
            $name = (string) ($v['messagename'] ?? '');
            if ($name === '') {
                return ['result' => 'error', 'message' => 'A messagename or customtype is required'];
            }
            // WHMCS sends the translation in the client's language (tblclients.language, else the system
            // default) when the template has one, else the master (language '').
            $lang = '';
            if ($id > 0) {
                $uid = (int) self::value("SELECT userid FROM tblhosting WHERE id = ?", [$id]);
                $lang = (string) (self::value('SELECT language FROM tblclients WHERE id = ?', [$uid]) ?? '');
            }
            $lang = $lang !== '' ? $lang : (string) (self::config('Language') ?? '');
            $tpl = self::row("SELECT * FROM tblemailtemplates WHERE name = ? AND (language = ? OR language = '') ORDER BY (language = ?) DESC, id LIMIT 1", [$name, $lang, $lang]);
            if ($tpl === null) {
                return ['result' => 'error', 'message' => 'Email Template not found'];
            }
            if ((int) $tpl['disabled'] === 1) {
                return ['result' => 'error', 'message' => 'Email Template is disabled'];
            }
            $type = (string) $tpl['type'];
            $subject = (string) $tpl['subject'];
            $message = (string) $tpl['message'];
        }

        if ($id <= 0) {
            return ['result' => 'error', 'message' => 'A related id is required'];
        }
        $mergeFields = [];
        if ($type === 'product') {
            $svc = self::row('SELECT * FROM tblhosting WHERE id = ?', [$id]);
            if ($svc === null) {
                return ['result' => 'error', 'message' => 'Invalid related id: no service ' . $id];
            }
            $client = self::clientsDetails((int) $svc['userid']);
            $mergeFields = [
                'service_id' => (int) $svc['id'], 'service_domain' => $svc['domain'],
                'service_username' => $svc['username'], 'service_dedicated_ip' => $svc['dedicatedip'],
                'service_status' => $svc['domainstatus'],
                'client_id' => $client['id'] ?? 0, 'client_name' => $client['fullname'] ?? '',
                'client_first_name' => $client['firstname'] ?? '', 'client_email' => $client['email'] ?? '',
            ];
        } elseif ($type === 'general') {
            $client = self::clientsDetails($id);
            if (!$client) {
                return ['result' => 'error', 'message' => 'Invalid related id: no client ' . $id];
            }
            $mergeFields = [
                'client_id' => $client['id'], 'client_name' => $client['fullname'],
                'client_first_name' => $client['firstname'], 'client_email' => $client['email'],
            ];
        }
        $mergeFields += ['company_name' => self::config('CompanyName'), 'whmcs_url' => self::config('SystemURL')];

        try {
            $vars = array_merge($mergeFields, $customVars);
            $renderedSubject = self::renderSmarty('string:' . $subject, $vars);
            $renderedMessage = self::renderSmarty('string:' . $message, $vars);
        } catch (Throwable $e) {
            return ['result' => 'error', 'message' => 'Email template could not be parsed: ' . $e->getMessage()];
        }
        self::$emails[] = [
            'messagename' => $name, 'id' => $id, 'type' => $type, 'customvars' => $customVars,
            'subject' => $renderedSubject, 'message' => $renderedMessage,
        ];
        return ['result' => 'success'];
    }

    /** @internal localAPI GetClientsDetails */
    public static function apiGetClientsDetails(array $v): array
    {
        $id = (int) ($v['clientid'] ?? 0);
        if ($id <= 0 && !empty($v['email'])) {
            $id = (int) self::value('SELECT id FROM tblclients WHERE email = ?', [(string) $v['email']]);
        }
        $details = $id > 0 ? self::clientsDetails($id) : [];
        if (!$details) {
            return ['result' => 'error', 'message' => 'Client Not Found'];
        }
        return ['result' => 'success', 'userid' => $details['id'], 'id' => $details['id'], 'client' => $details] + $details;
    }

    /** @internal localAPI OpenTicket */
    public static function apiOpenTicket(array $v): array
    {
        $dept = (int) ($v['deptid'] ?? 0);
        if ($dept <= 0 || self::value('SELECT id FROM tblticketdepartments WHERE id = ?', [$dept]) === null) {
            return ['result' => 'error', 'message' => 'Department ID not found'];
        }
        if (trim((string) ($v['subject'] ?? '')) === '') {
            return ['result' => 'error', 'message' => 'Subject is Required'];
        }
        if (trim((string) ($v['message'] ?? '')) === '') {
            return ['result' => 'error', 'message' => 'Message is Required'];
        }
        $clientId = (int) ($v['clientid'] ?? 0);
        if ($clientId > 0 && self::value('SELECT id FROM tblclients WHERE id = ?', [$clientId]) === null) {
            return ['result' => 'error', 'message' => 'Client ID Not Found'];
        }
        if ($clientId <= 0 && (empty($v['name']) || empty($v['email']))) {
            return ['result' => 'error', 'message' => 'Name and email address are required if not a client'];
        }
        $id = count(self::$tickets) + 1;
        $tid = sprintf('%06d', 100000 + $id);
        self::$tickets[] = ['id' => $id, 'tid' => $tid] + $v;
        return ['result' => 'success', 'id' => $id, 'tid' => $tid, 'c' => substr(sha1($tid), 0, 8)];
    }

    /** @internal localAPI UpdateClientProduct (the common fields) */
    public static function apiUpdateClientProduct(array $v): array
    {
        $id = (int) ($v['serviceid'] ?? 0);
        if ($id <= 0 || self::value('SELECT id FROM tblhosting WHERE id = ?', [$id]) === null) {
            return ['result' => 'error', 'message' => 'Service ID Not Found'];
        }
        $map = [
            'status' => 'domainstatus', 'domain' => 'domain', 'serviceusername' => 'username',
            'dedicatedip' => 'dedicatedip', 'assignedips' => 'assignedips', 'notes' => 'notes',
            'diskusage' => 'diskusage', 'disklimit' => 'disklimit', 'bwusage' => 'bwusage', 'bwlimit' => 'bwlimit',
            'nextduedate' => 'nextduedate', 'billingcycle' => 'billingcycle', 'recurringamount' => 'amount',
            'serverid' => 'server', 'pid' => 'packageid', 'suspendreason' => 'suspendreason',
        ];
        $set = [];
        foreach ($map as $in => $col) {
            if (array_key_exists($in, $v)) {
                $set[$col] = $v[$in];
            }
        }
        if (array_key_exists('servicepassword', $v)) {
            $set['password'] = harness_encrypt((string) $v['servicepassword']);
        }
        if ($set) {
            $set['updated_at'] = self::now();
            self::update('tblhosting', $set, ['id' => $id]);
        }
        return ['result' => 'success', 'serviceid' => $id];
    }

    // =============================================================================================
    // Smarty
    // =============================================================================================

    /**
     * Renders a template file (or 'string:…' source) with Debian's Smarty 4, as WHMCS would: undefined or
     * null variables are muted unless $strictVars. Defaults assigned: WEB_ROOT, LANG, token, systemurl,
     * template, companyname.
     */
    public static function renderSmarty(string $templateFile, array $vars = [], bool $strictVars = false): string
    {
        if (!class_exists('Smarty', false)) {
            foreach (['/usr/share/php/smarty4/bootstrap.php', '/usr/share/php/smarty4/Smarty.class.php'] as $f) {
                if (is_file($f)) {
                    require_once $f;
                    break;
                }
            }
            if (!class_exists('Smarty')) {
                throw new RuntimeException('harness: Smarty 4 not found (apt-get install -y smarty4)');
            }
        }
        if (self::$smartyCompileDir === null) {
            self::$smartyCompileDir = $GLOBALS['templates_compiledir'];
            if (!is_dir(self::$smartyCompileDir) && !mkdir(self::$smartyCompileDir, 0700, true) && !is_dir(self::$smartyCompileDir)) {
                throw new RuntimeException('harness: cannot create ' . self::$smartyCompileDir);
            }
        }
        $smarty = new Smarty();
        $smarty->setCompileDir(self::$smartyCompileDir);
        $smarty->setCacheDir(self::$smartyCompileDir);
        $smarty->caching = 0;
        if (!$strictVars && method_exists($smarty, 'muteUndefinedOrNullWarnings')) {
            $smarty->muteUndefinedOrNullWarnings();
        }
        $resource = $templateFile;
        if (strncmp($templateFile, 'string:', 7) !== 0 && strncmp($templateFile, 'eval:', 5) !== 0) {
            $path = realpath($templateFile);
            if ($path === false || !is_file($path)) {
                throw new RuntimeException("harness: template not found: $templateFile");
            }
            $smarty->setTemplateDir([dirname($path)]);
            $resource = 'file:' . $path;
        }
        $defaults = [
            'WEB_ROOT' => '', 'BASE_PATH_CSS' => '/assets/css', 'BASE_PATH_JS' => '/assets/js', 'LANG' => [],
            'token' => harness_csrf_token(), 'systemurl' => (string) self::config('SystemURL'),
            'template' => 'twenty-one', 'companyname' => (string) self::config('CompanyName'),
        ];
        foreach (array_merge($defaults, $vars) as $k => $v) {
            $smarty->assign($k, $v);
        }
        return $smarty->fetch($resource);
    }

    // =============================================================================================
    // Small helpers
    // =============================================================================================

    public static function uuid(): string
    {
        $b = random_bytes(16);
        $b[6] = chr((ord($b[6]) & 0x0f) | 0x40);
        $b[8] = chr((ord($b[8]) & 0x3f) | 0x80);
        return vsprintf('%s%s-%s-%s-%s-%s%s%s', str_split(bin2hex($b), 4));
    }

    public static function randomPassword(int $length = 12): string
    {
        $chars = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
        $out = '';
        for ($i = 0; $i < $length; $i++) {
            $out .= $chars[random_int(0, strlen($chars) - 1)];
        }
        return $out;
    }

    private static function removeTree(string $dir): void
    {
        if (!is_dir($dir)) {
            return;
        }
        $it = new RecursiveIteratorIterator(
            new RecursiveDirectoryIterator($dir, FilesystemIterator::SKIP_DOTS),
            RecursiveIteratorIterator::CHILD_FIRST
        );
        foreach ($it as $f) {
            $f->isDir() ? @rmdir($f->getPathname()) : @unlink($f->getPathname());
        }
        @rmdir($dir);
    }
}
