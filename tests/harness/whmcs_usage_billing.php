<?php
/**
 * Stand-ins for WHMCS's usage-billing classes (WHMCS 7.9+ API, as its
 * sample provisioning module uses them), enough to load and drive a
 * module's MetricProvider.
 */

namespace WHMCS\UsageBilling\Contracts\Metrics {
    interface MetricInterface
    {
        const TYPE_SNAPSHOT = 'snapshot';
        const TYPE_PERIOD_DAY = 'day';
        const TYPE_PERIOD_MONTH = 'month';
    }
    interface ProviderInterface
    {
        public function metrics();
        public function usage();
        public function tenantUsage($tenant);
    }
}

namespace WHMCS\UsageBilling\Metrics\Units {
    class GigaBytes
    {
        public function name()
        {
            return 'GB';
        }
    }
}

namespace WHMCS\UsageBilling\Metrics {
    class Usage
    {
        private $value;
        public function __construct($value)
        {
            if (!is_int($value) && !is_float($value)) {
                throw new \InvalidArgumentException('usage must be numeric');
            }
            $this->value = $value;
        }
        public function value()
        {
            return $this->value;
        }
    }

    class Metric implements \WHMCS\UsageBilling\Contracts\Metrics\MetricInterface
    {
        private $systemName;
        private $displayName;
        private $type;
        private $units;
        private $usage;
        public function __construct($systemName, $displayName, $type, $units)
        {
            $this->systemName = $systemName;
            $this->displayName = $displayName;
            $this->type = $type;
            $this->units = $units;
        }
        public function systemName()
        {
            return $this->systemName;
        }
        public function displayName()
        {
            return $this->displayName;
        }
        public function type()
        {
            return $this->type;
        }
        public function units()
        {
            return $this->units;
        }
        public function usage()
        {
            return $this->usage;
        }
        public function withUsage(Usage $usage)
        {
            $m = clone $this;
            $m->usage = $usage;
            return $m;
        }
    }
}
