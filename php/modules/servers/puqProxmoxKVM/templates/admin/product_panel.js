/* PUQ Proxmox KVM — product Module Settings panel. Uses WHMCS's jQuery.
 * Text from the server is inserted with .text(), never as HTML. */
(function ($) {
    'use strict';
    var root = $('#puq-product-panel');
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

    // The one stock field ConfigOptions declares is not used: hide its input.
    $('input[name="packageconfigoption[1]"]').hide();

    function endpoint(action) {
        return url + (url.indexOf('?') >= 0 ? '&' : '?') + 'puq_action=' + encodeURIComponent(action);
    }

    function values() {
        var out = {};
        root.find('[data-puq-field]').each(function () {
            var el = $(this), key = String(el.data('puq-field'));
            out[key] = el.is(':checkbox') ? (el.prop('checked') ? 'on' : '') : String(el.val() === null ? '' : el.val());
        });
        return out;
    }

    function post(action, data) {
        var body = {token: token};
        $.each(data || {}, function (k, v) { body['values[' + k + ']'] = v; });
        return $.ajax({url: endpoint(action), method: 'POST', data: body, dataType: 'json'});
    }

    function clearErrors() {
        root.find('.puq-field').removeClass('has-error puq-highlight').find('.puq-error').text('');
    }

    function showResult(level, title, lines) {
        var box = $('#puq-save-result').empty();
        var alert = $('<div class="alert"></div>').addClass('alert-' + level);
        if (title) {
            alert.append($('<strong></strong>').text(title));
        }
        $.each(lines || [], function (_, l) {
            alert.append($('<div></div>').text(l));
        });
        box.append(alert);
    }

    function showAnswer(r) {
        clearErrors();
        var lines = [];
        $.each(r.errors || {}, function (field, msg) {
            var wrap = root.find('[data-puq-wrap="' + field.replace(/[^a-z0-9_]/gi, '') + '"]');
            if (wrap.length) {
                wrap.addClass('has-error puq-highlight').find('.puq-error').text(msg);
            } else {
                lines.push(field + ': ' + msg);
            }
        });
        $.each(r.banners || [], function (_, b) {
            lines.push(b.title + '. ' + b.message);
            $.each(b.fields || [], function (_, f) {
                root.find('[data-puq-wrap="' + String(f).replace(/[^a-z0-9_]/gi, '') + '"]').addClass('has-error puq-highlight');
            });
        });
        showResult(r.ok ? 'success' : 'danger', r.message || '', lines);
    }

    function failed(xhr) {
        var msg = t('puq_js_request_failed', [xhr.status]);
        try { msg = JSON.parse(xhr.responseText).message || msg; } catch (e) { /* not JSON */ }
        showResult('danger', msg, []);
    }

    $('#puq-save').on('click', function () {
        var btn = $(this).prop('disabled', true);
        post('save', values()).done(showAnswer).fail(failed).always(function () { btn.prop('disabled', false); });
    });

    $('#puq-refresh').on('click', function () {
        $(this).prop('disabled', true);
        $.ajax({url: endpoint('reload'), method: 'GET', dataType: 'json'}).done(function (r) {
            if (r.ok && typeof r.html === 'string') {
                root.replaceWith(r.html);
            } else {
                showResult('danger', r.message || t('puq_js_reload_failed'), []);
            }
        }).fail(failed);
    });

    $('#puq-create-options').on('click', function () {
        var btn = $(this).prop('disabled', true);
        post('create_options', {}).done(function (r) {
            var lines = [];
            if (r.created && r.created.length) { lines.push(t('puq_js_created', [r.created.join(', ')])); }
            if (r.skipped && r.skipped.length) { lines.push(t('puq_js_skipped', [r.skipped.join('; ')])); }
            showResult(r.ok ? 'success' : 'danger', r.message || '', lines);
            if (r.status) {
                $('#puq-options-status').text($('#puq-options-status').text().replace(/\d+ \/ \d+/, r.status.existing + ' / ' + r.status.total));
            }
            btn.prop('disabled', !!(r.status && r.status.existing === r.status.total));
        }).fail(function (x) { btn.prop('disabled', false); failed(x); });
    });

    // Storages follow the chosen node: storages absent from it are hidden.
    function filterStorages() {
        var node = String($('#puq-node').val() || '');
        root.find('select.puq-storage option').each(function () {
            var o = $(this), nodes = String(o.data('nodes') || '');
            var show = !node || o.val() === '' || nodes === '' || (' ' + nodes + ' ').indexOf(' ' + node + ' ') >= 0;
            o.prop('hidden', !show).prop('disabled', !show && !o.prop('selected'));
        });
    }
    $('#puq-node').on('change', filterStorages);
    filterStorages();

    // Live preview of the VM name rule (sample client 142, service 387).
    function preview() {
        var rule = String($('#puq-vm_name_rule').val() || '').trim() || '{client_id}-{service_id}';
        var d = new Date();
        var two = function (n) { return (n < 10 ? '0' : '') + n; };
        var rnd = function (n, set) { var s = ''; for (var i = 0; i < n; i++) { s += set.charAt(Math.floor(Math.random() * set.length)); } return s; };
        var out = rule.replace(/\{([a-z_]+?)(?:_(\d+))?\}/g, function (m, name, n) {
            switch (name) {
                case 'client_id': return '142';
                case 'service_id': return '387';
                case 'random_digit': return rnd(parseInt(n, 10) || 0, '0123456789');
                case 'random_letter': return rnd(parseInt(n, 10) || 0, 'abcdefghijklmnopqrstuvwxyz');
                case 'unixtime': return String(Math.floor(d.getTime() / 1000));
                case 'year': return String(d.getUTCFullYear());
                case 'month': return two(d.getUTCMonth() + 1);
                case 'day': return two(d.getUTCDate());
                case 'hour': return two(d.getUTCHours());
                case 'minute': return two(d.getUTCMinutes());
                case 'second': return two(d.getUTCSeconds());
            }
            return m;
        });
        $('#puq-name-preview').text(out.toLowerCase().replace(/[^a-z0-9-]/g, '-'));
    }
    $('#puq-vm_name_rule').on('input', preview);
    preview();
}(window.jQuery));
