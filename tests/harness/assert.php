<?php
/**
 * Tiny assertion helpers for the PHP test scripts. Each throws HarnessAssertionFailed (an \AssertionError)
 * whose message names the file:line of the failing call in the test script.
 */

if (!class_exists('HarnessAssertionFailed', false)) {
    class HarnessAssertionFailed extends \AssertionError
    {
    }
}

if (!function_exists('harness_assert_where')) {
    /** file:line of the first caller outside this file. */
    function harness_assert_where(): string
    {
        foreach (debug_backtrace(DEBUG_BACKTRACE_IGNORE_ARGS) as $frame) {
            if (isset($frame['file']) && $frame['file'] !== __FILE__) {
                return $frame['file'] . ':' . ($frame['line'] ?? '?');
            }
        }
        return '?';
    }

    function harness_export($value): string
    {
        if (is_string($value)) {
            $shown = strlen($value) > 2000 ? substr($value, 0, 2000) . '…(' . strlen($value) . ' bytes)' : $value;
            return '"' . addcslashes($shown, "\0..\37\"\\") . '"';
        }
        if (is_object($value) && !($value instanceof \stdClass)) {
            return get_class($value) . ' object';
        }
        $out = var_export($value, true);
        return strlen($out) > 4000 ? substr($out, 0, 4000) . '…' : $out;
    }

    function harness_fail(string $message, string $extra = ''): void
    {
        $text = 'Assertion failed at ' . harness_assert_where() . ': ' . $message;
        if ($extra !== '') {
            $text .= ' — ' . $extra;
        }
        throw new HarnessAssertionFailed($text);
    }
}

if (!function_exists('assertSame')) {
    function assertSame($expected, $actual, string $message = ''): void
    {
        if ($expected !== $actual) {
            harness_fail('expected ' . harness_export($expected) . ', got ' . harness_export($actual), $message);
        }
    }
}

if (!function_exists('assertNotSame')) {
    function assertNotSame($notExpected, $actual, string $message = ''): void
    {
        if ($notExpected === $actual) {
            harness_fail('did not expect ' . harness_export($actual), $message);
        }
    }
}

if (!function_exists('assertEquals')) {
    /** Loose comparison (==), e.g. '5' vs 5. */
    function assertEquals($expected, $actual, string $message = ''): void
    {
        if ($expected != $actual) {
            harness_fail('expected (==) ' . harness_export($expected) . ', got ' . harness_export($actual), $message);
        }
    }
}

if (!function_exists('assertTrue')) {
    function assertTrue($condition, string $message = ''): void
    {
        if ($condition !== true) {
            harness_fail('expected true, got ' . harness_export($condition), $message);
        }
    }
}

if (!function_exists('assertFalse')) {
    function assertFalse($condition, string $message = ''): void
    {
        if ($condition !== false) {
            harness_fail('expected false, got ' . harness_export($condition), $message);
        }
    }
}

if (!function_exists('assertContains')) {
    /** $needle is a substring of string $haystack, or an element (===) of array $haystack. */
    function assertContains($needle, $haystack, string $message = ''): void
    {
        if (is_string($haystack)) {
            if (!is_string($needle) || strpos($haystack, $needle) === false) {
                harness_fail('string ' . harness_export($haystack) . ' does not contain ' . harness_export($needle), $message);
            }
            return;
        }
        if (is_array($haystack)) {
            if (!in_array($needle, $haystack, true)) {
                harness_fail('array ' . harness_export($haystack) . ' does not contain ' . harness_export($needle), $message);
            }
            return;
        }
        harness_fail('assertContains needs a string or array haystack, got ' . gettype($haystack), $message);
    }
}

if (!function_exists('assertNotContains')) {
    function assertNotContains($needle, $haystack, string $message = ''): void
    {
        if (is_string($haystack) && is_string($needle) && strpos($haystack, $needle) !== false) {
            harness_fail('string ' . harness_export($haystack) . ' unexpectedly contains ' . harness_export($needle), $message);
        }
        if (is_array($haystack) && in_array($needle, $haystack, true)) {
            harness_fail('array unexpectedly contains ' . harness_export($needle), $message);
        }
    }
}

if (!function_exists('assertArrayHasKey')) {
    function assertArrayHasKey($key, $array, string $message = ''): void
    {
        if (!is_array($array) || !array_key_exists($key, $array)) {
            $keys = is_array($array) ? implode(', ', array_map('strval', array_keys($array))) : gettype($array);
            harness_fail('missing key ' . harness_export($key) . ' (keys: ' . $keys . ')', $message);
        }
    }
}

if (!function_exists('assertCount')) {
    function assertCount(int $expected, $countable, string $message = ''): void
    {
        $n = is_countable($countable) ? count($countable) : -1;
        if ($n !== $expected) {
            harness_fail("expected count $expected, got $n", $message);
        }
    }
}

if (!function_exists('assertMatches')) {
    function assertMatches(string $pattern, $actual, string $message = ''): void
    {
        if (!is_string($actual) || !preg_match($pattern, $actual)) {
            harness_fail(harness_export($actual) . " does not match $pattern", $message);
        }
    }
}

if (!function_exists('assertThrows')) {
    /**
     * Runs $fn and expects a \Throwable of class $class (or a subclass); returns it.
     * If $messagePart is given, the message must contain it.
     */
    function assertThrows(string $class, callable $fn, string $messagePart = '', string $message = ''): \Throwable
    {
        try {
            $fn();
        } catch (\Throwable $e) {
            if (!($e instanceof $class)) {
                harness_fail("expected $class, got " . get_class($e) . ': ' . $e->getMessage(), $message);
            }
            if ($messagePart !== '' && strpos($e->getMessage(), $messagePart) === false) {
                harness_fail("$class message " . harness_export($e->getMessage()) . ' lacks ' . harness_export($messagePart), $message);
            }
            return $e;
        }
        harness_fail("expected $class to be thrown, nothing was", $message);
        throw new \LogicException('unreachable');
    }
}
