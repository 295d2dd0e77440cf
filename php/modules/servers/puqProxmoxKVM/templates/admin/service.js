/* PUQ Proxmox KVM — admin service tab: live refresh, deploy log, Redeploy,
 * usage charts (assets/charts.js, uPlot: the same chart code as the client
 * area). Uses WHMCS's jQuery. Server text is
 * inserted with .text() or as HTML rendered (and escaped) by Smarty. */
(function ($) {
    'use strict';
    var root = $('#puq-service');
    if (!root.length || root.data('puqReady')) {
        return;
    }
    root.data('puqReady', true);
    var url = String(root.data('ajax-url') || '');
    var token = String(root.data('token') || '');

    /* A string of the lang file (data-lang: the puq_js_* keys) with {0}, {1}… replaced. */
    var L = root.data('lang') || {};
    function t(key, args) {
        var s = Object.prototype.hasOwnProperty.call(L, key) ? String(L[key]) : key;
        (args || []).forEach(function (a, i) { s = s.split('{' + i + '}').join(String(a)); });
        return s;
    }

    function endpoint(action, extra) {
        var u = url + (url.indexOf('?') >= 0 ? '&' : '?') + 'puq_action=' + encodeURIComponent(action);
        $.each(extra || {}, function (k, v) { u += '&' + encodeURIComponent(k) + '=' + encodeURIComponent(v); });
        return u;
    }

    function note(el, level, text) {
        el.empty().append($('<span class="label"></span>').addClass('label-' + level).text(text));
    }

    $('#puq-toggle-log').on('click', function () { $('#puq-log').toggle(); });

    // noVNC: a one-time link (valid once, for 10 s); CONNECT opens it in a new tab.
    var linkTimer = null;
    function hideLink() {
        window.clearTimeout(linkTimer);
        $('#puq-novnc-connect').hide();
        $('#puq-novnc-link').attr('href', '#');
    }
    $('#puq-novnc').on('click', function () {
        var btn = $(this);
        hideLink();
        btn.prop('disabled', true);
        $.ajax({url: endpoint('console'), method: 'POST', data: {token: token}, dataType: 'json'})
            .done(function (r) {
                if (!r.ok) {
                    note($('#puq-action-result'), 'danger', r.message || '');
                    return;
                }
                $('#puq-action-result').empty();
                $('#puq-novnc-link').attr('href', r.url);
                $('#puq-novnc-connect').show();
                linkTimer = window.setTimeout(hideLink, (r.expires_in || 10) * 1000);
            })
            .fail(function (x) {
                var m = 'HTTP ' + x.status;
                try { m = JSON.parse(x.responseText).message || m; } catch (e) { /* not JSON */ }
                note($('#puq-action-result'), 'danger', m);
            })
            .always(function () { btn.prop('disabled', false); });
    });
    $('#puq-novnc-link').on('click', function () { window.setTimeout(hideLink, 0); });

    $('#puq-redeploy').on('click', function () {
        var btn = $(this);
        if (!window.confirm(String(btn.data('confirm')))) {
            return;
        }
        btn.prop('disabled', true);
        $.ajax({url: endpoint('redeploy'), method: 'POST', data: {token: token}, dataType: 'json'})
            .done(function (r) { note($('#puq-action-result'), r.ok ? 'success' : 'danger', r.message || ''); refresh(); })
            .fail(function (x) {
                var m = 'HTTP ' + x.status;
                try { m = JSON.parse(x.responseText).message || m; } catch (e) { /* not JSON */ }
                note($('#puq-action-result'), 'danger', m);
            })
            .always(function () { btn.prop('disabled', false); });
    });

    // The live panel and the log are re-rendered by the server every 5 s.
    function refresh() {
        $.ajax({url: endpoint('live'), method: 'GET', dataType: 'json'}).done(function (r) {
            if (r.ok) {
                $('#puq-live').html(r.html);
                $('#puq-log').html(r.log);
            }
        });
    }
    window.setInterval(refresh, 5000);

    function loadCharts(frame) {
        var msg = $('#puq-chart-msg').text('…');
        $.ajax({url: endpoint('chart', {timeframe: frame}), method: 'GET', dataType: 'json'}).done(function (r) {
            if (!r.ok) {
                msg.text(r.message || t('puq_js_no_data'));
                return;
            }
            msg.text(t('puq_js_points', [r.series.time.length, r.series.format]));
            root.find('.puq-chart').each(function () {
                window.PUQCharts.setLocale(String(root.attr('lang') || 'en'));
                window.PUQCharts.draw(this, r.series, String($(this).data('chart')),
                    String($(this).data('labels')).split('|'), String($(this).data('unit')));
            });
        }).fail(function (x) { msg.text('HTTP ' + x.status); });
    }

    $('#puq-timeframes').on('click', 'button', function () {
        $(this).addClass('active').siblings().removeClass('active');
        loadCharts(String($(this).data('timeframe')));
    });
    if (root.find('.puq-chart').length && window.PUQCharts) {
        window.PUQCharts.autoResize(root.find('.puq-chart').toArray());
        loadCharts('hour');
    }
}(window.jQuery));
