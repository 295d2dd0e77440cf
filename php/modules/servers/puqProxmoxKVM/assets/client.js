/* PUQ Proxmox KVM — the client area's script (every page of templates/client). Reads its data, URLs, CSRF token
 * and strings from the JSON boot block the server rendered (#puq-boot); server text is only ever inserted as
 * text, never as HTML. Uses the jQuery and Bootstrap 4 that WHMCS's twenty-one theme loads. */
(function ($) {
    'use strict';
    var bootEl = document.getElementById('puq-boot');
    var root = $('#puq-client');
    if (!bootEl || !root.length || root.data('puqReady')) {
        return;
    }
    root.data('puqReady', true);
    var boot = JSON.parse(bootEl.textContent);
    var L = boot.lang || {};

    /* A string of the lang file with {0}, {1}… replaced. */
    function t(key, args) {
        var s = Object.prototype.hasOwnProperty.call(L, key) ? String(L[key]) : key;
        (args || []).forEach(function (a, i) { s = s.split('{' + i + '}').join(String(a)); });
        return s;
    }

    /* The text of a failed answer: the lang file's text for its code, else the server's English fallback. */
    function errorText(r) {
        if (r && r.code === 'bad_input' && r.message) {
            return r.message;
        }
        var key = 'client_err_' + (r && r.code);
        return Object.prototype.hasOwnProperty.call(L, key) ? L[key] : ((r && r.message) || L.client_err_failed);
    }

    /* GET (reads) or POST with the CSRF token (writes); resolves with the JSON envelope, even for 4xx/5xx. */
    function api(act, data, method) {
        var post = method === 'POST';
        var payload = $.extend({}, data || {});
        if (post) {
            payload.token = boot.token;
        }
        return $.ajax({url: boot.url + '&act=' + encodeURIComponent(act), method: post ? 'POST' : 'GET',
            data: payload, dataType: 'json', cache: false})
            .then(function (r) { return r; }, function (x) {
                var r = x.responseJSON;
                return $.Deferred().resolve(r && typeof r === 'object' ? r
                    : {ok: false, status: x.status, code: x.status ? 'failed' : 'unreachable', retry: true});
            });
    }

    function flash(level, text) {
        var box = $('<div class="alert alert-dismissible fade show" role="alert"></div>').addClass('alert-' + level);
        box.append($('<span class="puq-flash-text"></span>').text(text));
        box.append($('<button type="button" class="close" data-dismiss="alert"><span aria-hidden="true">&times;</span></button>'));
        $('#puq-flash').empty().append(box);
    }

    /* A Bootstrap modal asking to confirm; resolves true or false. */
    function confirmDialog(text) {
        var d = $.Deferred();
        var m = $('<div class="modal fade" tabindex="-1" role="dialog" id="puq-confirm-modal"><div class="modal-dialog" role="document">'
            + '<div class="modal-content"><div class="modal-body"></div><div class="modal-footer">'
            + '<button type="button" class="btn btn-secondary" data-dismiss="modal"></button>'
            + '<button type="button" class="btn btn-primary" id="puq-confirm-yes"></button></div></div></div></div>');
        m.find('.modal-body').text(text);
        m.find('.btn-secondary').text(t('client_cancel'));
        m.find('#puq-confirm-yes').text(t('client_confirm_yes'));
        var answer = false;
        m.on('click', '#puq-confirm-yes', function () { answer = true; m.modal('hide'); });
        m.on('hidden.bs.modal', function () { m.remove(); d.resolve(answer); });
        $('body').append(m);
        m.modal('show');
        return d.promise();
    }

    function busyButton(btn, on) {
        btn.prop('disabled', on).toggleClass('puq-working', on);
    }

    // ------------------------------------------------------------------------------------------ Overview
    function statusBadge(live, deployed) {
        var b = $('#puq-status-badge').removeClass('badge-success badge-danger badge-warning badge-secondary');
        if (!deployed) {
            b.addClass('badge-secondary').text(t('client_status_not_deployed'));
        } else if (!live) {
            b.addClass('badge-secondary').text(t('client_status_unknown'));
        } else if (live.paused) {
            b.addClass('badge-warning').text(t('client_status_paused'));
        } else if (live.running) {
            b.addClass('badge-success').text(t('client_status_running'));
        } else {
            b.addClass('badge-danger').text(t('client_status_stopped'));
        }
        $('#puq-uptime').text(live && live.running ? t('client_uptime', [live.uptime_human]) : '');
    }

    function field(name, node) {
        var td = $('[data-puq="' + name + '"]').empty();
        td.append(node);
        return td;
    }

    function diskNode(d) {
        if (!d) {
            return $('<span class="text-muted"></span>').text(t('client_none'));
        }
        var lim = function (v) { return v ? v : t('client_unlimited'); };
        var limited = d.mbps_rd || d.mbps_wr || d.iops_rd || d.iops_wr;
        return $('<span></span>').append($('<strong></strong>').text(t('client_disk_size', [Math.round(d.size_gb * 100) / 100])))
            .append($('<small class="text-muted d-block"></small>').text(limited ? t('client_disk_limits',
                [lim(d.mbps_rd), lim(d.mbps_wr), lim(d.iops_rd), lim(d.iops_wr)]) : t('client_disk_nolimits')));
    }

    function renderLive(s) {
        var live = s.live;
        statusBadge(live, s.deployed);
        if (live) {
            var st = live.paused ? 'paused' : (live.running ? 'running' : 'stopped');
            field('status', $('<span></span>').text(t('client_status_' + st) + (live.running ? ' · ' + t('client_uptime', [live.uptime_human]) : '')));
            field('cpu', $('<span></span>').text(t('client_cpu_value', [live.cpu_percent, live.cores])));
            var bar = $('<div class="progress puq-bar"><div class="progress-bar" role="progressbar"></div></div>');
            var pct = Math.max(0, Math.min(100, Number(live.mem_percent) || 0));
            bar.find('.progress-bar').css('width', pct + '%').attr('aria-valuenow', pct)
                .toggleClass('bg-warning', pct >= 75 && pct < 90).toggleClass('bg-danger', pct >= 90);
            field('ram', $('<div></div>').append($('<span></span>').text(t('client_ram_value', [live.mem_gib, live.maxmem_gib]))).append(bar));
            field('system_disk', diskNode(live.system_disk));
            $('[data-puq-row="additional_disk"]').toggleClass('d-none', !live.additional_disk);
            field('additional_disk', diskNode(live.additional_disk));
            var nic = live.nic;
            field('nic', nic ? $('<span></span>').text(t('client_nic_value', [nic.model, nic.mac,
                nic.rate_mbs ? t('client_nic_speed', [nic.rate_mbs]) : t('client_unlimited')]))
                : $('<span class="text-muted"></span>').text(t('client_none')));
        } else {
            ['status', 'cpu', 'ram', 'system_disk', 'additional_disk', 'nic'].forEach(function (f) {
                field(f, $('<span class="text-muted"></span>').text(f === 'status' && !s.deployed ? t('client_status_not_deployed') : t('client_none')));
            });
        }
        var p = s.progress;
        var busy = s.busy;
        if (p) {
            var op = Object.prototype.hasOwnProperty.call(L, 'client_op_' + p.kind) ? t('client_op_' + p.kind) : t('client_op_other');
            $('#puq-progress-text').text(t('client_progress', [op, p.step, p.total, p.step_name]));
            $('#puq-progress-bar').css('width', Math.max(3, p.percent) + '%');
            $('#puq-progress').removeClass('d-none');
        } else if (busy && busy.kind === 'task') {
            var what = Object.prototype.hasOwnProperty.call(L, 'client_task_' + busy.what) ? t('client_task_' + busy.what) : t('client_task_other');
            $('#puq-progress-text').text(t('client_task_running', [what]));
            $('#puq-progress-bar').css('width', '100%');
            $('#puq-progress').removeClass('d-none');
        } else if (busy && busy.kind === 'machine') {
            $('#puq-progress-text').text(t('client_failed_state'));
            $('#puq-progress').removeClass('d-none');
        } else {
            $('#puq-progress').addClass('d-none');
        }
        $.each(s.buttons || {}, function (name, b) {
            var btn = $('.puq-act[data-act="' + name + '"]');
            if (!btn.length || btn.hasClass('puq-working')) {
                return;
            }
            btn.prop('disabled', !b.enabled).toggleClass('puq-dim', !b.enabled)
                .attr('aria-disabled', b.enabled ? null : 'true')
                .attr('title', b.enabled ? null : t('client_why_' + b.why));
        });
    }

    function overview() {
        var data = boot.data || {};
        var every = (data.poll_seconds || 7) * 1000;
        var timer = null;
        renderLive(data);
        function poll() {
            window.clearTimeout(timer);
            api('live').then(function (r) {
                if (r.ok) {
                    $('#puq-live-error').addClass('d-none');
                    renderLive(r.data);
                } else {
                    $('#puq-live-error-text').text(errorText(r));
                    $('#puq-live-error').removeClass('d-none');
                }
                timer = window.setTimeout(poll, every);
            });
        }
        timer = window.setTimeout(poll, every);
        $('#puq-live-retry').on('click', poll);
        root.on('click', '.puq-act[data-act]', function () {
            var btn = $(this);
            var act = String(btn.data('act'));
            if (btn.prop('disabled')) {
                return;
            }
            var go = btn.data('confirm') ? confirmDialog(String(btn.data('confirm'))) : $.Deferred().resolve(true).promise();
            go.then(function (yes) {
                if (!yes) {
                    return;
                }
                busyButton(btn, true);
                api(act, {}, 'POST').then(function (r) {
                    busyButton(btn, false);
                    if (r.ok) {
                        flash('success', t('client_sent_' + act));
                    } else {
                        flash(r.status === 409 || r.status === 429 ? 'warning' : 'danger', errorText(r));
                    }
                    poll();
                });
            });
        });
    }

    // ------------------------------------------------------------------------------------------ Charts
    function charts() {
        var els = $('.puq-chart').toArray();
        var labels = {
            cpu: [t('client_series_cpu')], ram: [t('client_series_ram')],
            disk: [t('client_series_read'), t('client_series_write')], net: [t('client_series_in'), t('client_series_out')]
        };
        var units = {cpu: '%', ram: '%', disk: 'MB/s', net: 'MB/s'};
        function load(tf) {
            $('#puq-chart-msg').text(t('client_chart_loading')).removeClass('text-danger');
            api('chart', {timeframe: tf}).then(function (r) {
                if (!r.ok) {
                    $('#puq-chart-msg').text(errorText(r)).addClass('text-danger');
                    return;
                }
                var n = (r.data.series.time || []).length;
                $('#puq-chart-msg').text(n ? '' : t('client_chart_empty'));
                els.forEach(function (el) {
                    var kind = el.getAttribute('data-chart');
                    window.PUQCharts.draw(el, r.data.series, kind, labels[kind], units[kind]);
                });
            });
        }
        $('#puq-timeframes').on('click', 'button', function () {
            $(this).addClass('active').siblings().removeClass('active');
            load(String($(this).data('timeframe')));
        });
        window.PUQCharts.autoResize(els);
        load('hour');
    }

    // ------------------------------------------------------------------------------------------ Reinstall
    function reinstall() {
        $('#puq-reinstall-form').on('submit', function (e) {
            e.preventDefault();
            var btn = $('#puq-reinstall');
            var input = $('#puq-confirm');
            input.removeClass('is-invalid');
            if ($.trim(String(input.val())) !== String(btn.data('word'))) {
                input.addClass('is-invalid');
                $('[data-field="confirm"]').text(t('client_reinstall_confirm_mismatch'));
                return;
            }
            busyButton(btn, true);
            api('reinstall', {os: $('#puq-os').val(), confirm: input.val()}, 'POST').then(function (r) {
                if (r.ok) {
                    flash('success', t('client_reinstall_queued'));
                    $('#puq-reinstall-form :input').prop('disabled', true);
                    window.setTimeout(function () { window.location.href = boot.overview; }, 2500);
                } else {
                    busyButton(btn, false);
                    if (r.field === 'confirm') {
                        input.addClass('is-invalid');
                        $('[data-field="confirm"]').text(t('client_reinstall_confirm_mismatch'));
                    }
                    flash(r.status === 409 ? 'warning' : 'danger', errorText(r));
                }
            });
        });
    }

    // ------------------------------------------------------------------------------------------ Reset password
    function resetPassword() {
        $('#puq-reset-password').on('click', function () {
            var btn = $(this);
            confirmDialog(String(btn.data('confirm'))).then(function (yes) {
                if (!yes) {
                    return;
                }
                busyButton(btn, true);
                api('reset_password', {}, 'POST').then(function (r) {
                    if (r.ok) {
                        flash('success', t('client_rp_queued'));
                    } else {
                        busyButton(btn, false);
                        flash(r.status === 409 ? 'warning' : 'danger', errorText(r));
                    }
                });
            });
        });
    }

    // ------------------------------------------------------------------------------------------ Reverse DNS
    function rdns() {
        $('#puq-rdns-form').on('submit', function (e) {
            e.preventDefault();
            var btn = $('#puq-rdns-save');
            var data = {};
            var inputs = $(this).find('input[data-address]').removeClass('is-invalid');
            inputs.each(function () { data['ptr[' + $(this).data('address') + ']'] = $(this).val(); });
            busyButton(btn, true);
            api('rdns_save', data, 'POST').then(function (r) {
                busyButton(btn, false);
                if (!r.ok) {
                    if (r.field) {
                        inputs.filter(function () { return 'ptr[' + $(this).data('address') + ']' === r.field; })
                            .addClass('is-invalid').siblings('.invalid-feedback').text(r.message || '');
                    }
                    flash(r.status === 409 ? 'warning' : 'danger', errorText(r));
                    return;
                }
                var d = r.data;
                var parts = [d.saved ? t('client_rdns_saved', [d.saved]) : t('client_rdns_nochange')];
                if (d.ticket) {
                    parts.push(t('client_rdns_ticket', [d.ticket]));
                } else if (d.manual) {
                    parts.push(t('client_rdns_manual'));
                }
                if (d.dns_errors) {
                    parts.push(t('client_rdns_dns_errors'));
                }
                flash(d.dns_errors ? 'warning' : 'success', parts.join(' '));
            });
        });
    }

    $('#puq-error-retry').on('click', function (e) {
        e.preventDefault();
        window.location.reload();
    });
    var pages = {overview: overview, charts: charts, reinstall: reinstall, reset_password: resetPassword, rdns: rdns};
    if (!boot.error && pages[boot.page]) {
        pages[boot.page]();
    }
}(window.jQuery));
