/* PUQ Proxmox KVM — admin service tab: live refresh, deploy log, Redeploy,
 * usage charts drawn as inline SVG. Uses WHMCS's jQuery. Server text is
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
    var SVGNS = 'http://www.w3.org/2000/svg';
    var COLORS = ['#3c8dbc', '#f39c12'];

    function endpoint(action, extra) {
        var u = url + (url.indexOf('?') >= 0 ? '&' : '?') + 'puq_action=' + encodeURIComponent(action);
        $.each(extra || {}, function (k, v) { u += '&' + encodeURIComponent(k) + '=' + encodeURIComponent(v); });
        return u;
    }

    function note(el, level, text) {
        el.empty().append($('<span class="label"></span>').addClass('label-' + level).text(text));
    }

    $('#puq-toggle-log').on('click', function () { $('#puq-log').toggle(); });

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

    function el(name, attrs) {
        var e = document.createElementNS(SVGNS, name);
        $.each(attrs || {}, function (k, v) { e.setAttribute(k, v); });
        return e;
    }

    function stamp(t, frame) {
        var d = new Date(t * 1000);
        var two = function (n) { return (n < 10 ? '0' : '') + n; };
        return frame === 'hour' || frame === 'day'
            ? two(d.getHours()) + ':' + two(d.getMinutes())
            : (d.getMonth() + 1) + '/' + d.getDate();
    }

    function draw(svg, series, frame) {
        var keys = String(svg.getAttribute('data-series')).split(',');
        var labels = String(svg.getAttribute('data-labels')).split(',');
        var W = 320, H = 150, L = 34, B = 18, T = 16;
        while (svg.firstChild) { svg.removeChild(svg.firstChild); }
        svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
        svg.setAttribute('preserveAspectRatio', 'none');
        var time = series.time || [];
        var max = parseFloat(svg.getAttribute('data-max')) || 0;
        if (!max) {
            keys.forEach(function (k) { (series[k] || []).forEach(function (v) { if (v !== null && v > max) { max = v; } }); });
            max = max > 0 ? max * 1.15 : 1;
        }
        var n = time.length;
        var x = function (i) { return L + (n > 1 ? i * (W - L - 4) / (n - 1) : 0); };
        var y = function (v) { return T + (H - T - B) * (1 - Math.min(v, max) / max); };
        [0, 0.5, 1].forEach(function (f) {
            svg.appendChild(el('line', {x1: L, x2: W - 4, y1: y(max * f), y2: y(max * f), stroke: '#eee'}));
            var t = el('text', {x: L - 3, y: y(max * f) + 3, 'font-size': 9, 'text-anchor': 'end', fill: '#777'});
            var lv = max * f;
            t.textContent = lv === 0 ? '0' : (lv >= 10 ? lv.toFixed(0) : (lv >= 1 ? lv.toFixed(1) : String(Number(lv.toPrecision(2)))));
            svg.appendChild(t);
        });
        if (n > 1) {
            [[0, 'start'], [n - 1, 'end']].forEach(function (p) {
                var t = el('text', {x: x(p[0]), y: H - 4, 'font-size': 9, 'text-anchor': p[1], fill: '#777'});
                t.textContent = stamp(time[p[0]], frame);
                svg.appendChild(t);
            });
        }
        keys.forEach(function (k, si) {
            var vals = series[k] || [], d = '', open = false, area = '', first = null, last = null;
            vals.forEach(function (v, i) {
                if (v === null || v === undefined) { open = false; return; }
                d += (open ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(v).toFixed(1) + ' ';
                open = true;
                if (first === null) { first = i; }
                last = i;
            });
            if (first !== null) {
                area = d.replace(/^M/, 'M' + x(first).toFixed(1) + ' ' + y(0).toFixed(1) + ' L') + 'L' + x(last).toFixed(1) + ' ' + y(0).toFixed(1) + ' Z';
                svg.appendChild(el('path', {d: area, fill: COLORS[si], 'fill-opacity': 0.15, stroke: 'none'}));
                svg.appendChild(el('path', {d: d, fill: 'none', stroke: COLORS[si], 'stroke-width': 1.5}));
            }
            var lg = el('text', {x: L + 4 + si * 90, y: 11, 'font-size': 10, fill: COLORS[si]});
            lg.textContent = '■ ' + labels[si];
            svg.appendChild(lg);
        });
    }

    function loadCharts(frame) {
        var msg = $('#puq-chart-msg').text('…');
        $.ajax({url: endpoint('chart', {timeframe: frame}), method: 'GET', dataType: 'json'}).done(function (r) {
            if (!r.ok) {
                msg.text(r.message || 'no data');
                return;
            }
            msg.text(r.series.time.length + ' points (' + r.series.format + ')');
            root.find('svg.puq-chart').each(function () { draw(this, r.series, frame); });
        }).fail(function (x) { msg.text('HTTP ' + x.status); });
    }

    $('#puq-timeframes').on('click', 'button', function () {
        $(this).addClass('active').siblings().removeClass('active');
        loadCharts(String($(this).data('timeframe')));
    });
    if (root.find('svg.puq-chart').length) {
        loadCharts('hour');
    }
}(window.jQuery));
