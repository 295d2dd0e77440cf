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

    /* Numbers, sizes, dates and durations in the reader's locale (the boot block's BCP 47 tag; the browser's Intl). */
    var LOCALE = boot.locale || 'en';
    function nf(v, digits) {
        var n = Number(v);
        if (!isFinite(n)) {
            return String(v);
        }
        try {
            return new Intl.NumberFormat(LOCALE, {maximumFractionDigits: digits === undefined ? 2 : digits}).format(n);
        } catch (e) {
            return String(Math.round(n * 100) / 100);
        }
    }
    function dateText(unix) {
        var d = new Date(Number(unix) * 1000);
        try {
            return new Intl.DateTimeFormat(LOCALE, {dateStyle: 'medium', timeStyle: 'short'}).format(d);
        } catch (e) {
            return d.toISOString().slice(0, 16).replace('T', ' ');
        }
    }
    function sizeText(bytes) {
        var units = ['B', 'KB', 'MB', 'GB', 'TB'];
        var n = Number(bytes) || 0;
        var i = 0;
        while (n >= 1024 && i < units.length - 1) {
            n /= 1024;
            i++;
        }
        return nf(n, i ? 1 : 0) + ' ' + units[i];
    }
    function uptimeText(seconds) {
        var s = Math.max(0, Math.floor(Number(seconds) || 0));
        return t('client_fmt_uptime', [nf(Math.floor(s / 86400), 0), nf(Math.floor(s % 86400 / 3600), 0), nf(Math.floor(s % 3600 / 60), 0)]);
    }
    /* Server-rendered dates and sizes (ISO text without script) in the reader's locale. */
    function localize(scope) {
        $(scope).find('[data-puq-ts]').each(function () {
            var ts = Number($(this).attr('data-puq-ts'));
            if (ts > 0) {
                $(this).text(dateText(ts));
            }
        });
        $(scope).find('[data-puq-bytes]').each(function () {
            $(this).text(sizeText($(this).attr('data-puq-bytes')));
        });
    }
    localize(root);

    /* The text of a failed answer: the lang file's text for its code, else the server's English fallback. */
    function errorText(r) {
        // A keyed validation error or refusal: the server put it in the client's language already.
        if (r && (r.msg || r.code === 'bad_input') && r.message) {
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
        $('#puq-uptime').text(live && live.running ? t('client_uptime', [uptimeText(live.uptime)]) : '');
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
        return $('<span></span>').append($('<strong></strong>').text(t('client_disk_size', [nf(d.size_gb)])))
            .append($('<small class="text-muted d-block"></small>').text(limited ? t('client_disk_limits',
                [lim(d.mbps_rd), lim(d.mbps_wr), lim(d.iops_rd), lim(d.iops_wr)]) : t('client_disk_nolimits')));
    }

    function renderLive(s) {
        var live = s.live;
        statusBadge(live, s.deployed);
        if (live) {
            var st = live.paused ? 'paused' : (live.running ? 'running' : 'stopped');
            field('status', $('<span></span>').text(t('client_status_' + st) + (live.running ? ' · ' + t('client_uptime', [uptimeText(live.uptime)]) : '')));
            field('cpu', $('<span></span>').text(t('client_cpu_value', [nf(live.cpu_percent, 1), nf(live.cores, 0)])));
            var bar = $('<div class="progress puq-bar"><div class="progress-bar" role="progressbar"></div></div>');
            var pct = Math.max(0, Math.min(100, Number(live.mem_percent) || 0));
            bar.find('.progress-bar').css('width', pct + '%').attr('aria-valuenow', pct)
                .toggleClass('bg-warning', pct >= 75 && pct < 90).toggleClass('bg-danger', pct >= 90);
            field('ram', $('<div></div>').append($('<span></span>').text(t('client_ram_value', [nf(live.mem_gib), nf(live.maxmem_gib)]))).append(bar));
            field('system_disk', diskNode(live.system_disk));
            $('[data-puq-row="additional_disk"]').toggleClass('d-none', !live.additional_disk);
            field('additional_disk', diskNode(live.additional_disk));
            var nic = live.nic;
            field('nic', nic ? $('<span></span>').text(t('client_nic_value', [nic.model, nic.mac,
                nic.rate_mbs ? t('client_nic_speed', [nf(nic.rate_mbs)]) : t('client_unlimited')]))
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
            var stepKey = String(p.step_key || '');
            var stepName = Object.prototype.hasOwnProperty.call(L, stepKey) ? t(stepKey) : p.step_name;
            $('#puq-progress-text').text(t('client_progress', [op, nf(p.step, 0), nf(p.total, 0), stepName]));
            $('#puq-progress-bar').css('width', Math.max(3, p.percent) + '%');
            $('#puq-progress').removeClass('d-none');
        } else if (busy && busy.kind === 'task') {
            var what = Object.prototype.hasOwnProperty.call(L, 'client_task_' + busy.what) ? t('client_task_' + busy.what) : t('client_task_other');
            $('#puq-progress-text').text(t('client_task_running', [what]));
            $('#puq-progress-bar').css('width', '100%');
            $('#puq-progress').removeClass('d-none');
        } else if (busy && busy.kind === 'machine') {
            $('#puq-progress-text').text(s.vm_status === 'restore_failed' ? t('client_restore_failed') : t('client_failed_state'));
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
        // noVNC: ask for a one-time link (valid once, for 10 s), then CONNECT opens it in a new tab.
        var linkTimer = null;
        function hideLink() {
            window.clearTimeout(linkTimer);
            $('#puq-novnc-connect').addClass('d-none');
            $('#puq-novnc-link').attr('href', '#');
        }
        $('#puq-novnc').on('click', function () {
            var btn = $(this);
            hideLink();
            busyButton(btn, true);
            api('console', {}, 'POST').then(function (r) {
                busyButton(btn, false);
                if (!r.ok) {
                    flash(r.status === 409 ? 'warning' : 'danger', errorText(r));
                    return;
                }
                $('#puq-novnc-link').attr('href', r.data.url);
                $('#puq-novnc-connect').removeClass('d-none');
                linkTimer = window.setTimeout(hideLink, (r.data.expires_in || 10) * 1000);
            });
        });
        $('#puq-novnc-link').on('click', function () {
            // Used once: the link is gone from the page as it opens.
            window.setTimeout(hideLink, 0);
        });
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
                    window.PUQCharts.setLocale(LOCALE);
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

    // ------------------------------------------------------------------------------------------ Part 2 helpers
    /* Marks the form field an answer names (r.field) as invalid with the server's message; true when it did. */
    function fieldError(form, r) {
        form.find('.is-invalid').removeClass('is-invalid');
        form.find('.invalid-feedback').text('');
        if (!r || !r.field) {
            return false;
        }
        var input = form.find('[name="' + String(r.field).replace(/["\\]/g, '') + '"]');
        input.addClass('is-invalid');
        form.find('[data-field="' + String(r.field).replace(/["\\]/g, '') + '"]').text(r.message || '');
        return input.length > 0;
    }

    function level(r) {
        return r.status === 409 || r.status === 429 ? 'warning' : 'danger';
    }

    /* A write that reloads the page once it worked (lists are drawn by the server). */
    function writeThenReload(btn, act, data, okText) {
        busyButton(btn, true);
        return api(act, data, 'POST').then(function (r) {
            if (r.ok) {
                flash('success', typeof okText === 'function' ? okText(r.data) : okText);
                window.setTimeout(function () { window.location.reload(); }, 1200);
            } else {
                busyButton(btn, false);
                flash(level(r), errorText(r));
            }
            return r;
        });
    }

    function taskText(d) {
        return d && d.status === 'running' ? t('client_snap_running') : t('client_snap_done');
    }

    // ------------------------------------------------------------------------------------------ Snapshots
    function snapshots() {
        $('#puq-snap-form').on('submit', function (e) {
            e.preventDefault();
            var form = $(this);
            var btn = $('#puq-snap-take');
            if (btn.prop('disabled')) {
                return;
            }
            busyButton(btn, true);
            api('snapshot_create', {description: $('#puq-snap-description').val()}, 'POST').then(function (r) {
                if (r.ok) {
                    flash('success', taskText(r.data));
                    window.setTimeout(function () { window.location.reload(); }, 1200);
                } else {
                    busyButton(btn, false);
                    fieldError(form, r);
                    flash(level(r), errorText(r));
                }
            });
        });
        root.on('click', '.puq-snap-rollback, .puq-snap-delete', function () {
            var btn = $(this);
            var name = String(btn.data('name'));
            var rollback = btn.hasClass('puq-snap-rollback');
            confirmDialog(t(rollback ? 'client_snap_confirm_rollback' : 'client_snap_confirm_delete', [name])).then(function (yes) {
                if (yes) {
                    writeThenReload(btn, rollback ? 'snapshot_rollback' : 'snapshot_delete', {name: name}, taskText);
                }
            });
        });
    }

    // ------------------------------------------------------------------------------------------ Backups
    function backups() {
        $('#puq-schedule-form').on('submit', function (e) {
            e.preventDefault();
            var data = {};
            $(this).find('[data-day]').each(function () {
                var day = String($(this).data('day'));
                data['schedule[' + day + '][enabled]'] = this.checked ? '1' : '0';
                data['schedule[' + day + '][time]'] = String($('[data-time="' + day + '"]').val() || '');
            });
            var btn = $('#puq-schedule-save');
            busyButton(btn, true);
            api('schedule_save', data, 'POST').then(function (r) {
                busyButton(btn, false);
                flash(r.ok ? 'success' : level(r), r.ok ? t('client_bk_schedule_saved') : errorText(r));
            });
        });
        $('#puq-bk-form').on('submit', function (e) {
            e.preventDefault();
            var form = $(this);
            var btn = $('#puq-bk-now');
            if (btn.prop('disabled')) {
                return;
            }
            busyButton(btn, true);
            api('backup_create', {note: $('#puq-bk-note').val()}, 'POST').then(function (r) {
                if (r.ok) {
                    flash('success', t('client_bk_started'));
                    window.setTimeout(function () { window.location.reload(); }, 1500);
                } else {
                    busyButton(btn, false);
                    fieldError(form, r);
                    flash(level(r), errorText(r));
                }
            });
        });
        root.on('click', '.puq-bk-restore', function () {
            var btn = $(this);
            confirmDialog(t('client_bk_confirm_restore', [String(btn.data('date'))])).then(function (yes) {
                if (yes) {
                    busyButton(btn, true);
                    api('backup_restore', {volid: String(btn.data('volid'))}, 'POST').then(function (r) {
                        if (r.ok) {
                            flash('success', t('client_bk_restore_queued'));
                            window.setTimeout(function () { window.location.href = boot.overview; }, 2000);
                        } else {
                            busyButton(btn, false);
                            flash(level(r), errorText(r));
                        }
                    });
                }
            });
        });
        root.on('click', '.puq-bk-delete', function () {
            var btn = $(this);
            confirmDialog(t('client_bk_confirm_delete', [String(btn.data('date'))])).then(function (yes) {
                if (yes) {
                    writeThenReload(btn, 'backup_delete', {volid: String(btn.data('volid'))}, t('client_bk_deleted'));
                }
            });
        });
    }

    // ------------------------------------------------------------------------------------------ ISO mount
    function iso() {
        root.on('click', '.puq-iso-toggle', function () {
            var item = $(this).closest('.puq-iso-folder');
            var open = item.find('.puq-iso-images').toggleClass('d-none').hasClass('d-none') === false;
            $(this).attr('aria-expanded', open ? 'true' : 'false');
            item.find('.fas').first().toggleClass('fa-folder', !open).toggleClass('fa-folder-open', open);
        });
        root.on('click', '.puq-iso-mount', function () {
            var btn = $(this);
            var file = String(btn.data('file'));
            writeThenReload(btn, 'iso_mount', {volid: String(btn.data('volid'))}, t('client_iso_done_mount', [file]));
        });
        $('#puq-iso-unmount').on('click', function () {
            var btn = $(this);
            confirmDialog(t('client_iso_confirm_unmount', [String(btn.data('file'))])).then(function (yes) {
                if (yes) {
                    writeThenReload(btn, 'iso_unmount', {}, t('client_iso_done_unmount'));
                }
            });
        });
    }

    // ------------------------------------------------------------------------------------------ Firewall
    function firewall() {
        var d = boot.data || {};
        var state = {digest: d.digest || '', rules: d.rules || []};
        var locked = !!d.refusal;
        var body = $('#puq-fw-rules');
        var sortable = null;

        function cell(text, cls) {
            var v = text === null || text === undefined || text === '' ? t('client_fw_any') : String(text);
            return $('<td class="align-middle"></td>').addClass(cls || '').text(v);
        }

        function draw() {
            body.empty();
            state.rules.forEach(function (r, i) {
                var tr = $('<tr></tr>').attr('data-pos', i).toggleClass('puq-fw-locked', !r.editable)
                    .toggleClass('text-muted', !r.enabled);
                var handle = $('<td class="align-middle text-nowrap puq-fw-handle-cell"></td>');
                if (r.editable && !locked) {
                    handle.append($('<span class="puq-fw-handle" role="img"><i class="fas fa-th"></i></span>').attr('title', t('client_fw_drag')))
                        .append($('<button type="button" class="btn btn-link btn-sm p-0 ml-1 puq-fw-up"><i class="fas fa-arrow-up"></i></button>')
                            .attr('aria-label', t('client_fw_up')).attr('title', t('client_fw_up')).prop('disabled', i === 0))
                        .append($('<button type="button" class="btn btn-link btn-sm p-0 ml-1 puq-fw-down"><i class="fas fa-arrow-down"></i></button>')
                            .attr('aria-label', t('client_fw_down')).attr('title', t('client_fw_down')).prop('disabled', i === state.rules.length - 1));
                }
                tr.append(handle);
                tr.append(cell(i));
                tr.append(cell(r.dir === 'in' ? t('client_fw_dir_in') : (r.dir === 'out' ? t('client_fw_dir_out') : r.dir)));
                var act = $('<span class="badge"></span>').text(r.macro ? r.macro + ' ' + r.action : r.action)
                    .addClass(r.action === 'ACCEPT' ? 'badge-success' : (r.action === 'DROP' || r.action === 'REJECT' ? 'badge-danger' : 'badge-secondary'));
                tr.append($('<td class="align-middle"></td>').append(act));
                tr.append(cell(r.proto));
                tr.append(cell(r.source, 'text-monospace small'));
                tr.append(cell(r.sport, 'small'));
                tr.append(cell(r.dest, 'text-monospace small'));
                tr.append(cell(r.dport, 'small'));
                var c = $('<td class="align-middle small puq-fw-comment"></td>').text(r.comment || '');
                if (!r.editable) {
                    c.append($('<span class="badge badge-light ml-1"></span>').text(t('client_fw_provider')));
                }
                if (!r.enabled) {
                    c.append($('<span class="badge badge-light ml-1"></span>').text(t('client_fw_disabled_rule')));
                }
                tr.append(c);
                var del = $('<td class="align-middle text-right"></td>');
                if (r.editable && !locked) {
                    del.append($('<button type="button" class="btn btn-sm btn-danger puq-fw-delete"><i class="fas fa-trash"></i></button>')
                        .attr('aria-label', t('client_fw_delete')).attr('title', t('client_fw_delete')));
                }
                tr.append(del);
                body.append(tr);
            });
            $('#puq-fw-count').text(state.rules.length);
            $('#puq-fw-none').toggleClass('d-none', state.rules.length > 0);
        }

        function apply(r) {
            if (r && r.ok && r.data && r.data.rules) {
                state.digest = r.data.digest;
                state.rules = r.data.rules;
            }
            draw();
        }

        function reload() {
            return api('fw_rules').then(apply);
        }

        /* A change of the rules: on success the fresh rules; on a stale digest the rules are reloaded. */
        function change(act, data, okText) {
            data.digest = state.digest;
            body.addClass('puq-working');
            return api(act, data, 'POST').then(function (r) {
                body.removeClass('puq-working');
                if (r.ok) {
                    apply(r);
                    flash('success', okText);
                } else {
                    flash(level(r), errorText(r));
                    reload();
                }
                return r;
            });
        }

        function move(from, to) {
            if (from === to) {
                draw();
                return;
            }
            change('fw_rule_move', {pos: from, to: to}, t('client_fw_moved')).then(function () {
                var row = body.find('tr[data-pos="' + to + '"]');
                row.find(to > from ? '.puq-fw-down' : '.puq-fw-up').trigger('focus');
            });
        }

        draw();
        if (window.Sortable && !locked) {
            sortable = window.Sortable.create(body.get(0), {
                handle: '.puq-fw-handle', animation: 120, filter: '.puq-fw-locked', preventOnFilter: false,
                onMove: function (evt) { return !$(evt.related).hasClass('puq-fw-locked'); },
                onEnd: function (evt) { move(evt.oldIndex, evt.newIndex); }
            });
        }
        root.data('puqSortable', sortable);
        body.on('click', '.puq-fw-up, .puq-fw-down', function () {
            var pos = Number($(this).closest('tr').data('pos'));
            move(pos, $(this).hasClass('puq-fw-up') ? pos - 1 : pos + 1);
        });
        body.on('click', '.puq-fw-delete', function () {
            var pos = Number($(this).closest('tr').data('pos'));
            confirmDialog(t('client_fw_confirm_delete', [pos])).then(function (yes) {
                if (yes) {
                    change('fw_rule_delete', {pos: pos}, t('client_fw_deleted'));
                }
            });
        });
        $('#puq-fw-policy').on('submit', function (e) {
            e.preventDefault();
            var btn = $('#puq-policy-save');
            busyButton(btn, true);
            api('fw_policy_save', {policy_in: $('#puq-policy-in').val(), policy_out: $('#puq-policy-out').val()}, 'POST').then(function (r) {
                busyButton(btn, false);
                if (r.ok) {
                    apply(r);
                }
                flash(r.ok ? 'success' : level(r), r.ok ? t('client_fw_saved') : errorText(r));
            });
        });
        $('#puq-fw-add').on('click', function () {
            var form = $('#puq-fw-form');
            form.get(0).reset();
            fieldError(form, null);
            $('#puq-fw-modal').modal('show');
        });
        $('#puq-fw-form').on('submit', function (e) {
            e.preventDefault();
            var form = $(this);
            var data = {digest: state.digest};
            ['dir', 'rule_action', 'proto', 'source', 'sport', 'dest', 'dport', 'comment'].forEach(function (k) {
                data[k] = String(form.find('[name="' + k + '"]').val() || '');
            });
            var btn = $('#puq-fw-submit');
            busyButton(btn, true);
            api('fw_rule_add', data, 'POST').then(function (r) {
                busyButton(btn, false);
                if (r.ok) {
                    $('#puq-fw-modal').modal('hide');
                    apply(r);
                    flash('success', t('client_fw_added'));
                } else if (!fieldError(form, r)) {
                    $('#puq-fw-modal').modal('hide');
                    flash(level(r), errorText(r));
                    if (r.code === 'stale') {
                        reload();
                    }
                }
            });
        });
    }

    $('#puq-error-retry').on('click', function (e) {
        e.preventDefault();
        window.location.reload();
    });
    var pages = {overview: overview, charts: charts, reinstall: reinstall, reset_password: resetPassword, rdns: rdns,
        snapshots: snapshots, backups: backups, iso: iso, firewall: firewall};
    if (!boot.error && pages[boot.page]) {
        pages[boot.page]();
    }
}(window.jQuery));
