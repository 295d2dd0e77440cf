/* PUQ Proxmox KVM — the one chart implementation of the module, used by the client area's Charts page and the
 * admin service tab. Draws the series of GET …/rrddata (parsed by the extension: time in Unix seconds, CPU and
 * RAM in %, disk and network in MB/s) with uPlot (vendor/uplot, MIT), served from the module itself.
 * Labels come from the caller (lang files); nothing here is English text for a person. */
(function (global) {
    'use strict';

    var COLORS = ['#1f77b4', '#ff7f0e'];

    /* Which series each chart shows, and its fixed maximum (percent charts). */
    var SPECS = {
        cpumem: {keys: ['cpu', 'mem'], max: 100},
        cpu: {keys: ['cpu'], max: 100},
        ram: {keys: ['mem'], max: 100},
        disk: {keys: ['diskread', 'diskwrite'], max: null},
        net: {keys: ['netin', 'netout'], max: null}
    };

    function number(v, digits) {
        if (v === null || v === undefined || isNaN(v)) {
            return '–';
        }
        if (v === 0) {
            return '0';
        }
        var a = Math.abs(v);
        var d = digits !== undefined ? digits : (a >= 100 ? 0 : (a >= 10 ? 1 : (a >= 1 ? 2 : 3)));
        try {
            return new Intl.NumberFormat(locale, {minimumFractionDigits: d, maximumFractionDigits: d}).format(v);
        } catch (e) {
            return Number(v).toFixed(d);
        }
    }

    /* The reader's locale (BCP 47, from the page's boot data) for numbers and the time axis. */
    var locale = 'en';
    function setLocale(tag) {
        locale = typeof tag === 'string' && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag) ? tag : 'en';
    }

    /* uPlot's date templates ('{YYYY}', '{M}/{D}', '{h}:{mm}{aa}', …) as Intl formats of the reader's locale. */
    function fmtDate(tpl) {
        var o = {};
        if (tpl.indexOf('{YYYY}') >= 0 || tpl.indexOf('{YY}') >= 0) { o.year = 'numeric'; }
        if (/\{M+\}|\{MMM\}/.test(tpl)) { o.month = tpl.indexOf('{MMM}') >= 0 ? 'short' : '2-digit'; }
        if (/\{D+\}/.test(tpl)) { o.day = '2-digit'; }
        if (/\{[hH]+\}/.test(tpl)) { o.hour = '2-digit'; o.minute = '2-digit'; }
        if (/\{ss\}/.test(tpl)) { o.second = '2-digit'; }
        var f;
        try {
            f = new Intl.DateTimeFormat(locale, o);
        } catch (e) {
            f = new Intl.DateTimeFormat('en', o);
        }
        return function (date) { return f.format(date); };
    }

    /* Draws (or redraws) one chart in `el`. `labels` are the series' legend texts, `unit` is appended to values. */
    function draw(el, series, kind, labels, unit) {
        var spec = SPECS[kind];
        if (!spec || !global.uPlot) {
            return null;
        }
        if (el._puqPlot) {
            el._puqPlot.destroy();
            el._puqPlot = null;
        }
        while (el.firstChild) {
            el.removeChild(el.firstChild);
        }
        var time = series.time || [];
        var data = [time];
        var defs = [{}];
        spec.keys.forEach(function (k, i) {
            data.push(series[k] || []);
            defs.push({
                label: labels[i] || k,
                stroke: COLORS[i],
                fill: COLORS[i] + '22',
                width: 1.5,
                spanGaps: false,
                value: function (u, v) { return v === null ? '–' : number(v) + ' ' + unit; }
            });
        });
        var width = Math.max(200, Math.floor(el.getBoundingClientRect().width || el.clientWidth || 400));
        var opts = {
            width: width,
            height: 190,
            series: defs,
            fmtDate: fmtDate,
            cursor: {drag: {x: false, y: false}},
            legend: {live: true},
            scales: {
                x: {time: true},
                y: spec.max ? {range: [0, spec.max]} : {range: function (u, min, max) { return [0, max > 0 ? max * 1.15 : 1]; }}
            },
            axes: [
                {stroke: '#6c757d', grid: {stroke: '#eee'}, ticks: {stroke: '#ddd'}},
                {stroke: '#6c757d', grid: {stroke: '#eee'}, ticks: {stroke: '#ddd'}, size: 50,
                    values: function (u, vals) { return vals.map(function (v) { return number(v); }); }}
            ]
        };
        el._puqPlot = new global.uPlot(opts, data, el);
        return el._puqPlot;
    }

    /* Keeps the charts as wide as their boxes when the window changes size. */
    function autoResize(els) {
        var t = null;
        global.addEventListener('resize', function () {
            global.clearTimeout(t);
            t = global.setTimeout(function () {
                els.forEach(function (el) {
                    if (el._puqPlot) {
                        el._puqPlot.setSize({width: Math.max(200, Math.floor(el.getBoundingClientRect().width)), height: 190});
                    }
                });
            }, 150);
        });
    }

    global.PUQCharts = {SPECS: SPECS, draw: draw, autoResize: autoResize, setLocale: setLocale};
}(window));
