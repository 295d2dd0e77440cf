<?php
/**
 * WHMCS Usage Billing provider: Bandwidth Usage In / Out (GB, monthly) per
 * service, from the statistics the cron's Collect Statistics task stores.
 * The numbers come from the extension (puq_metric_usage); this class only
 * wraps them in WHMCS's metric objects. metrics() calls nothing.
 */

namespace WHMCS\Module\Server\PuqProxmoxKVM;

use WHMCS\UsageBilling\Contracts\Metrics\MetricInterface;
use WHMCS\UsageBilling\Contracts\Metrics\ProviderInterface;
use WHMCS\UsageBilling\Metrics\Metric;
use WHMCS\UsageBilling\Metrics\Units\GigaBytes;
use WHMCS\UsageBilling\Metrics\Usage;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

class MetricsProvider implements ProviderInterface
{
    private $params;

    public function __construct(array $params)
    {
        $this->params = $params;
    }

    public function metrics()
    {
        return [
            new Metric('bandwidth_in', 'Bandwidth Usage In', MetricInterface::TYPE_PERIOD_MONTH, new GigaBytes()),
            new Metric('bandwidth_out', 'Bandwidth Usage Out', MetricInterface::TYPE_PERIOD_MONTH, new GigaBytes()),
        ];
    }

    public function usage()
    {
        $usage = [];
        foreach (puq_metric_usage($this->params) as $row) {
            $usage[$row['tenant']] = $this->wrap($row);
        }
        return $usage;
    }

    public function tenantUsage($tenant)
    {
        $usage = $this->usage();
        return $usage[$tenant] ?? [];
    }

    private function wrap(array $row)
    {
        $out = [];
        foreach ($this->metrics() as $metric) {
            $out[] = $metric->withUsage(new Usage($row[$metric->systemName()]));
        }
        return $out;
    }
}
