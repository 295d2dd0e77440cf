/*
 * VM Management: server-side search/filter/pagination (vms.list), the per-VM actions (Redeploy, Reset, Log,
 * DB Record, Delete Record), and a poll every few seconds that refreshes the rows still in progress.
 * The service-status and VM-state filters are remembered in the browser (localStorage).
 */
(function ($) {
    'use strict';
    var POLL_MS = 4000;
    var STORE = 'puq-vms-filter';

    function serviceLabel(s) {
        var cls = {Active: 'success', Suspended: 'warning', Pending: 'info', Fraud: 'danger'}[s] || 'default';
        return PUQ.el('span', {'class': 'label label-' + cls + ' puq-service-status'}, s);
    }

    // The tone comes from the extension (the machine tables), not from state names here.
    var TONES = {ok: 'success', error: 'danger', warning: 'warning', progress: 'info', idle: 'default'};
    function stateLabel(r) {
        return PUQ.el('span', {'class': 'label label-' + (TONES[r.tone] || 'default') + ' puq-vm-status'}, r.vm_status);
    }

    function actionButton(cls, icon, title, action) {
        return PUQ.el('button', {type: 'button', 'class': 'btn btn-sm ' + cls, title: title, 'data-action': action, 'aria-label': title})
            .append(PUQ.icon(icon));
    }

    function rowOf(r) {
        var $tr = PUQ.el('tr', {'data-service': r.service_id, 'data-progress': r.in_progress ? '1' : '0', 'data-status': r.vm_status});
        $tr.append(PUQ.el('td').append(PUQ.el('a', {href: 'clientsservices.php?id=' + r.service_id}, '#' + r.service_id)));
        var $client = PUQ.el('td');
        if (r.client_id) {
            $client.append(PUQ.el('a', {href: 'clientssummary.php?userid=' + r.client_id, 'class': 'puq-client'}, r.client || r.company));
            if (r.company && r.client) { $client.append(PUQ.el('span', {'class': 'puq-sub'}, r.company)); }
        }
        $tr.append($client);
        $tr.append(PUQ.el('td', null, r.product));
        $tr.append(PUQ.el('td', {'class': 'text-nowrap'}, r.server).append(r.node ? PUQ.el('span', {'class': 'puq-sub'}, r.node) : null));
        $tr.append(PUQ.el('td').append(PUQ.el('span', {'class': 'puq-vmid'}, r.vm_id === null ? PUQ.t('vms_no_vmid') : String(r.vm_id)))
            .append(PUQ.el('span', {'class': 'puq-sub puq-mono puq-vm-name'}, r.vm_name)));
        var $state = PUQ.el('td').append(stateLabel(r));
        if (r.in_progress) {
            $state.append(PUQ.el('span', {'class': 'puq-sub puq-step'}, PUQ.t('vms_at_step', {state: r.vm_status})));
        }
        if (r.last_error) {
            $state.append(PUQ.el('span', {'class': 'puq-sub text-danger puq-last-error', title: r.last_error}, r.last_error.length > 90 ? r.last_error.slice(0, 90) + '…' : r.last_error));
        }
        $tr.append($state);
        $tr.append(PUQ.el('td').append(serviceLabel(r.service_status)));
        var $ips = PUQ.el('td', {'class': 'puq-ips'});
        $.each(r.ips, function (i, ip) {
            var $ip = PUQ.el('div', {'class': 'puq-ip'}).append(PUQ.el('span', {'class': 'puq-mono'}, ip.address));
            if (ip.rdns) { $ip.append(PUQ.el('span', {'class': 'puq-sub puq-rdns'}, ip.rdns)); }
            $ips.append($ip);
        });
        $tr.append($ips);
        var $act = PUQ.el('td', {'class': 'text-right puq-actions'});
        if (r.can_redeploy) { $act.append(actionButton('btn-danger', 'redo-alt', PUQ.t('vms_redeploy'), 'redeploy')).append(' '); }
        $act.append(actionButton('btn-warning', 'sync', PUQ.t('vms_reset'), 'reset')).append(' ');
        $act.append(actionButton('btn-info', 'file-alt', PUQ.t('vms_log'), 'log')).append(' ');
        $act.append(actionButton('btn-default', 'database', PUQ.t('vms_record'), 'record'));
        if (r.can_delete_record) { $act.append(' ').append(actionButton('btn-danger', 'trash', PUQ.t('vms_delete_record'), 'delete')); }
        $tr.append($act);
        return $tr;
    }

    PUQ.pages.vms = function () {
        var rows = {};
        var state = {page: 1};
        var $filter = $('#puq-vms-filter');
        var query = new URLSearchParams(window.location.search);
        var saved = {};
        try { saved = JSON.parse(window.localStorage.getItem(STORE) || '{}') || {}; } catch (e) { saved = {}; }
        $('#puq-vms-service-status').val(saved.service_status || '');
        $('#puq-vms-vm-state').val(query.get('vm_state') !== null ? query.get('vm_state') : (saved.vm_state || ''));
        if ($('#puq-vms-vm-state').val() === null) { $('#puq-vms-vm-state').val(''); }
        var clientId = query.get('client_id') || '';
        if (clientId) {
            $('#puq-vms-client-chip').removeClass('hidden').find('.puq-chip-text').text(PUQ.t('vms_client_filter', {id: clientId}) + ' ');
        }

        function params() {
            var p = PUQ.formData($filter);
            p.page = state.page;
            if (clientId) { p.client_id = clientId; }
            return p;
        }

        function pager(r) {
            var $p = $('#puq-vms-pager').empty();
            if (r.pages <= 1) { return; }
            var pages = [1, r.page - 2, r.page - 1, r.page, r.page + 1, r.page + 2, r.pages].filter(function (n, i, a) {
                return n >= 1 && n <= r.pages && a.indexOf(n) === i;
            }).sort(function (a, b) { return a - b; });
            var last = 0;
            $.each(pages, function (i, n) {
                if (n - last > 1) { $p.append(PUQ.el('li', {'class': 'disabled'}).append(PUQ.el('span', null, '…'))); }
                $p.append(PUQ.el('li', {'class': n === r.page ? 'active' : null})
                    .append(PUQ.el('a', {href: '#', 'data-page': n}, String(n))));
                last = n;
            });
        }

        function load() {
            try {
                window.localStorage.setItem(STORE, JSON.stringify({service_status: $('#puq-vms-service-status').val(), vm_state: $('#puq-vms-vm-state').val()}));
            } catch (e) { /* storage off */ }
            return PUQ.get('vms.list', params()).done(function (r) {
                var $tb = $('#puq-vms-table tbody').empty();
                rows = {};
                if (!r.rows.length) {
                    $tb.append(PUQ.el('tr').append(PUQ.el('td', {colspan: 9, 'class': 'text-muted text-center'}, PUQ.t('vms_none'))));
                }
                $.each(r.rows, function (i, row) {
                    rows[row.service_id] = row;
                    $tb.append(rowOf(row));
                });
                state.page = r.page;
                $('#puq-vms-count').text(PUQ.t('vms_count', {total: r.total}));
                pager(r);
            }).fail(function (f) { PUQ.flash('error', f.error); });
        }

        var typing = null;
        $('#puq-vms-q').on('input', function () {
            clearTimeout(typing);
            typing = setTimeout(function () { state.page = 1; load(); }, 250);
        });
        $filter.on('change', 'select', function () { state.page = 1; load(); });
        $('#puq-vms-pager').on('click', 'a[data-page]', function (e) {
            e.preventDefault();
            state.page = Number($(this).data('page'));
            load();
        });
        $('#puq-vms-client-chip .puq-chip-clear').on('click', function (e) {
            e.preventDefault();
            clientId = '';
            $('#puq-vms-client-chip').addClass('hidden');
            state.page = 1;
            load();
        });

        // Rows in progress refresh themselves.
        setInterval(function () {
            if (document.hidden) { return; }
            var ids = $('#puq-vms-table tbody tr[data-progress="1"]').map(function () { return $(this).data('service'); }).get();
            if (!ids.length) { return; }
            PUQ.get('vms.poll', {ids: ids.join(',')}).done(function (r) {
                $.each(r.rows, function (i, row) {
                    rows[row.service_id] = row;
                    $('#puq-vms-table tbody tr[data-service="' + row.service_id + '"]').replaceWith(rowOf(row));
                });
            });
        }, POLL_MS);

        function refreshRow(id) {
            return PUQ.get('vms.poll', {ids: String(id)}).done(function (r) {
                var $tr = $('#puq-vms-table tbody tr[data-service="' + id + '"]');
                if (r.rows.length) {
                    rows[id] = r.rows[0];
                    $tr.replaceWith(rowOf(r.rows[0]));
                } else {
                    $tr.remove();
                }
            });
        }

        // ---- actions ----
        var actions = {
            redeploy: function (r) {
                PUQ.confirm(PUQ.t('vms_redeploy') + ' #' + r.service_id, PUQ.t('vms_redeploy_confirm', {id: r.service_id}), true).done(function () {
                    PUQ.post('vms.redeploy', {service_id: r.service_id}).done(function () {
                        PUQ.flash('ok', PUQ.t('vms_redeployed', {id: r.service_id}));
                        refreshRow(r.service_id);
                    }).fail(function (f) { PUQ.flash('error', f.error); });
                });
            },
            reset: function (r) {
                var $f = $('#puq-reset-form');
                PUQ.clearErrors($f);
                $f.find('[name=service_id]').val(r.service_id);
                $('#puq-reset-title').text(PUQ.t('vms_reset_title') + ' — #' + r.service_id);
                $('#puq-reset-current').text(r.vm_status);
                $('#puq-reset-modal').modal('show');
            },
            log: function (r) {
                $('#puq-log-title').text(PUQ.t('vms_log_title') + ' — #' + r.service_id + ' ' + r.vm_name);
                $('#puq-log-runs').empty().append(PUQ.el('p', {'class': 'text-muted'}, PUQ.t('loading')));
                $('#puq-log-failed').addClass('hidden');
                $('#puq-log-modal').modal('show');
                PUQ.get('vms.log', {service_id: r.service_id}).done(renderLog).fail(function (f) {
                    $('#puq-log-runs').empty().append(PUQ.el('div', {'class': 'alert alert-danger'}, f.error));
                });
            },
            record: function (r) {
                PUQ.get('vms.record', {service_id: r.service_id}).done(function (rec) {
                    renderRecord(rec);
                    $('#puq-record-modal').modal('show');
                }).fail(function (f) { PUQ.flash('error', f.error); });
            },
            'delete': function (r) {
                PUQ.confirm(PUQ.t('vms_delete_record') + ' #' + r.service_id, PUQ.t('vms_delete_confirm', {id: r.service_id}), true).done(function () {
                    PUQ.post('vms.delete_record', {service_id: r.service_id}).done(function () {
                        PUQ.flash('ok', PUQ.t('vms_deleted', {id: r.service_id}));
                        refreshRow(r.service_id);
                    }).fail(function (f) { PUQ.flash('error', f.error); });
                });
            }
        };
        $('#puq-vms-table').on('click', 'button[data-action]', function () {
            var r = rows[$(this).closest('tr').data('service')];
            var fn = actions[$(this).data('action')];
            if (r && fn) { fn(r); }
        });

        $('#puq-reset-form').on('submit', function (e) {
            e.preventDefault();
            var $f = $(this);
            var d = PUQ.formData($f);
            PUQ.post('vms.reset', d).done(function (res) {
                $('#puq-reset-modal').modal('hide');
                PUQ.flash('ok', PUQ.t('vms_reset_done', {id: res.service_id, status: res.vm_status}));
                refreshRow(res.service_id);
            }).fail(function (f) { PUQ.formError($f, f); });
        });
        $('#puq-reset-status').on('change', function () {
            $('#puq-reset-reference tr').removeClass('info');
            $('#puq-reset-reference tr[data-status="' + String($(this).val()).replace(/["\\]/g, '') + '"]').addClass('info');
        }).trigger('change');

        function fmtDur(s) { return (Number(s) || 0).toFixed(2) + ' s'; }

        function renderLog(log) {
            var $runs = $('#puq-log-runs').empty();
            if (log.failed) {
                $('#puq-log-failed').removeClass('hidden');
                $('#puq-log-failed .puq-log-failed-action').text(PUQ.t('vms_log_failed', {action: log.failed.action}));
                $('#puq-log-failed .puq-log-failed-error').text(log.failed.error || '');
            }
            if (!log.runs.length) {
                $runs.append(PUQ.el('p', {'class': 'text-muted'}, PUQ.t('vms_log_none')));
            }
            $.each(log.runs, function (i, run) {
                var cls = run.result === 'success' ? 'success' : (run.result === 'error' ? 'danger' : 'warning');
                var $panel = PUQ.el('div', {'class': 'panel panel-' + cls + ' puq-run', 'data-run': run.id});
                var $h = PUQ.el('div', {'class': 'panel-heading'});
                $h.append(PUQ.el('strong', null, PUQ.t('vms_log_run', {action: run.action, result: run.result})));
                if (run.repeats > 1) { $h.append(' ').append(PUQ.el('span', null, PUQ.t('vms_log_repeats', {n: run.repeats}))); }
                $h.append(PUQ.el('span', {'class': 'pull-right'}, PUQ.time(run.started_at) + ' · ' + fmtDur(run.finished_at - run.started_at)));
                $panel.append($h);
                if (run.error) {
                    $panel.append(PUQ.el('div', {'class': 'panel-body text-danger puq-run-error'}, run.error));
                }
                var $t = PUQ.el('table', {'class': 'table table-condensed puq-steps'});
                $t.append(PUQ.el('thead').append(PUQ.el('tr')
                    .append(PUQ.el('th', null, '#')).append(PUQ.el('th', null, PUQ.t('vms_step')))
                    .append(PUQ.el('th', null, PUQ.t('vms_result'))).append(PUQ.el('th', null, PUQ.t('vms_from_to')))
                    .append(PUQ.el('th', null, PUQ.t('vms_time'))).append(PUQ.el('th', {'class': 'text-right'}, PUQ.t('vms_duration')))));
                var $tb = PUQ.el('tbody');
                $.each(run.steps || [], function (j, s) {
                    var res = String(s.result || '');
                    var rcls = res === 'success' ? 'text-success' : (res === 'error' ? 'text-danger' : (res.indexOf('skip') === 0 ? 'text-muted' : 'text-warning'));
                    var $tr = PUQ.el('tr', {'class': res === 'error' ? 'danger' : null})
                        .append(PUQ.el('td', null, s.n)).append(PUQ.el('td', null, s.step))
                        .append(PUQ.el('td', {'class': rcls}, res))
                        .append(PUQ.el('td', {'class': 'puq-mono'}, (s.from || '') + ' → ' + (s.to || '')))
                        .append(PUQ.el('td', null, PUQ.time(s.time)))
                        .append(PUQ.el('td', {'class': 'text-right'}, fmtDur(s.dur)));
                    $tb.append($tr);
                    if (s.error) {
                        $tb.append(PUQ.el('tr', {'class': 'danger'}).append(PUQ.el('td')).append(PUQ.el('td', {colspan: 5, 'class': 'small text-danger puq-step-error'}, s.error)));
                    }
                });
                $t.append($tb);
                $panel.append($t);
                $runs.append($panel);
            });
        }

        var original = {};
        function renderRecord(rec) {
            var $f = $('#puq-record-form');
            PUQ.clearErrors($f);
            $f.find('[name=service_id]').val(rec.service_id);
            $('#puq-record-title').text(PUQ.t('vms_record_title') + ' — #' + rec.service_id);
            var $fields = $('#puq-record-fields').empty();
            original = {};
            $.each(rec.columns, function (i, c) {
                original[c.name] = c.value;
                var id = 'puq-rec-' + c.name;
                var $g = PUQ.el('div', {'class': 'form-group'});
                $g.append(PUQ.el('label', {'class': 'col-sm-4 control-label', 'for': id}, c.name)
                    .append(PUQ.el('span', {'class': 'puq-sub puq-mono'}, c.type)));
                var $in = PUQ.el('div', {'class': 'col-sm-6'}).append(PUQ.el('input', {
                    type: 'text', 'class': 'form-control input-sm puq-mono', id: id, name: 'values[' + c.name + ']',
                    'data-column': c.name, readonly: c.locked
                }).val(c.value === null ? '' : c.value));
                $g.append($in);
                var $n = PUQ.el('div', {'class': 'col-sm-2'});
                if (c.nullable && !c.locked) {
                    $n.append(PUQ.el('div', {'class': 'checkbox'}).append(PUQ.el('label')
                        .append(PUQ.el('input', {type: 'checkbox', 'class': 'puq-rec-null', 'data-column': c.name, checked: c.value === null}))
                        .append(' ' + PUQ.t('vms_record_null'))));
                }
                $g.append($n);
                $fields.append($g);
            });
        }
        $('#puq-record-form').on('submit', function (e) {
            e.preventDefault();
            var $f = $(this);
            var sid = $f.find('[name=service_id]').val();
            var values = {};
            var nulls = {};
            var changed = 0;
            $f.find('input[data-column]:not(.puq-rec-null)').each(function () {
                var col = $(this).data('column');
                var isNull = $f.find('.puq-rec-null[data-column="' + col + '"]').prop('checked') || false;
                var now = isNull ? null : String($(this).val());
                if (now !== original[col]) {
                    changed++;
                    if (isNull) { nulls[col] = '1'; } else { values[col] = now; }
                }
            });
            if (!changed) {
                $f.find('.puq-form-error').removeClass('hidden').text(PUQ.t('vms_record_unchanged'));
                return;
            }
            PUQ.post('vms.record_save', {service_id: sid, values: values, nulls: nulls}).done(function () {
                $('#puq-record-modal').modal('hide');
                PUQ.flash('ok', PUQ.t('vms_record_saved', {id: sid}));
                refreshRow(Number(sid));
            }).fail(function (f) { PUQ.formError($f, f); });
        });

        load();
    };
})(jQuery);
